/**
 * Runs a build or an execute under the caller's node-work allowance: counted
 * before its first node call, and once more if it ends refused after that
 * work (see sponsorship/nodeWork.ts).
 */
import type { RelayDeps } from '../deps.ts';
import type { CallerContext } from '../tenants/auth.ts';

export async function metered<T>(deps: RelayDeps, ctx: CallerContext, sender: string, work: () => Promise<T>): Promise<T> {
  const caller = { tenant: ctx.tenant.id, apiKeyId: ctx.apiKeyId, sender, client: ctx.client };
  await deps.nodeWork.admit(caller);
  const started = Date.now();
  try {
    return await work();
  } catch (e) {
    await deps.nodeWork.refused(caller, e, Date.now() - started >= deps.config.rpcTimeoutMs);
    throw e;
  }
}

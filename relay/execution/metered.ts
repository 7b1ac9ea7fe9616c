/**
 * Runs a build or an execute under the caller's node-work allowance: counted
 * before its first node call, and once more if it ends refused after that
 * work (see sponsorship/nodeWork.ts).
 */
import type { RelayDeps } from '../deps.ts';
import type { CallerContext } from '../tenants/auth.ts';

/**
 * What a transaction weighs against request counts: 1, and 1 more per FELTS_PER_WEIGHT felts of calldata
 * (the relay's CPU and the node's both grow with it: ~30 ms a build at the 3,400-felt limit, ~1.5 ms at a few).
 */
export const FELTS_PER_WEIGHT = 512;
export function weightOf(tx: { type: string; invoke?: { calls: { calldata: unknown[] }[] } | { typed_data: { execution: { calls: { calldata: unknown[] }[] } } }; deployment?: { calldata: unknown[] } }): number {
  const calls = !tx.invoke ? [] : 'calls' in tx.invoke ? tx.invoke.calls : tx.invoke.typed_data.execution.calls;
  const felts = calls.reduce((n, c) => n + c.calldata.length, 0) + (tx.deployment?.calldata.length ?? 0);
  return 1 + Math.floor(felts / FELTS_PER_WEIGHT);
}

export async function metered<T>(deps: RelayDeps, ctx: CallerContext, sender: string, work: () => Promise<T>, weight = 1): Promise<T> {
  const caller = { tenant: ctx.tenant.id, apiKeyId: ctx.apiKeyId, sender, client: ctx.client, weight };
  await deps.nodeWork.admit(caller);
  try {
    return await work();
  } catch (e) {
    await deps.nodeWork.refused(caller, e);
    throw e;
  }
}

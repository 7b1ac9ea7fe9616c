/**
 * Revoking a session at the relay: by its owner (a signature over the
 * revocation typed data, checked by the account) or by a tenant admin. The
 * record is marked in the Store, which every co-signature reads, so no
 * instance co-signs for the session from the next request on; since every
 * session transaction needs the guardian's signature, that ends the session
 * for as long as the cosigner key is only the relay's.
 *
 * A sponsor key is public, so it alone never revokes: anyone could end every
 * user's sessions. Revoking on chain (`revoke_session`, which also stops a
 * leaked cosigner key) is the owner's own transaction; see README
 * "Session keys" for why the Paymaster cannot sponsor it.
 */
import type { RelayDeps } from '../deps.ts';
import { RelayError } from '../errors/base.ts';
import { metered } from '../execution/metered.ts';
import type { CallerContext } from '../tenants/auth.ts';
import { assertOwnerSigned, cosignerOf } from './checks.ts';
import { SessionRecords, type SessionRecord } from './records.ts';

const unknown = (hash: string) => new RelayError('session_unknown', { details: `No session ${hash} for this tenant.` });

/** A tenant's session by hash; another tenant's reads exactly like an unknown one. */
export async function tenantSession(deps: RelayDeps, tenantId: string, hash: string): Promise<SessionRecord> {
  const r = await new SessionRecords(deps.store).get(hash);
  if (!r || r.tenant !== tenantId) throw unknown(hash);
  return r;
}

export async function revokeByOwner(deps: RelayDeps, ctx: CallerContext, hash: string, signature: readonly string[]): Promise<SessionRecord> {
  const r = await tenantSession(deps, ctx.tenant.id, hash);
  if (r.revokedAt) return r;
  const cosigner = cosignerOf(deps, ctx.tenant);
  return metered(deps, ctx, r.account, async () => {
    const probe = cosigner.revocationProbe(await deps.provider.getChainId(), r.account, r.hash);
    await assertOwnerSigned(deps, r.account, probe.hash, signature, probe.signature);
    return (await new SessionRecords(deps.store).revoke(r.hash, 'owner')) ?? r;
  });
}

export async function revokeByAdmin(deps: RelayDeps, ctx: CallerContext, hash: string): Promise<SessionRecord> {
  const r = await tenantSession(deps, ctx.tenant.id, hash);
  return (await new SessionRecords(deps.store).revoke(r.hash, `admin:${ctx.apiKeyId}`)) ?? r;
}

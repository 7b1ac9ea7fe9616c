/**
 * Revoking a session at the relay: by its owner (a signature over the
 * revocation typed data, checked by the account) or by a tenant admin. The
 * record is marked in the Store, which every co-signature reads, so no
 * instance co-signs for the session from the next request on; since every
 * session transaction needs the guardian's signature, that ends the session
 * for as long as the cosigner key is only the relay's.
 *
 * A sponsor key is public, so it alone never revokes: anyone could end every
 * user's sessions. Revoking on chain as well (`revoke_session`, which holds
 * even against a leaked cosigner key) is relayed sponsored (revokeOnChain).
 */
import { hash as hashFns } from 'starknet';
import { toHex } from '../chain/felt.ts';
import type { RelayDeps } from '../deps.ts';
import { toRelayError } from '../errors/chain.ts';
import { executeTransaction, type ExecuteResult } from '../execution/execute.ts';
import { RelayError } from '../errors/base.ts';
import { metered } from '../execution/metered.ts';
import type { CallerContext } from '../tenants/auth.ts';
import { assertOwnerSigned, cosignerOf } from './checks.ts';
import { SessionRecords, type SessionRecord } from './records.ts';
import type { RevokeBody } from './schemas.ts';

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

export interface OnChainRevocation {
  record: SessionRecord;
  /** What paymaster_executeTransaction answered, or why it refused (the session is revoked at the relay either way). */
  onchain: ExecuteResult | { error: Record<string, unknown> };
}

/**
 * The owner's on-chain `revoke_session`, sponsored through the normal SNIP-29
 * execute: the owner signed the outside execution; the relay checks it is that
 * one call with the Paymaster as caller, adds the guardian's signature, checks
 * the pair on the account, revokes at the relay, then executes it like any
 * other (gate, simulation, reservation; the policy must allow `self`
 * revoke_session, and the Paymaster exempts an account's own revocation).
 */
export async function revokeOnChain(deps: RelayDeps, ctx: CallerContext, hash: string, tx: NonNullable<RevokeBody['onchain']>): Promise<OnChainRevocation> {
  const r = await tenantSession(deps, ctx.tenant.id, hash);
  const cosigner = cosignerOf(deps, ctx.tenant);
  const { chainId, execution } = tx.typedData;
  const paymaster = deps.config.manifest.contracts.paymaster.address;
  if (BigInt(execution.caller) !== BigInt(paymaster)) {
    throw new RelayError('caller_not_paymaster', { details: `Build the revocation with paymaster_buildTransaction (Caller ${paymaster}).` });
  }
  const c = execution.calls;
  if (c.length !== 1 || BigInt(c[0]!.to) !== BigInt(r.account) || BigInt(c[0]!.selector) !== BigInt(hashFns.getSelectorFromName('revoke_session')) || c[0]!.calldata.length !== 1 || BigInt(c[0]!.calldata[0]!) !== BigInt(r.hash)) {
    throw new RelayError('session_call_not_allowed', {
      details: `The on-chain revocation is exactly one call: ${r.account}.revoke_session(${r.hash}).`,
      data: { policy: r.policy, rule: 'sessions', session: r.hash },
    });
  }
  const signature = await metered(deps, ctx, r.account, async () => {
    if (chainId !== BigInt(await deps.provider.getChainId())) throw new RelayError('wrong_chain', { details: 'The typed data was built for another chain.' });
    const g = cosigner.cosignOwnRevocation(toHex(chainId), r.account, execution, r.hash);
    return assertOwnerSigned(deps, r.account, g.hash, tx.signature, g.signature);
  });
  const record = (await new SessionRecords(deps.store).revoke(r.hash, 'owner')) ?? r;
  const onchain = await executeTransaction(
    deps,
    ctx,
    { type: 'invoke', invoke: { user_address: r.account, typed_data: tx.typedData, signature } },
    { version: '0x1', fee_mode: { mode: 'sponsored' } },
  ).catch((e: unknown) => ({ error: toRelayError(e).toHttpBody().error }));
  return { record, onchain };
}

export async function revokeByAdmin(deps: RelayDeps, ctx: CallerContext, hash: string): Promise<SessionRecord> {
  const r = await tenantSession(deps, ctx.tenant.id, hash);
  return (await new SessionRecords(deps.store).revoke(r.hash, `admin:${ctx.apiKeyId}`)) ?? r;
}

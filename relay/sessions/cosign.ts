/**
 * POST /sessions/argent/cosigner/signSessionEFO: the guardian signature of one
 * session transaction, asked by x-sessions' signOutsideExecution. It carries
 * no API key (x-sessions sends only Content-Type), so the stored session
 * names the tenant and the sponsor key whose policies decide.
 *
 * Co-signing and sponsoring are one decision: the relay signs only what it
 * would relay. In order, cheapest first, so a caller without the session key
 * costs the node nothing:
 *   the session is known, not revoked, and this tenant's cosigner made it;
 *   the signing key is the session's (its GUID);
 *   the outside execution is for this chain, its Caller is the Paymaster (not
 *   ANY_CALLER: a cosigned execution anyone could submit outside the relay
 *   would escape the gate's quotas and budgets), every call is one of the
 *   session's methods, and its calldata is at most MAX_SESSION_CALLDATA felts;
 * then, metered per account and key (hashing a large execution in JS costs
 * real CPU, so a wrong signature is counted like any refusal):
 *   the session key signed this message;
 *   the tenant's policy still lets this session be co-signed (chain time),
 *   the window is open, no longer than a default build's (a revoked
 *   session's co-signatures expire with it) and ends by the session's
 *   expiry (past it the account reverts it, on relayer gas), the nonce is unused
 *   (neither relayed here nor spent on chain), and the sponsorship gate's
 *   decide() allows these calls. decide() spends nothing; the execute that
 *   follows reserves.
 */
import { outsideNonceFree, sessionTxDigest, starknetSignerGuid, verifyStarkSignature } from '../chain/argent.ts';
import { toHex } from '../chain/felt.ts';
import { outsideExecutionHash } from '../chain/outsideHash.ts';
import type { RelayDeps } from '../deps.ts';
import { RelayError } from '../errors/base.ts';
import { checkWindowOpen } from '../execution/checks.ts';
import { metered } from '../execution/metered.ts';
import { assertAllowed } from '../sponsorship/refusal.ts';
import { Keys } from '../store/keys.ts';
import { sessionAllowsCall } from '../../policies/index.ts';
import { revoked } from './authorize.ts';
import { assertSessionFits, cosignerOf, requestOf } from './checks.ts';
import type { GuardianSignature } from './cosigner.ts';
import { SessionRecords, type SessionRecord } from './records.ts';
import type { SignSessionEfo } from './schemas.ts';

/**
 * A session transaction's calldata, in felts over all its calls: heartbeats and claims carry a handful.
 * Each felt is hashed before the signature can be checked, in JS on Workers (~0.13 ms a felt).
 */
export const MAX_SESSION_CALLDATA = 256;
/** Each call is hashed too (64 calls of 4 felts cost as much as 1 of 256 twice over). */
export const MAX_SESSION_CALLS = 16;

/** `client`: the caller's address as the entry saw it, for node-work limits (no API key comes with these requests). */
export async function cosignOutsideExecution(deps: RelayDeps, body: SignSessionEfo, client: string | undefined): Promise<GuardianSignature> {
  const account = body.message.accountAddress;
  const rec = await new SessionRecords(deps.store).get(body.session.sessionHash);
  const tenant = rec && rec.account === account ? await deps.tenants.directory.tenant(rec.tenant) : undefined;
  if (!rec || !tenant) {
    throw new RelayError('session_unknown', { details: 'No session with this hash was authorised for this account (POST /sessions/authorize).' });
  }
  if (rec.revokedAt) throw revoked(rec);
  // The sponsor key that authorised the session decides its sponsorship: revoking the key ends its sessions too.
  const key = await deps.tenants.directory.resolveKey(rec.apiKeyId);
  if (!key || key.revoked || key.tenant?.id !== tenant.id) {
    throw new RelayError('invalid_api_key', { details: "The API key that authorised this session was revoked; authorise a new session with a current key." });
  }
  const cosigner = cosignerOf(deps, tenant);
  // A rotated cosigner key is no longer the account's guardian: its signature would only fail on chain.
  if (BigInt(cosigner.publicKey) !== BigInt(rec.guardian)) {
    throw new RelayError('session_guardian_mismatch', { details: "The tenant's cosigner key changed since this session was authorised; authorise a new session." });
  }

  const { signer } = body.session.sessionSignature;
  const cache = body.session.cacheAuthorisation ?? false;
  if (BigInt(starknetSignerGuid(signer.publicKey)) !== BigInt(rec.sessionKeyGuid)) {
    throw new RelayError('session_key_mismatch', {
      details: "The signing key is not the session's key: sign with the session key the owner authorised.",
      data: refusalData(rec),
    });
  }
  const { chainId, execution } = body.message.message;
  // Everything pure comes before the SNIP-12 hash, which is the costly part (Poseidon over every calldata felt; JS on Workers).
  if (chainId !== BigInt(await deps.provider.getChainId())) {
    throw new RelayError('wrong_chain', { details: 'The outside execution was built for another chain.' });
  }
  const paymaster = deps.config.manifest.contracts.paymaster.address;
  if (BigInt(execution.caller) !== BigInt(paymaster)) {
    throw new RelayError('caller_not_paymaster', {
      details: `Session transactions are co-signed only with the Paymaster ${paymaster} as Caller: build them with paymaster_buildTransaction.`,
    });
  }
  const outside = execution.calls.findIndex((c) => !sessionAllowsCall(rec.methods, c));
  if (outside >= 0) {
    throw new RelayError('session_call_not_allowed', {
      details: `Call ${outside} (${execution.calls[outside]!.selector} on ${execution.calls[outside]!.to}) is not one of the session's methods.`,
      data: refusalData(rec),
    });
  }
  const felts = execution.calls.reduce((n, c) => n + c.calldata.length, 0);
  if (felts > MAX_SESSION_CALLDATA || execution.calls.length > MAX_SESSION_CALLS) {
    throw new RelayError('session_calldata_too_large', {
      details: `A session transaction carries at most ${MAX_SESSION_CALLS} calls and ${MAX_SESSION_CALLDATA} calldata felts in all; this one has ${execution.calls.length} and ${felts}.`,
      data: refusalData(rec),
    });
  }

  return metered(deps, { tenant, apiKeyId: rec.apiKeyId, client }, account, async () => {
    const messageHash = toHex(outsideExecutionHash(chainId, execution, account, deps.poseidonMany));
    if (!verifyStarkSignature(sessionTxDigest(messageHash, rec.hash, cache), signer.publicKey, signer.r, signer.s)) {
      throw new RelayError('invalid_signature', { details: 'The session signature does not verify for this outside execution.' });
    }
    const now = await deps.clock.read();
    await assertSessionFits(deps, tenant, requestOf(rec), now);
    checkWindowOpen(deps.config, now, execution);
    // A co-signature outlives a revocation until its window ends: kept to a default build's window.
    const most = deps.config.timeBounds.defaultValiditySeconds;
    if (execution.executeBefore - now > most) {
      throw new RelayError('time_bounds_too_long', {
        details: `A session transaction's window may end at most ${most}s ahead, so a revoked session's co-signatures expire soon; build it with the default window.`,
        data: { now, execute_before: execution.executeBefore },
      });
    }
    // The account checks the session's expiry when the transaction runs: one sent after it would revert on the
    // relayer's gas. A window ending by the expiry is judged open at the send (execute), so the session is too.
    if (execution.executeBefore > rec.expiresAt) {
      throw new RelayError('time_bounds_past_session', {
        details: `The session expires at ${rec.expiresAt}, before this transaction's window ends (${execution.executeBefore}); build it with time_bounds.execute_before at most the session's expiry, or authorise a new session.`,
        data: { ...refusalData(rec), expires_at: rec.expiresAt, execute_before: execution.executeBefore },
      });
    }
    const relayed = (await deps.store.get(Keys.execution(account, execution.nonce))) !== null;
    if (relayed || !(await outsideNonceFree(deps.provider, account, execution.nonce))) {
      throw new RelayError('nonce_already_used', {
        details: 'This outside execution nonce was already used; build a new transaction (paymaster_buildTransaction).',
        data: { nonce: execution.nonce },
      });
    }
    const sponsoring = { tenant, apiKeyId: rec.apiKeyId, sender: account, calls: execution.calls, feeMode: 'sponsored' as const, maxFee: 0n, phase: 'build' as const };
    assertAllowed(await deps.gate.decide(sponsoring));
    return cosigner.cosignTransaction(messageHash, rec.hash, cache);
  });
}

const refusalData = (r: SessionRecord) => ({ policy: r.policy, rule: 'sessions', session: r.hash });

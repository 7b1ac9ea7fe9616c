/**
 * One signed outside execution → one transaction. The first request claims
 * its key (store/keys.ts: account and SNIP-9 nonce, or the deployed address); concurrent or repeated requests wait for the claimant's
 * transaction hash and return the same tracking id. If the claimant fails
 * before submitting, it gives the claim back so a corrected retry can run;
 * a deployment that reverted, or never landed, gives it back at settlement.
 * A deployment's key is its address, whatever calls ride with it, so the claim
 * also names which signed request holds it (`tag`): another one for the same
 * address is refused, never answered with the holder's ids as if its calls ran.
 */
import type { RelayDeps } from '../deps.ts';
import { RelayError } from '../errors/base.ts';
import { TTL } from '../store/keys.ts';

const TTL_MS = TTL.idempotency;
const WAIT_MS = 60_000;

interface Claim {
  trackingId: string;
  tenant: string;
  /** Which request under a shared key (a deployment: "deploy", or the deploy_and_invoke's SNIP-9 nonce). */
  tag?: string;
  txHash?: string;
}

/** Who holds a claim: the tracking id, the tenant and, under a shared key, the request's tag. */
export interface Claimant {
  trackingId: string;
  tenant: string;
  tag?: string;
}

const claimOf = (c: Claimant, txHash?: string): string =>
  JSON.stringify({ trackingId: c.trackingId, tenant: c.tenant, ...(c.tag === undefined ? {} : { tag: c.tag }), ...(txHash === undefined ? {} : { txHash }) } satisfies Claim);

export type ClaimResult = { created: true } | { created: false; existing: { tracking_id: string; transaction_hash: string } };

export async function claimExecution(deps: RelayDeps, key: string, me: Claimant): Promise<ClaimResult> {
  const mine = claimOf(me);
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const { created, value } = await deps.store.setIfAbsent(key, mine, { ttlMs: TTL_MS });
    if (created) return { created: true };
    const other = JSON.parse(value) as Claim;
    // Not sent yet: its holder either sends it or gives the claim back (a request the policy refuses holds it for
    // moments), so whoever holds it, wait; refusing now would let refused requests for an address, which anyone
    // may send, turn away the requests of the account's owner.
    if (other.txHash) {
      // Another tenant's submission: refuse without revealing its ids.
      if (other.tenant !== me.tenant) {
        throw new RelayError('execution_already_submitted', {
          details: 'This signed execution (account and nonce) has already been relayed; build and sign a new one.',
          data: { execution_error: 'outside execution already submitted' },
        });
      }
      // Claims kept before tags were written have none: they answer as before.
      if (other.tag !== undefined && me.tag !== undefined && other.tag !== me.tag) {
        throw new RelayError('deployment_in_progress', {
          details: 'Another signed request deployed this account or is deploying it. Once it has landed, send your calls as an "invoke"; if it fails, build and sign again.',
        });
      }
      return { created: false, existing: { tracking_id: other.trackingId, transaction_hash: other.txHash } };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new RelayError('execution_in_progress', {
    details: 'The same signed execution, or the same deployment, is still being submitted by another request; query again shortly.',
  });
}

export async function recordExecution(deps: RelayDeps, key: string, me: Claimant, txHash: string): Promise<void> {
  await deps.store.set(key, claimOf(me, txHash), { ttlMs: TTL_MS });
}

export async function forgetExecution(deps: RelayDeps, key: string, me: Claimant): Promise<void> {
  await deps.store.deleteIfEquals(key, claimOf(me));
}

/**
 * A deployment's claim is its address, for a week: one that reverted (which undoes the deployment too) or was
 * dropped and never landed would answer every new signed request for that address with its old tracking id,
 * and the account could not be deployed through the relay meanwhile. Settlement gives it back, if still its own.
 */
export async function freeDeploymentClaim(deps: RelayDeps, key: string, trackingId: string): Promise<void> {
  const raw = await deps.store.get(key);
  if (raw !== null && (JSON.parse(raw) as Claim).trackingId === trackingId) await deps.store.deleteIfEquals(key, raw);
}

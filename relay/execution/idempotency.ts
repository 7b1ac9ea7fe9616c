/**
 * One signed outside execution → one transaction. The first request claims
 * its key (store/keys.ts: account and SNIP-9 nonce, or the deployed address); concurrent or repeated requests wait for the claimant's
 * transaction hash and return the same tracking id. If the claimant fails
 * before submitting, it gives the claim back so a corrected retry can run;
 * a deployment that reverted, or never landed, gives it back at settlement.
 */
import type { RelayDeps } from '../deps.ts';
import { RelayError } from '../errors/base.ts';
import { TTL } from '../store/keys.ts';

const TTL_MS = TTL.idempotency;
const WAIT_MS = 60_000;

interface Claim {
  trackingId: string;
  tenant: string;
  txHash?: string;
}

export type ClaimResult = { created: true } | { created: false; existing: { tracking_id: string; transaction_hash: string } };

export async function claimExecution(deps: RelayDeps, key: string, trackingId: string, tenant: string): Promise<ClaimResult> {
  const mine = JSON.stringify({ trackingId, tenant } satisfies Claim);
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const { created, value } = await deps.store.setIfAbsent(key, mine, { ttlMs: TTL_MS });
    if (created) return { created: true };
    const other = JSON.parse(value) as Claim;
    // Another tenant's submission: refuse without revealing its ids.
    if (other.tenant !== tenant) {
      throw new RelayError('execution_already_submitted', {
        details: 'This signed execution (account and nonce) has already been relayed; build and sign a new one.',
        data: { execution_error: 'outside execution already submitted' },
      });
    }
    if (other.txHash) return { created: false, existing: { tracking_id: other.trackingId, transaction_hash: other.txHash } };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new RelayError('execution_in_progress', {
    details: 'The same signed execution is still being submitted by another request; query again shortly.',
  });
}

export async function recordExecution(deps: RelayDeps, key: string, trackingId: string, tenant: string, txHash: string): Promise<void> {
  await deps.store.set(key, JSON.stringify({ trackingId, tenant, txHash } satisfies Claim), { ttlMs: TTL_MS });
}

export async function forgetExecution(deps: RelayDeps, key: string, trackingId: string, tenant: string): Promise<void> {
  await deps.store.deleteIfEquals(key, JSON.stringify({ trackingId, tenant } satisfies Claim));
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

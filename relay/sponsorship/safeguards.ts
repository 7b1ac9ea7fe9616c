/**
 * Operator safeguards no tenant policy can lift: tenant admins write
 * policies, the operator pays the gas.
 * - A per-tenant ceiling on sponsored fees per UTC day, reserved in the same
 *   atomic Store.reserve as the policy budgets, so it settles and releases
 *   with them.
 * - A sender whose relayed transactions keep reverting on chain (they passed
 *   simulation, then state changed under them) costs the relayers gas for
 *   nothing; after REVERT_LIMIT in a day the relay stops relaying for it.
 */
import { RelayError } from '../errors/base.ts';
import { dayOf, Keys, TTL } from '../store/keys.ts';
import type { ReserveLine, Store } from '../store/types.ts';

export const REVERT_LIMIT = 3;
const DAY_SECONDS = 86_400;

export function ceilingLine(tenantId: string, limit: bigint, amount: bigint, now: number): ReserveLine {
  return { key: Keys.ceiling(tenantId, dayOf(now)), amount, limit, ttlMs: TTL.ceiling };
}

export function ceilingRefused(now: number): RelayError {
  return new RelayError('tenant_budget_exhausted', {
    details: "The operator's daily sponsorship ceiling for this tenant is used up; it resets at 00:00 UTC.",
    data: { retry_after: Math.max(1, DAY_SECONDS - (Math.floor(now) % DAY_SECONDS)) },
  });
}

/** The refusal for a sender paused for repeated reverts, or undefined. */
export async function revertPause(store: Store, tenantId: string, sender: string): Promise<RelayError | undefined> {
  const n = Number((await store.get(Keys.reverts(tenantId, sender))) ?? 0);
  if (n < REVERT_LIMIT) return undefined;
  return new RelayError('too_many_reverts', {
    details: `${n} of this sender's relayed transactions reverted on chain in the last 24 h; relaying is paused for it.`,
    data: { retry_after: DAY_SECONDS },
  });
}

export async function recordRevert(store: Store, tenantId: string, sender: string): Promise<void> {
  await store.incr(Keys.reverts(tenantId, sender), 1, { ttlMs: TTL.reverts });
}

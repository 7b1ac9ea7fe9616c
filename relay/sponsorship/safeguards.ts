/**
 * Operator safeguards no tenant policy can lift: tenant admins write
 * policies, the operator pays the gas. Each is a line in the same atomic
 * Store.reserve as the policy's budgets, so it settles and releases with them.
 * Holds (counts of transactions in flight) renew their TTL on each new hold:
 * the TTL only clears a count a crashed relay never gave back, and must not
 * clear one that a transaction sent a moment ago still needs.
 * - A per-tenant ceiling on the fees relayers may pay per UTC day: the worst
 *   case of every sponsored transaction, and of every default-mode one too,
 *   since a default-mode transaction that reverts undoes the user's payment
 *   and leaves the relayer paying (it settles to 0 when the payment lands).
 * The account's own safeguards live in its unit, shared by every tenant
 * (quotaHold.ts takes them beside the tenant's lines; this file refuses early,
 * at build, what they would refuse):
 * - A default-mode payment needs the account to itself: concurrent executes
 *   all simulate against the same balance, so only one may be in flight or
 *   all but one would revert at the fee transfer, on our gas.
 * - No more transactions in flight than the Paymaster's on-chain quota has
 *   left for the account: every one past it would revert on our gas.
 * - A sender whose relayed transactions keep reverting on chain costs the
 *   relayers gas for nothing; after REVERT_LIMIT in a day, through any
 *   tenants, the relay stops relaying for it. A default-mode payment counts
 *   from submission (given back if it lands), so the pause holds before
 *   settlement.
 */
import { RelayError } from '../errors/base.ts';
import { dayOf, Keys, TTL } from '../store/keys.ts';
import type { ReserveLine, Store } from '../store/types.ts';
import type { LineKind, Reservation, SponsorshipRequest } from './request.ts';

export const REVERT_LIMIT = 3;
const DAY_SECONDS = 86_400;
/** What a refusal for something in flight (a payment, a quota unit) suggests waiting. */
export const HOLD_RETRY_SECONDS = 10;

export interface SafeguardLine {
  line: ReserveLine;
  kind: LineKind;
  refuse: () => RelayError;
  covered?: bigint;
}

/** What an execute reserves beyond its policy's lines, by fee mode. */
export function safeguardLines(req: SponsorshipRequest, ceiling: bigint, now: number): SafeguardLine[] {
  const sponsored = req.feeMode === 'sponsored';
  const out: SafeguardLine[] = [
    {
      line: { key: Keys.ceiling(req.tenant.id, dayOf(now)), amount: req.maxFee, limit: ceiling, ttlMs: TTL.ceiling },
      kind: sponsored ? 'fee' : 'feeIfReverted',
      refuse: () => ceilingRefused(now),
      ...(sponsored ? {} : { covered: req.paidFri ?? 0n }),
    },
  ];
  return out;
}

export function ceilingRefused(now: number): RelayError {
  return new RelayError('tenant_budget_exhausted', {
    details: "The operator's daily sponsorship ceiling for this tenant is used up; it resets at 00:00 UTC.",
    data: { retry_after: Math.max(1, DAY_SECONDS - (Math.floor(now) % DAY_SECONDS)) },
  });
}

/** `busy`: this payment found another of the account's transactions in flight, not a payment. */
export const paymentInFlight = (busy = false) =>
  new RelayError('payment_in_flight', {
    details: busy
      ? 'A transaction paying its own fee needs the account to itself, and another of its transactions is in flight; wait for it to land (paymaster_trackingIdToLatestHash), then build again.'
      : 'This account already has a transaction paying its own fee in flight; wait for it to land (paymaster_trackingIdToLatestHash), then build again.',
    data: { retry_after: HOLD_RETRY_SECONDS },
  });

export const pausedForReverts = (n: number) =>
  new RelayError('too_many_reverts', {
    details: `${n} of this sender's relayed transactions reverted on chain in the last 24 h; relaying is paused for it.`,
    data: { retry_after: DAY_SECONDS },
  });

/** What refuses this sender before any node work: a revert pause, or a default-mode payment of its already in flight. */
export async function sendersSafeguard(store: Store, req: SponsorshipRequest): Promise<RelayError | undefined> {
  const paying = req.feeMode === 'default';
  const [reverts, marked, busy] = await Promise.all([
    store.get(Keys.reverts(req.sender)),
    // A payment of the account's through any tenant: nothing else of the account's is sent until it lands.
    store.amount(Keys.paymentHold(req.sender)),
    // A payment waits for anything of the account's in flight (quotaHold.ts): refused before a simulation.
    paying ? store.amount(Keys.quotaHold(req.sender)) : Promise.resolve(0n),
  ]);
  const n = Number(reverts ?? 0);
  if (n >= REVERT_LIMIT) return pausedForReverts(n);
  if (marked > 0n) return paymentInFlight();
  return busy > 0n ? paymentInFlight(true) : undefined;
}

/**
 * A revert, at settlement, counted against the sender unless a payment's revert line on its count already
 * did at submission (a line on a tenant's count, reserved before the count moved to the account, counts nothing now).
 */
export async function recordRevert(store: Store, res: Reservation): Promise<void> {
  const sender = res.sender;
  if (sender === undefined || res.lines.some((l) => l.kind === 'revert' && l.key === Keys.reverts(sender))) return;
  await store.incr(Keys.reverts(sender), 1, { ttlMs: TTL.reverts });
}

/**
 * The account's transactions in flight, held against what the Paymaster's
 * on-chain quota has left for it. Concurrent executes all simulate against
 * the same on-chain count, and every one past the quota would revert on our
 * gas. Every tenant relays through the one Paymaster, so the hold is the
 * account's, not the tenant's: it lives in its own atomic unit (Redis slot,
 * Durable Object), taken before the tenant's lines and given back if they
 * are refused. It rides on the reservation as a `hold` line, so settlement
 * and release give it back like the others.
 *
 * Three counters share the unit:
 * - `held`: transactions in flight (given back at settlement);
 * - `taken`: holds ever taken (never given back);
 * - `cleared`: a bound on `taken` that a past quota read vouches for.
 *
 * Why `cleared` is safe: read `taken`, then `held` (T, H), then the quota
 * (L). Whatever is in flight when the quota is read was held either before
 * the counters were read (at most H of them) or after (each one raised
 * `taken`), so from then on the chain can still be asked for at most
 * H + (taken - T) units, and every one of them lands while
 * taken <= T + L - H. Holds taken within that bound need no read; the bound
 * only grows stale in the safe direction (transactions that landed, a new
 * period), except when the operator lowers an account's quota on chain
 * (allowance or tier): obeyed within twice TTL.quotaCleared (a bound up to
 * that old, used by a snapshot up to that old).
 *
 * All of it needs `taken` to count on from T, never to restart from 0 by
 * expiring in between. Reading it renews its TTL (a reserve of 0), so it
 * outlives every snapshot in use by far; a snapshot older than
 * TTL.quotaCleared when it is used (a stalled execute) is refused rather
 * than trusted, and a hold that finds `taken` restarted all the same is
 * given back. And it needs `held` to count every transaction that can still
 * land: its TTL is the longest signed window the relay accepts, renewed by
 * each hold (store/keys.ts holdTtlMs).
 *
 * A transaction alone in flight needs no read either: the execute's
 * simulation has just consumed its unit against the pre_confirmed state.
 * "Alone" means no hold when the counters were read, before the
 * simulation, and none taken since: a transaction held after the
 * simulation could land before this one, and one held before it is still
 * counted.
 *
 * A default-mode payment needs the account to itself, across tenants: it is
 * simulated against the account's balance, and anything else of the
 * account's in flight (another tenant's default-mode execute, a sponsored
 * transfer of the gas token) could land first and make it revert at the fee
 * transfer, on our gas. So its hold also requires `held` to be 0 and marks
 * the account's `paymentHold`, and every other hold requires that mark to
 * be clear; both are refused as payment_in_flight. It also counts as one of
 * the sender's reverts (`reverts`, safeguards.ts) until it lands: the pause
 * holds before settlement. Without a quota to hold (a gate used alone), a
 * payment still takes its mark and its revert.
 */
import { RelayError } from '../errors/base.ts';
import { Keys, TTL } from '../store/keys.ts';
import type { ReserveLine, Store } from '../store/types.ts';
import type { QuotaSnapshot, Reservation, ReservationLine, SponsorshipRequest } from './request.ts';
import { HOLD_RETRY_SECONDS, pausedForReverts, paymentInFlight, REVERT_LIMIT } from './safeguards.ts';

const UNBOUNDED = (1n << 128n) - 1n;

/** The account's counters, read by execute before it decides whether to read the quota (beside its simulation). */
export async function quotaSnapshot(store: Store, sender: string, now = Date.now()): Promise<QuotaSnapshot> {
  // `taken` first: a hold taken between the two reads is then counted twice (in `held` and after `taken`), never missed.
  const renewed = await store.reserve([{ key: Keys.quotaTaken(sender), amount: 0n, limit: UNBOUNDED, ttlMs: TTL.quotaTaken, renewTtl: true }]);
  if (!renewed.ok) throw new RangeError('a reserve of 0 under an unbounded limit cannot be refused');
  const taken = renewed.used[0]!;
  const [held, cleared] = await Promise.all([store.amount(Keys.quotaHold(sender)), store.get(Keys.quotaCleared(sender))]);
  // Anything but a plain count is ignored: without a bound the quota is read (fails closed).
  return { at: now, held, taken, ...(cleared !== null && /^\d{1,40}$/.test(cleared) ? { cleared: BigInt(cleared) } : {}) };
}

const withinCleared = (s: QuotaSnapshot): s is QuotaSnapshot & { cleared: bigint } => s.cleared !== undefined && s.taken < s.cleared;

/** Whether withQuotaHold will read the quota: not alone in flight, and past any bound a read cleared. */
export const needsQuotaRead = (s: QuotaSnapshot): boolean => s.held > 0n && !withinCleared(s);

/** Runs `consume` (the tenant's atomic reservation) holding one unit of the account's quota, and for a payment its mark and its revert. */
export async function withQuotaHold(
  store: Store,
  req: SponsorshipRequest,
  consume: () => Promise<Reservation>,
  now: () => number = Date.now,
  /** How a hold is given back: the gate's deferred corrections, so a store outage can't leave an account marked for a day. */
  adjust: (key: string, delta: bigint) => Promise<unknown> = (key, delta) => store.adjust(key, delta),
): Promise<Reservation> {
  const q = req.accountQuota;
  const paying = req.feeMode === 'default';
  if (q === undefined && !paying) return consume();
  const held = Keys.quotaHold(req.sender);
  const payment = Keys.paymentHold(req.sender);
  const reverts = Keys.reverts(req.sender);
  const ttlMs = req.holdTtlMs ?? TTL.hold;
  const giveBack = () => Promise.allSettled([...(q ? [adjust(held, -1n)] : []), ...(paying ? [adjust(payment, -1n), adjust(reverts, -1n)] : [])]);
  // A payment marks the account; anything else only checks the mark is clear (a reserve of 0 under 0).
  // First, so a refusal by it says a payment is in flight. Last, a payment's revert: refused once the sender is paused.
  const mark: ReserveLine = { key: payment, amount: paying ? 1n : 0n, limit: paying ? 1n : 0n, ttlMs, renewTtl: paying };
  const revert: ReserveLine[] = paying ? [{ key: reverts, amount: 1n, limit: BigInt(REVERT_LIMIT), ttlMs: TTL.reverts }] : [];
  const refused = (blocking: number, last: number): never => {
    if (blocking === last && paying) throw pausedForReverts(REVERT_LIMIT);
    throw paymentInFlight(blocking === 1);
  };
  const lines = (): ReservationLine[] => [
    ...(q ? [{ key: held, amount: '1', kind: 'hold' as const }] : []),
    ...(paying ? [{ key: payment, amount: '1', kind: 'hold' as const }, { key: reverts, amount: '1', kind: 'revert' as const }] : []),
  ];
  const withHolds = async (): Promise<Reservation> => {
    try {
      const res = await consume();
      return { ...res, lines: [...res.lines, ...lines()] };
    } catch (e) {
      // If the store failed too, the give-back is kept and applied once it answers (when it certainly missed
      // it); otherwise the hold expires with its TTL, refusing more meanwhile, never less.
      // `taken` stays raised: a bound is only ever tighter for it.
      await giveBack();
      throw e;
    }
  };
  if (q === undefined) {
    const r = await store.reserve([mark, ...revert]);
    if (!r.ok) refused(r.blocking, 1);
    return withHolds();
  }
  const s = q.snapshot;
  const fresh = () => {
    if (now() - s.at > TTL.quotaCleared) throw stalled();
  };
  fresh();
  const hold = async (heldLimit: bigint, takenLimit: bigint): Promise<boolean> => {
    const r = await store.reserve([
      mark,
      { key: held, amount: 1n, limit: paying ? 1n : heldLimit, ttlMs, renewTtl: true },
      { key: Keys.quotaTaken(req.sender), amount: 1n, limit: takenLimit, ttlMs: TTL.quotaTaken, renewTtl: true },
      ...revert,
    ]);
    if (!r.ok) {
      if (r.blocking === 0 || r.blocking === 3 || (paying && r.blocking === 1)) refused(r.blocking, 3);
      return false;
    }
    // Not above the snapshot's count: `taken` expired and restarted under it, so every bound from it is void.
    if (r.used[2]! <= s.taken) {
      await giveBack();
      throw stalled();
    }
    return true;
  };
  // Alone: nothing was in flight when the counters were read and nothing was held since, so the
  // simulation, made after that read, has seen everything that landed and consumed this unit itself.
  let ok = (s.held === 0n && (await hold(UNBOUNDED, s.taken + 1n))) || (withinCleared(s) && (await hold(UNBOUNDED, s.cleared)));
  if (!ok) {
    const left = await q.left();
    fresh();
    const bound = s.taken + left - s.held;
    // `held` was read after `taken` and can exceed it by what was held in between: then the bound
    // is below the snapshot's `taken`, which no hold can be under, and would be a negative limit.
    ok = bound > s.taken && (await hold(UNBOUNDED, bound));
    if (!ok) throw quotaInFlight(left);
    // Best effort, not awaited: without it, the next execute beside this one reads the quota again.
    void store.set(Keys.quotaCleared(req.sender), bound.toString(), { ttlMs: TTL.quotaCleared }).catch(() => undefined);
  }
  return withHolds();
}

const stalled = () =>
  new RelayError('chain_unavailable', {
    details: 'This execute took too long between its simulation and its reservation to be trusted; send it again.',
  });

const quotaInFlight = (left: bigint) =>
  new RelayError('account_quota_exhausted', {
    details: `The Paymaster contract accepts ${left} more transaction(s) from this account this period, and that many are already in flight; wait for them to land, or for the period to reset.`,
    data: { retry_after: HOLD_RETRY_SECONDS, quota_left: Number(left) },
  });

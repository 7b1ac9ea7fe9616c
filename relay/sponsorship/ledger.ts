/**
 * What an allowed execute spends, and how it is corrected afterwards.
 *
 * Tier quotas, period budgets, the operator's ceiling and usage accounting go
 * into one Store.reserve call, so concurrent requests can never overshoot a
 * limit and a crash cannot count a transaction in one place and not another.
 * Rate limits are consumed first through rate-limiter-flexible and handed
 * back if the reservation is refused. The returned Reservation lists every
 * counter and amount, which is all settle/release need, on any instance.
 */
import {
  budgetLines,
  FAIL_OPEN_PERIOD,
  normalizeFelt,
  periodWindow,
  rateLimitUses,
  tierWindow,
  type BudgetLine,
  type Decision,
  type Policy,
  type PolicyRequest,
} from '../../policies/index.ts';
import type { RelayError } from '../errors/base.ts';
import { dayOf, isCountKey, Keys, TTL, unitOf } from '../store/keys.ts';
import type { ReserveLine, Store } from '../store/types.ts';
import type { PolicyLimiters, ScopedRateLimit } from './facts/limits.ts';
import { DeferredCorrections } from './corrections.ts';
import { raceRefused } from './refusal.ts';
import type { LineKind, Reservation, ReservationLine } from './request.ts';

/** Limit for counters that only count (usage): reserve needs one, nothing should ever hit it. */
const UNBOUNDED = 2n ** 255n;
/** (day, sender) pairs kept for usage by sender: the newest win. */
export const MAX_SENDER_DAYS = 5_000;

export interface ConsumeInput {
  tenantId: string;
  request: PolicyRequest;
  policy: Policy;
  decision: Decision;
  /** Lines of the operator's own (the ceiling, deploy quotas), reserved with the policy's, with their refusal. */
  extra?: { line: ReserveLine; kind: LineKind; refuse: () => RelayError; covered?: bigint }[];
}

export interface UsageQuery {
  policy?: string;
  sender?: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
}

export type UsageScope = { kind: 'tenant' } | { kind: 'policy'; id: string } | { kind: 'sender'; address: string };

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Counter pair for one usage scope and day: transactions relayed and sponsored fee (fri). */
export function usageKeys(tenantId: string, day: string, scope: UsageScope): { txs: string; fee: string } {
  if (!DAY_RE.test(day)) throw new RangeError(`day must be YYYY-MM-DD, got ${day}`);
  const who =
    scope.kind === 'tenant' ? 'all' : scope.kind === 'policy' ? `policy:${scope.id}` : `sender:${normalizeFelt(scope.address) ?? scope.address}`;
  return Keys.usage(tenantId, day, who);
}

export class PolicyLedger {
  private readonly corrections: DeferredCorrections;

  constructor(
    private readonly store: Store,
    private readonly limiters: PolicyLimiters,
  ) {
    this.corrections = new DeferredCorrections(store);
  }

  /** The policy's rate limits with tenant-namespaced keys (facts and consumption use the same). */
  rateLimits(tenantId: string, request: PolicyRequest, policy: Policy): ScopedRateLimit[] {
    return rateLimitUses(request, policy).map((u) => ({ ...u, key: Keys.sponsor(tenantId, u.key) }));
  }

  async consume({ tenantId, request, policy, decision, extra = [] }: ConsumeInput): Promise<Reservation> {
    await this.corrections.flush();
    const at = decision.at;
    const taken = await this.limiters.consume(this.rateLimits(tenantId, request, policy), at);
    if (!taken.ok) {
      const rl = policy.rules.rateLimits![taken.index]!;
      const detail = `${rl.points} requests per ${rl.durationSeconds}s per ${rl.key} used up`;
      throw raceRefused(policy.id, `rateLimits[${taken.index}]`, 'rate_limited', detail, taken.msBeforeNext / 1000);
    }

    const lines: ReserveLine[] = [];
    const kinds: LineKind[] = [];
    const covers: (bigint | undefined)[] = [];
    const refusals: ((used: bigint, limit: bigint) => RelayError)[] = [];
    for (const b of budgetLines(request, policy, decision)) {
      if (!b.accumulate) continue;
      const line = { key: Keys.sponsor(tenantId, b.keySuffix), amount: b.amount, limit: b.limit, ttlMs: b.periodSeconds * 1000 };
      lines.push(line);
      kinds.push(isCountKey(line.key) ? 'count' : 'fee');
      refusals.push((used, limit) => this.lostRace(b, request, policy, at, `used ${used} + ${line.amount} exceeds ${limit}`));
    }
    for (const x of extra) {
      lines.push(x.line);
      kinds.push(x.kind);
      refusals.push(x.refuse);
      covers[lines.length - 1] = x.covered;
    }
    for (const u of usageLines(tenantId, request, policy.id, at)) {
      lines.push(u);
      kinds.push(isCountKey(u.key) ? 'count' : 'fee');
    }

    let reserved;
    try {
      reserved = await this.store.reserve(lines);
    } catch (e) {
      await taken.undo().catch(() => undefined);
      throw e;
    }
    if (!reserved.ok) {
      // The refusal is the news; a failed give-back only costs points until the window ends.
      await taken.undo().catch(() => undefined);
      throw refusals[reserved.blocking]!(reserved.used, reserved.limit);
    }
    await this.noteFirstOfDay(tenantId, request.sender, at, lines, reserved.used);
    const held = lines.map((l, i) => ({ key: l.key, amount: l.amount.toString(), kind: kinds[i]!, ...(covers[i] === undefined ? {} : { covered: covers[i]!.toString() }) }));
    return { policy: policy.id, tenant: tenantId, sender: request.sender, lines: held };
  }

  /** A correction made outside a reservation (a hold given back): kept and applied later if the store certainly missed it. */
  correct(key: string, delta: bigint): Promise<void> {
    return this.corrections.adjust(key, delta);
  }

  /** Each line becomes what its kind says it costs once the outcome is known (see LineKind). */
  async settle(res: Reservation, actualFee: bigint, reverted: boolean): Promise<void> {
    if (actualFee < 0n) throw new RangeError(`actual fee must be >= 0, got ${actualFee}`);
    await Promise.all(
      res.lines.map(async (l) => {
        const final = finalAmount(l, actualFee, reverted);
        const delta = final - BigInt(l.amount);
        if (delta < 0n) await this.corrections.adjust(l.key, delta);
        // Via reserve, not adjust: adjust would recreate an expired period counter with no TTL at all.
        else if (delta > 0n) await this.store.reserve([{ key: l.key, amount: delta, limit: UNBOUNDED, ttlMs: TTL.orphanCounter }]);
      }),
    );
  }

  /** Takes again, unconditionally, what settle would have left of a released reservation. */
  async recharge(res: Reservation, actualFee: bigint, reverted: boolean): Promise<void> {
    const lines = res.lines.map((l) => ({ key: l.key, amount: finalAmount(l, actualFee, reverted), limit: UNBOUNDED, ttlMs: TTL.orphanCounter }));
    // One call per atomic unit: a reservation's lines span the tenant's and the account's (its holds, a payment's revert).
    const byUnit = new Map<string, typeof lines>();
    for (const l of lines) if (l.amount > 0n) byUnit.set(unitOf(l.key), [...(byUnit.get(unitOf(l.key)) ?? []), l]);
    await Promise.all([...byUnit.values()].map((owed) => this.store.reserve(owed)));
  }

  /** The transaction never landed: give back every line, counts included. */
  async release(res: Reservation): Promise<void> {
    await Promise.all(res.lines.filter((l) => l.amount !== '0').map((l) => this.corrections.adjust(l.key, -BigInt(l.amount))));
  }

  /** Transactions and sponsored fee (fri) for one day: the tenant total, or one policy's, or one sender's. */
  async usage(tenantId: string, q: UsageQuery): Promise<{ txs: number; fee: bigint }> {
    if (q.policy !== undefined && q.sender !== undefined) {
      throw new RangeError('usage is kept per policy or per sender, not per pair; pass one of them');
    }
    const scope: UsageScope =
      q.policy !== undefined ? { kind: 'policy', id: q.policy } : q.sender !== undefined ? { kind: 'sender', address: q.sender } : { kind: 'tenant' };
    const keys = usageKeys(tenantId, q.day, scope);
    const [txs, fee] = await Promise.all([this.store.amount(keys.txs), this.store.amount(keys.fee)]);
    return { txs: Number(txs), fee };
  }

  /**
   * The first transaction of a sender's day lists the (day, sender) pair for
   * usage by sender (usageBySender.ts), and a tenant's first of the day lists
   * the tenant as spending that day (spendingTenants); best effort, the
   * reservation stands. Once a day each, so no write on every request.
   */
  private async noteFirstOfDay(tenantId: string, sender: string, at: number, lines: ReserveLine[], used: bigint[]): Promise<void> {
    const day = dayOf(at);
    const first = (scope: UsageScope) => used[lines.findIndex((l) => l.key === usageKeys(tenantId, day, scope).txs)] === 1n;
    const notes: Promise<void>[] = [];
    if (first({ kind: 'tenant' })) notes.push(this.store.addToSet(Keys.spendingTenants(day), tenantId));
    if (first({ kind: 'sender', address: sender })) notes.push(this.store.append(Keys.usageSenders(tenantId), `${day} ${normalizeFelt(sender) ?? sender}`, MAX_SENDER_DAYS));
    await Promise.all(notes.map((n) => n.catch(() => undefined)));
  }

  /** The tenants that reserved anything on the UTC day of `at` (unix seconds) or the day before. */
  async spendingTenants(at: number): Promise<string[]> {
    const days = [dayOf(at - 86_400), dayOf(at)];
    return [...new Set((await Promise.all(days.map((d) => this.store.members(Keys.spendingTenants(d))))).flat())];
  }

  /** Why a budget line refused: another request took the last unit between the check and the reservation. */
  private lostRace(b: BudgetLine, request: PolicyRequest, policy: Policy, at: number, detail: string): RelayError {
    if (b.scope === 'failOpen') {
      return raceRefused(policy.id, 'webhook', 'webhook_fail_open_exhausted', `failOpen's passes this hour: ${detail}`, periodWindow(FAIL_OPEN_PERIOD, at).end - at);
    }
    if (b.scope === 'tier') {
      const tw = tierWindow(policy, request.sender, at)!;
      const what = isCountKey(b.keySuffix) ? `txs in tier '${tw.tier}'` : `fee in tier '${tw.tier}'`;
      return raceRefused(policy.id, 'tiers', 'tier_quota_exhausted', `${what}: ${detail}`, tw.end - at);
    }
    const budget = b.scope === 'user' ? policy.rules.budgets!.perUser! : policy.rules.budgets!.global!;
    const rule = b.scope === 'user' ? 'budgets.perUser' : 'budgets.global';
    return raceRefused(policy.id, rule, 'budget_exhausted', `${b.scope} budget: ${detail}`, periodWindow(budget.period, at).end - at);
  }
}

function finalAmount(l: ReservationLine, actualFee: bigint, reverted: boolean): bigint {
  switch (l.kind ?? (isCountKey(l.key) ? 'count' : 'fee')) {
    case 'fee':
      return actualFee;
    case 'count':
      return BigInt(l.amount);
    case 'feeIfReverted': {
      const beyond = l.covered === undefined ? 0n : actualFee - BigInt(l.covered);
      return reverted ? actualFee : beyond > 0n ? beyond : 0n;
    }
    case 'revert':
      return reverted ? BigInt(l.amount) : 0n;
    case 'hold':
      return 0n;
  }
}

/** Day-level accounting for the admin API: tenant total, per policy, per sender. */
function usageLines(tenantId: string, request: PolicyRequest, policyId: string, at: number): ReserveLine[] {
  const day = dayOf(at);
  const scopes: UsageScope[] = [{ kind: 'tenant' }, { kind: 'policy', id: policyId }, { kind: 'sender', address: request.sender }];
  const sponsoredFee = request.feeMode === 'sponsored' ? request.maxFee : 0n;
  return scopes.flatMap((scope) => {
    const keys = usageKeys(tenantId, day, scope);
    const out: ReserveLine[] = [{ key: keys.txs, amount: 1n, limit: UNBOUNDED, ttlMs: TTL.usage }];
    if (sponsoredFee > 0n) out.push({ key: keys.fee, amount: sponsoredFee, limit: UNBOUNDED, ttlMs: TTL.usage });
    return out;
  });
}

/**
 * What an allowed execute spends, and how it is corrected afterwards.
 *
 * Tier quotas, period budgets and usage accounting go into one
 * Store.reserve call, so concurrent requests can never overshoot a limit and
 * a crash cannot count a transaction in one place and not another. Rate
 * limits are consumed first through rate-limiter-flexible and handed back if
 * the reservation is refused. The returned Reservation lists every counter
 * and amount, which is all settle/release need, on any relay instance.
 */
import {
  budgetLines,
  periodWindow,
  rateLimitUses,
  tierWindow,
  type BudgetLine,
  type Decision,
  type DenyReason,
  type Policy,
  type PolicyRequest,
  type RuleName,
} from '../../policies/index.ts';
import type { ReserveLine, Store } from '../store/types.ts';
import type { Reservation } from './gate.ts';
import { dayOf, isCountKey, tenantKey, USAGE_RETENTION_MS, usageKeys, type UsageScope } from './keys.ts';
import type { PolicyLimiters, ScopedRateLimit } from './limits.ts';
import { raceRefused } from './refusal.ts';

/** Limit for counters that only count (usage): reserve needs one, nothing should ever hit it. */
const UNBOUNDED = 2n ** 255n;
/** A settlement landing after its period's counter expired recreates it only briefly. */
const ORPHAN_TTL_MS = 86_400_000;

export interface ConsumeInput {
  tenantId: string;
  request: PolicyRequest;
  policy: Policy;
  decision: Decision;
}

export interface UsageQuery {
  policy?: string;
  sender?: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
}

/** Why a reservation line can refuse, for the error when another request took the last unit. */
interface LineMeta {
  rule: RuleName;
  reason: DenyReason;
  end: number;
  what: string;
}

export class PolicyLedger {
  constructor(
    private readonly store: Store,
    private readonly limiters: PolicyLimiters,
  ) {}

  /** The policy's rate limits with tenant-namespaced keys (facts and consumption use the same). */
  rateLimits(tenantId: string, request: PolicyRequest, policy: Policy): ScopedRateLimit[] {
    return rateLimitUses(request, policy).map((u) => ({ ...u, key: tenantKey(tenantId, u.key) }));
  }

  async consume({ tenantId, request, policy, decision }: ConsumeInput): Promise<Reservation> {
    const at = decision.at;
    const limits = this.rateLimits(tenantId, request, policy);
    const taken = await this.limiters.consume(limits, at);
    if (!taken.ok) {
      const rl = policy.rules.rateLimits![taken.index]!;
      const detail = `${rl.points} requests per ${rl.durationSeconds}s per ${rl.key} used up`;
      throw raceRefused(policy.id, `rateLimits[${taken.index}]`, 'rate_limited', detail, taken.msBeforeNext / 1000);
    }

    const lines: ReserveLine[] = [];
    const meta: (LineMeta | undefined)[] = [];
    for (const b of budgetLines(request, policy, decision)) {
      if (!b.accumulate) continue;
      lines.push({ key: tenantKey(tenantId, b.keySuffix), amount: b.amount, limit: b.limit, ttlMs: b.periodSeconds * 1000 });
      meta.push(this.metaOf(b, request, policy, at));
    }
    for (const line of usageLines(tenantId, request, policy.id, at)) {
      lines.push(line);
      meta.push(undefined);
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
      const m = meta[reserved.blocking]!;
      const line = lines[reserved.blocking]!;
      const detail = `${m.what}: used ${reserved.used} + ${line.amount} exceeds ${reserved.limit}`;
      throw raceRefused(policy.id, m.rule, m.reason, detail, m.end - at);
    }
    return { policy: policy.id, lines: lines.map((l) => ({ key: l.key, amount: l.amount.toString() })) };
  }

  /** Fee lines become the actual fee; transaction counts stay consumed. */
  async settle(res: Reservation, actualFee: bigint): Promise<void> {
    if (actualFee < 0n) throw new RangeError(`actual fee must be >= 0, got ${actualFee}`);
    await Promise.all(
      res.lines
        .filter((l) => !isCountKey(l.key))
        .map(async (l) => {
          const delta = actualFee - BigInt(l.amount);
          if (delta < 0n) await this.store.adjust(l.key, delta);
          // Via reserve, not adjust: adjust would recreate an expired period counter with no TTL at all.
          else if (delta > 0n) await this.store.reserve([{ key: l.key, amount: delta, limit: UNBOUNDED, ttlMs: ORPHAN_TTL_MS }]);
        }),
    );
  }

  /** The transaction never landed: give back every line, counts included. */
  async release(res: Reservation): Promise<void> {
    await Promise.all(
      res.lines.filter((l) => l.amount !== '0').map((l) => this.store.adjust(l.key, -BigInt(l.amount))),
    );
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

  private metaOf(b: BudgetLine, request: PolicyRequest, policy: Policy, at: number): LineMeta {
    if (b.scope === 'tier') {
      const tw = tierWindow(policy, request.sender, at)!;
      const what = isCountKey(b.keySuffix) ? `txs in tier '${tw.tier}'` : `fee in tier '${tw.tier}'`;
      return { rule: 'tiers', reason: 'tier_quota_exhausted', end: tw.end, what };
    }
    const budget = b.scope === 'user' ? policy.rules.budgets!.perUser! : policy.rules.budgets!.global!;
    const rule: RuleName = b.scope === 'user' ? 'budgets.perUser' : 'budgets.global';
    return { rule, reason: 'budget_exhausted', end: periodWindow(budget.period, at).end, what: `${b.scope} budget` };
  }
}

/** Day-level accounting for the admin API: tenant total, per policy, per sender. */
function usageLines(tenantId: string, request: PolicyRequest, policyId: string, at: number): ReserveLine[] {
  const day = dayOf(at);
  const scopes: UsageScope[] = [{ kind: 'tenant' }, { kind: 'policy', id: policyId }, { kind: 'sender', address: request.sender }];
  const sponsoredFee = request.feeMode === 'sponsored' ? request.maxFee : 0n;
  return scopes.flatMap((scope) => {
    const keys = usageKeys(tenantId, day, scope);
    const out: ReserveLine[] = [{ key: keys.txs, amount: 1n, limit: UNBOUNDED, ttlMs: USAGE_RETENTION_MS }];
    if (sponsoredFee > 0n) out.push({ key: keys.fee, amount: sponsoredFee, limit: UNBOUNDED, ttlMs: USAGE_RETENTION_MS });
    return out;
  });
}

/**
 * Counted rules: subscription tiers, sponsor budgets and rate limits. The
 * counters live in the runtime's store; these checks compare what the facts
 * report against the limits, as "would this request still fit?".
 */
import { normalizeFelt } from '../primitives.ts';
import { periodLabel, periodWindow } from '../period.ts';
import type { Policy, Tier } from '../schema.ts';
import type { Verdict } from '../types.ts';
import { deny, pass, sponsorPays, type EvalContext } from './context.ts';

/** Points one request costs against each rate limit. */
export const RATE_LIMIT_COST = 1;

const assignmentMaps = new WeakMap<Policy, Map<string, string>>();

/** The sender's tier: its assignment if any, otherwise the default. */
export function tierOf(policy: Policy, sender: string | undefined): { name: string; tier: Tier } | undefined {
  const rule = policy.rules.tiers;
  if (rule === undefined) return undefined;
  let map = assignmentMaps.get(policy);
  if (map === undefined) {
    map = new Map(Object.entries(rule.assignments).map(([a, t]) => [normalizeFelt(a) ?? a, t]));
    assignmentMaps.set(policy, map);
  }
  const name = (sender !== undefined ? map.get(sender) : undefined) ?? rule.default;
  const tier = rule.tiers[name];
  // The schema guarantees the name exists; a hand-built policy that breaks this gets no tier, and denies.
  return tier === undefined ? undefined : { name, tier };
}

export function checkPerOperation(ctx: EvalContext): Verdict[] {
  const cap = ctx.policy.rules.budgets?.perOperation;
  if (cap === undefined) return [];
  if (!sponsorPays(ctx)) return [pass('budgets.perOperation', 'fee paid by the user')];
  const limit = BigInt(cap.maxFee);
  return ctx.request.maxFee > limit
    ? [deny('budgets.perOperation', 'max_fee_exceeded', `estimated fee ${ctx.request.maxFee} exceeds the per-operation cap ${limit}`)]
    : [pass('budgets.perOperation')];
}

export function checkTiers(ctx: EvalContext): Verdict[] {
  if (ctx.policy.rules.tiers === undefined) return [];
  const found = tierOf(ctx.policy, ctx.sender);
  if (found === undefined) return [deny('tiers', 'tier_quota_exhausted', 'the sender has no usable tier')];
  const { name, tier } = found;
  const usage = ctx.facts.usage;
  if (usage === undefined) return [deny('tiers', 'tier_usage_unknown', `usage in tier '${name}' could not be read`)];

  const window = periodWindow(tier.period, ctx.facts.now);
  const retry = window.end - ctx.facts.now;
  const per = periodLabel(tier.period);
  if (tier.maxTxs !== undefined && usage.txs + 1 > tier.maxTxs) {
    return [deny('tiers', 'tier_quota_exhausted', `used ${usage.txs} of ${tier.maxTxs} txs in tier '${name}' this ${per}`, retry)];
  }
  if (tier.maxFee !== undefined && sponsorPays(ctx)) {
    const limit = BigInt(tier.maxFee);
    if (usage.fee + ctx.request.maxFee > limit) {
      const detail = `fee used ${usage.fee} + estimated ${ctx.request.maxFee} exceeds ${limit} in tier '${name}' this ${per}`;
      return [deny('tiers', 'tier_quota_exhausted', detail, retry)];
    }
  }
  return [pass('tiers', `tier '${name}'`)];
}

export function checkPeriodBudgets(ctx: EvalContext): Verdict[] {
  const budgets = ctx.policy.rules.budgets;
  const out: Verdict[] = [];
  const lines = [
    ['budgets.perUser', budgets?.perUser, ctx.facts.budgets?.user],
    ['budgets.global', budgets?.global, ctx.facts.budgets?.global],
  ] as const;
  for (const [rule, budget, used] of lines) {
    if (budget === undefined) continue;
    if (!sponsorPays(ctx)) {
      out.push(pass(rule, 'fee paid by the user'));
    } else if (used === undefined) {
      out.push(deny(rule, 'budget_usage_unknown', 'budget usage could not be read'));
    } else {
      const limit = BigInt(budget.maxFee);
      const window = periodWindow(budget.period, ctx.facts.now);
      out.push(
        used + ctx.request.maxFee > limit
          ? deny(rule, 'budget_exhausted', `spent ${used} + estimated ${ctx.request.maxFee} exceeds ${limit} this ${periodLabel(budget.period)}`, window.end - ctx.facts.now)
          : pass(rule, `${limit - used} left`),
      );
    }
  }
  return out;
}

export function checkRateLimits(ctx: EvalContext): Verdict[] {
  return (ctx.policy.rules.rateLimits ?? []).map((rl, i) => {
    const rule = `rateLimits[${i}]` as const;
    const state = ctx.facts.rateLimits?.[i];
    if (state === undefined) return deny(rule, 'rate_limit_unknown', `rate limit state (${rl.key}) could not be read`);
    if (state.remainingPoints < RATE_LIMIT_COST) {
      const detail = `${rl.points} requests per ${rl.durationSeconds}s per ${rl.key} used up`;
      return deny(rule, 'rate_limited', detail, state.msBeforeNext / 1000);
    }
    return pass(rule, `${state.remainingPoints} of ${rl.points} left`);
  });
}

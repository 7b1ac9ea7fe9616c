/**
 * What the runtime needs around `evaluate`: which facts to read before, and
 * what to consume after an allow. Key suffixes are derived here, in one
 * place, so the keys read as facts and the keys reserved are always the same;
 * the runtime prefixes them with its own store namespace.
 */
import { normalizeFelt } from './primitives.ts';
import { periodWindow, type PeriodWindow } from './period.ts';
import type { Policy, RateLimitRule, Tier } from './schema.ts';
import { FAIL_OPEN_PERIOD, failOpenLimit, reputationApplies, webhookConsulted } from './rules/external.ts';
import { RATE_LIMIT_COST, tierOf } from './rules/quota.ts';
import type { Decision, PolicyRequest } from './types.ts';

export interface TierWindow extends PeriodWindow {
  tier: string;
  limits: Tier;
  /** Counter of sponsored txs this period (facts.usage.txs). */
  txsKey: string;
  /** Counter of sponsored fee this period (facts.usage.fee). */
  feeKey: string;
}

/**
 * Usage counters are keyed by sender and period start, not by tier name, so
 * a mid-period upgrade keeps what was already used.
 */
export function tierWindow(policy: Policy, sender: string, now: number): TierWindow | undefined {
  const found = tierOf(policy, normalizeFelt(sender));
  if (found === undefined) return undefined;
  const w = periodWindow(found.tier.period, now);
  const base = `policy:${policy.id}:tier:${subject(sender)}:${w.start}`;
  return { ...w, tier: found.name, limits: found.tier, txsKey: `${base}:txs`, feeKey: `${base}:fee` };
}

export interface RateLimitUse extends Omit<RateLimitRule, 'key'> {
  /** What the limit counts per: the rule's `key`. */
  by: RateLimitRule['key'];
  /** Index in `rules.rateLimits`, and so in `facts.rateLimits`. */
  index: number;
  /** Limiter key: read it for facts, consume `cost` on it after an allow at execute. */
  key: string;
  cost: number;
}

export function rateLimitUses(request: PolicyRequest, policy: Policy): RateLimitUse[] {
  return (policy.rules.rateLimits ?? []).map((rl, index) => {
    const who = rl.key === 'sender' ? subject(request.sender) : rl.key === 'apiKey' ? request.apiKeyId : policy.id;
    // The index is in the key so two limits on the same subject never share a counter.
    const { key: by, ...limits } = rl;
    return { ...limits, by, index, key: `policy:${policy.id}:rl:${index}:${by}:${who}`, cost: RATE_LIMIT_COST };
  });
}

export interface BudgetLine {
  scope: 'global' | 'user' | 'tier' | 'operation' | 'failOpen';
  keySuffix: string;
  amount: bigint;
  limit: bigint;
  /** Counter lifetime (use as the store TTL); 0 for the operation cap, which has no counter. */
  periodSeconds: number;
  /**
   * False for the per-operation cap: it bounds one request and was already
   * checked by evaluate. Pass only `accumulate: true` lines to Store.reserve.
   */
  accumulate: boolean;
}

/** Keys of the period budget counters, read as facts.budgets. */
export function budgetKeys(request: PolicyRequest, policy: Policy, now: number): { global?: string; user?: string } {
  const b = policy.rules.budgets;
  const out: { global?: string; user?: string } = {};
  if (b?.global) out.global = `policy:${policy.id}:budget:global:${periodWindow(b.global.period, now).start}`;
  if (b?.perUser) {
    out.user = `policy:${policy.id}:budget:user:${subject(request.sender)}:${periodWindow(b.perUser.period, now).start}`;
  }
  return out;
}

/** The count of failOpen's passes this UTC hour (`:txs`: a count, never a fee); only for a policy that may fail open. */
export function failOpenKey(policy: Policy, now: number): string | undefined {
  if (!policy.rules.webhook?.failOpen) return undefined;
  return `policy:${policy.id}:webhook:fail-open:${periodWindow(FAIL_OPEN_PERIOD, now).start}:txs`;
}

/** Whether an allowed request spends quota: only at execute; a build is a quote. */
export function consumesQuota(request: PolicyRequest, decision: Decision): boolean {
  return decision.allow && request.phase === 'execute';
}

/**
 * Lines to reserve atomically (Store.reserve) when an allowed request is
 * executed: budgets, the tier's tx and fee counters, the per-operation
 * cap, and one of failOpen's passes this hour when only failOpen passed the
 * webhook. Empty for denials, builds, or a decision made by another policy.
 * Fee lines are absent in `default` fee mode because the user pays. After the
 * transaction the runtime adjusts the fee lines by (actual fee - reserved).
 */
export function budgetLines(request: PolicyRequest, policy: Policy, decision: Decision): BudgetLine[] {
  if (!consumesQuota(request, decision) || decision.policy !== policy.id) return [];
  const now = decision.at;
  const sponsored = request.feeMode === 'sponsored';
  const lines: BudgetLine[] = [];
  const b = policy.rules.budgets;
  const keys = budgetKeys(request, policy, now);
  if (sponsored && b?.perOperation) {
    lines.push({
      scope: 'operation',
      keySuffix: `policy:${policy.id}:budget:operation`,
      amount: request.maxFee,
      limit: BigInt(b.perOperation.maxFee),
      periodSeconds: 0,
      accumulate: false,
    });
  }
  const periodBudgets = [
    ['user', keys.user, b?.perUser],
    ['global', keys.global, b?.global],
  ] as const;
  for (const [scope, keySuffix, budget] of periodBudgets) {
    if (!sponsored || keySuffix === undefined || budget === undefined) continue;
    const w = periodWindow(budget.period, now);
    const limit = BigInt(budget.maxFee);
    lines.push({ scope, keySuffix, amount: request.maxFee, limit, periodSeconds: w.end - w.start, accumulate: true });
  }

  const failOpen = failOpenKey(policy, now);
  if (failOpen !== undefined && decision.verdicts.some((v) => v.rule === 'webhook' && v.failOpen)) {
    const limit = BigInt(failOpenLimit(policy.rules.webhook!));
    lines.push({ scope: 'failOpen', keySuffix: failOpen, amount: 1n, limit, periodSeconds: FAIL_OPEN_PERIOD, accumulate: true });
  }

  const tw = tierWindow(policy, request.sender, now);
  if (tw) {
    const periodSeconds = tw.end - tw.start;
    if (tw.limits.maxTxs !== undefined) {
      lines.push({ scope: 'tier', keySuffix: tw.txsKey, amount: 1n, limit: BigInt(tw.limits.maxTxs), periodSeconds, accumulate: true });
    }
    if (sponsored && tw.limits.maxFee !== undefined) {
      lines.push({ scope: 'tier', keySuffix: tw.feeKey, amount: request.maxFee, limit: BigInt(tw.limits.maxFee), periodSeconds, accumulate: true });
    }
  }
  return lines;
}

export interface RequiredFacts {
  /** Manifest names the policy refers to; each must resolve or its allow entries match nothing. */
  contracts: string[];
  usage?: TierWindow;
  rateLimits: RateLimitUse[];
  budgets: { global?: string; user?: string };
  reputation: boolean;
  webhook: boolean;
  /** The count failOpen's passes are checked against (failOpenKey), when the webhook is consulted and may fail open. */
  failOpen?: string;
}

/** Everything `evaluate` will look at for this request, so the runtime fetches no more and no less. */
export function requiredFacts(request: PolicyRequest, policy: Policy, now: number): RequiredFacts {
  const names = new Set<string>();
  for (const e of policy.rules.allow ?? []) {
    if (!e.contract.startsWith('0x') && e.contract !== 'self') names.add(e.contract);
    for (const c of e.calldata ?? []) if (c.equals && /^[a-z]/.test(c.equals)) names.add(c.equals);
  }
  const out: RequiredFacts = {
    contracts: [...names].sort(),
    rateLimits: rateLimitUses(request, policy),
    budgets: request.feeMode === 'sponsored' ? budgetKeys(request, policy, now) : {},
    reputation: reputationApplies({ policy, request }),
    webhook: webhookConsulted({ policy, request }),
  };
  const usage = tierWindow(policy, request.sender, now);
  if (usage) out.usage = usage;
  const failOpen = out.webhook ? failOpenKey(policy, now) : undefined;
  if (failOpen !== undefined) out.failOpen = failOpen;
  return out;
}

const subject = (address: string): string => normalizeFelt(address) ?? address;

/**
 * The policy decision: pure, synchronous, no I/O, no clock. The runtime
 * gathers facts, calls `evaluate`/`selectPolicy`, then acts on the result
 * (see runtime.ts for what to consume once a request is allowed).
 */
import { normalizeFelt } from './primitives.ts';
import type { Policy } from './schema.ts';
import { contractResolver } from './selectors.ts';
import { checkEnabled, checkFeeModes, checkMatch, checkSenders, checkTimeWindow } from './rules/access.ts';
import { checkAllow, checkDeployments } from './rules/calls.ts';
import { checkReputation, checkWebhook } from './rules/external.ts';
import { checkPerOperation, checkPeriodBudgets, checkRateLimits, checkTiers } from './rules/quota.ts';
import type { EvalContext } from './rules/context.ts';
import type { Decision, DenyReason, PolicyFacts, PolicyRequest, RuleName, Verdict } from './types.ts';

/**
 * Evaluation order, which is also the order verdicts are listed and the
 * order that decides which failure is reported. Scoping rules (is this
 * policy even for this request?) come first, then permanent refusals the
 * caller must fix, then quota and rate refusals that pass with time, and the
 * webhook last so the runtime can skip calling it when something else
 * already refuses (see needsWebhook).
 */
const CHECKS: ReadonlyArray<(ctx: EvalContext) => Verdict | Verdict[]> = [
  checkEnabled,
  checkMatch,
  checkFeeModes,
  checkTimeWindow,
  checkSenders,
  checkAllow,
  checkDeployments,
  checkReputation,
  checkPerOperation,
  checkTiers,
  checkPeriodBudgets,
  checkRateLimits,
  checkWebhook,
];

// Ranks mirror CHECKS; budgets.perUser and .global come from one check and rank together.
const STAGE_OF_RULE: Record<string, number> = {
  enabled: 0, match: 1, feeModes: 2, timeWindow: 3, senders: 4, allow: 5, deployments: 5, reputation: 6,
  'budgets.perOperation': 7, tiers: 8, 'budgets.perUser': 9, 'budgets.global': 9, rateLimits: 10, webhook: 11,
  // Sessions are judged apart (evaluateSession.ts); the rule ranks with allow, as both say what may be called.
  sessions: 5,
};

/** How far into the policy a request got before being refused; higher means more specific. */
export function ruleStage(rule: RuleName): number {
  return STAGE_OF_RULE[rule.replace(/\[\d+\]$/, '')] ?? -1;
}

/** Evaluates every rule of one policy and reports the first failure in stage order. */
export function evaluate(request: PolicyRequest, policy: Policy, facts: PolicyFacts): Decision {
  const ctx: EvalContext = {
    request,
    policy,
    facts,
    resolve: contractResolver(facts.contracts, request.sender),
    sender: normalizeFelt(request.sender),
  };
  return decisionOf(policy.id, CHECKS.flatMap((check) => check(ctx)), facts.now);
}

/** The decision a policy's verdicts make: allowed, or refused by the first failure. Shared with evaluateSession. */
export function decisionOf(policy: string, verdicts: Verdict[], at: number, granted = 'Sponsored'): Decision {
  const failed = verdicts.find((v) => !v.ok);
  if (failed === undefined) return { allow: true, policy, message: `${granted} under policy '${policy}'.`, verdicts, at };
  const decision: Decision = {
    allow: false,
    policy,
    rule: failed.rule,
    reason: failed.reason!,
    message: `Refused by policy '${policy}' (${failed.rule}): ${failed.detail}. ${REASON_FIXES[failed.reason!]}${
      failed.retryAfter === undefined ? '' : ` Retry after ${failed.retryAfter}s.`
    }`,
    verdicts,
    at,
  };
  if (failed.retryAfter !== undefined) decision.retryAfter = failed.retryAfter;
  return decision;
}

/**
 * Picks the policy for a request. Enabled policies are tried by descending
 * priority (ties by id, so the order never depends on load order); the first
 * allow wins. If none allows, the denial returned is the most specific one:
 * the policy whose first failing rule sits latest in the stage order, i.e.
 * the one that accepted most of the request (right key, contract, sender)
 * before refusing. Its reason ("quota exhausted") is what the caller needs,
 * not the "contract not allowed" of an unrelated policy. Equal stages keep
 * the higher-priority policy.
 *
 * `facts` are shared by all policies (same `now`, manifest, reputation);
 * `factsFor` adds the per-policy counters (usage, rate limits, budgets, webhook).
 */
export function selectPolicy(
  request: PolicyRequest,
  policies: readonly Policy[],
  facts: PolicyFacts,
  factsFor?: (policy: Policy) => Partial<Omit<PolicyFacts, 'now'>>,
): Decision {
  const ordered = policies
    .filter((p) => p.enabled)
    .sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let best: Decision | undefined;
  for (const policy of ordered) {
    const d = evaluate(request, policy, factsFor ? { ...facts, ...factsFor(policy), now: facts.now } : facts);
    if (d.allow) return d;
    if (best === undefined || ruleStage(d.rule!) > ruleStage(best.rule!)) best = d;
  }
  return (
    best ?? {
      allow: false,
      policy: null,
      reason: 'no_policy',
      message: `No enabled sponsorship policy. ${REASON_FIXES.no_policy}`,
      verdicts: [],
      at: facts.now,
    }
  );
}

/**
 * True when only the webhook stands between the request and an allow, so
 * calling the webhook can change the outcome. Lets the runtime evaluate
 * without a webhook verdict first and skip the call for doomed requests.
 */
export function needsWebhook(decision: Decision): boolean {
  return decision.verdicts.some((v) => v.rule === 'webhook') && decision.verdicts.every((v) => v.ok || v.rule === 'webhook');
}

/** What the caller should change, per reason. Appended to the decision message. */
export const REASON_FIXES: Record<DenyReason, string> = {
  no_policy: 'Ask the operator to enable a policy for this API key.',
  policy_disabled: 'Ask the operator to enable the policy.',
  policy_not_applicable: 'Use an API key this policy serves.',
  fee_mode_not_sponsored: 'Use a fee mode the policy accepts.',
  outside_time_window: 'Send the request while the policy is active.',
  sender_denied: 'This account cannot be sponsored; contact the operator.',
  sender_not_allowed: 'Ask the operator to add the account to the allow list.',
  no_calls: 'Include at least one call.',
  contract_not_allowed: 'Only call the contracts the policy allows.',
  selector_not_allowed: 'Only call the entrypoints the policy allows.',
  calldata_constraint: 'Change the call arguments to satisfy the policy limits.',
  deployment_not_allowed: 'Deploy an account class the policy names, or deploy the account yourself.',
  reputation_unknown: 'Retry shortly; the reputation source is unavailable.',
  reputation_too_low: 'Raise the worker reputation before requesting sponsorship.',
  max_fee_exceeded: 'Split the transaction or pay the fee yourself (default fee mode).',
  tier_usage_unknown: 'Retry shortly; usage could not be read.',
  tier_quota_exhausted: 'Wait for the next period or upgrade the tier.',
  budget_usage_unknown: 'Retry shortly; the budget could not be read.',
  budget_exhausted: 'Wait for the next budget period or pay the fee yourself.',
  rate_limit_unknown: 'Retry shortly; the rate limiter is unavailable.',
  rate_limited: 'Slow down and retry after the indicated delay.',
  webhook_no_verdict: 'Retry; the approval webhook was not consulted.',
  webhook_denied: "The operator's approval webhook refused this request.",
  webhook_timeout: 'Retry; the approval webhook did not answer in time.',
  webhook_fail_open_unknown: "Retry; the approval webhook cannot be reached and failOpen's count for this hour could not be read.",
  webhook_fail_open_exhausted: 'Retry after the hour turns; the approval webhook cannot be reached and failOpen has let through all it may this hour (webhook.failOpenPerHour).',
  webhook_error: 'Retry; the approval webhook failed.',
  sessions_not_offered: 'Ask the operator for a policy with a sessions rule for this API key.',
  session_expired: 'Create a new session; this one has expired.',
  session_too_long: 'Create a session with an earlier expiry.',
  session_method_not_allowed: 'Only include methods the policy lets sessions call.',
  session_metadata_mismatch: "Set the session metadata's projectID to the one the policy names.",
};

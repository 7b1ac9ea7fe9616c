/** The one shape of a sponsorship refusal, whether the evaluator or a lost race produced it. */
import { REASON_FIXES, type Decision, type DenyReason, type RuleName } from '../../policies/index.ts';
import { JsonRpcCode, RelayError } from '../errors.ts';

export interface Refusal {
  policy: string | null;
  rule?: RuleName;
  reason: DenyReason;
  message: string;
  retryAfter?: number;
}

const QUOTA: ReadonlySet<DenyReason> = new Set(['rate_limited', 'tier_quota_exhausted', 'budget_exhausted']);
const OUTAGE: ReadonlySet<DenyReason> = new Set(['webhook_timeout', 'webhook_error', 'webhook_no_verdict']);

// Not JSON-RPC (always 200 there): what the admin API and dry-run answer with.
function httpStatusOf(r: Refusal): number {
  if (QUOTA.has(r.reason)) return 429;
  if (OUTAGE.has(r.reason) || r.reason.endsWith('_unknown')) return 503;
  return 403;
}

export function policyRefused(r: Refusal): RelayError {
  return new RelayError(JsonRpcCode.POLICY_REFUSED, 'Sponsorship refused', {
    reason: r.reason,
    details: r.message,
    data: {
      policy: r.policy,
      ...(r.rule !== undefined ? { rule: r.rule } : {}),
      ...(r.retryAfter !== undefined ? { retry_after: r.retryAfter } : {}),
    },
    httpStatus: httpStatusOf(r),
  });
}

export function decisionRefused(d: Decision): RelayError {
  return policyRefused({
    policy: d.policy,
    ...(d.rule !== undefined ? { rule: d.rule } : {}),
    reason: d.reason ?? 'no_policy',
    message: d.message,
    ...(d.retryAfter !== undefined ? { retryAfter: d.retryAfter } : {}),
  });
}

/**
 * A refusal found while consuming (another request took the last unit
 * between the check and the reservation), worded like the evaluator's.
 */
export function raceRefused(policy: string, rule: RuleName, reason: DenyReason, detail: string, retryAfterSeconds: number): RelayError {
  const retryAfter = Math.max(1, Math.ceil(retryAfterSeconds));
  return policyRefused({
    policy,
    rule,
    reason,
    message: `Refused by policy '${policy}' (${rule}): ${detail}. ${REASON_FIXES[reason]} Retry after ${retryAfter}s.`,
    retryAfter,
  });
}

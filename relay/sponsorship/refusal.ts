/** The one shape of a sponsorship refusal, whether the evaluator, a lost race or a safeguard produced it. */
import { REASON_FIXES, type Decision, type DenyReason, type RuleName } from '../../policies/index.ts';
import { RelayError } from '../errors/base.ts';
import type { GateDecision } from './request.ts';

interface Refusal {
  policy: string | null;
  rule?: RuleName;
  reason: DenyReason;
  message: string;
  retryAfter?: number;
}

function policyRefused(r: Refusal): RelayError {
  return new RelayError(r.reason, {
    details: r.message,
    data: {
      policy: r.policy,
      ...(r.rule !== undefined ? { rule: r.rule } : {}),
      ...(r.retryAfter !== undefined ? { retry_after: r.retryAfter } : {}),
    },
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

/** Throws what refuses this decision: an operator safeguard first, then the policies. */
export function assertAllowed(gd: GateDecision): void {
  if (gd.safeguard) throw gd.safeguard;
  if (!gd.decision.allow) throw decisionRefused(gd.decision);
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

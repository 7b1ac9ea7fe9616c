/** Shared plumbing for the rule checks: the evaluation context and verdict builders. */
import type { Policy } from '../schema.ts';
import type { ContractResolver } from '../selectors.ts';
import type { DenyReason, PolicyFacts, PolicyRequest, RuleName, Verdict } from '../types.ts';

export interface EvalContext {
  request: PolicyRequest;
  policy: Policy;
  facts: PolicyFacts;
  resolve: ContractResolver;
  /** Canonical sender address, or undefined if the request carries a malformed one. */
  sender: string | undefined;
}

export function pass(rule: RuleName, detail?: string): Verdict {
  return detail === undefined ? { rule, ok: true } : { rule, ok: true, detail };
}

export function deny(rule: RuleName, reason: DenyReason, detail: string, retryAfter?: number): Verdict {
  const v: Verdict = { rule, ok: false, reason, detail };
  // Never tell a client to retry "now" or in the past: that invites a hot loop.
  if (retryAfter !== undefined) v.retryAfter = Math.max(1, Math.ceil(retryAfter));
  return v;
}

/** Fees are counted against sponsor money only when the sponsor pays. */
export const sponsorPays = (ctx: EvalContext): boolean => ctx.request.feeMode === 'sponsored';

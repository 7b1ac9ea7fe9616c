/**
 * Rules decided by services outside the relay: on-chain worker reputation and
 * the customer's webhook. The runtime fetches both; here only their results
 * are judged, and a missing result denies unless the policy opted out.
 */
import { periodWindow } from '../period.ts';
import { parseFelt } from '../primitives.ts';
import { selectorOf } from '../selectors.ts';
import type { Verdict } from '../types.ts';
import { deny, pass, type EvalContext } from './context.ts';

/** Whether the reputation gate covers this request (any call hits a gated selector). */
export function reputationApplies(ctx: Pick<EvalContext, 'policy' | 'request'>): boolean {
  const rule = ctx.policy.rules.reputation;
  if (rule === undefined) return false;
  if (rule.selectors === undefined) return true;
  const gated = new Set(rule.selectors.map(selectorOf));
  return ctx.request.calls.some((c) => gated.has(parseFelt(c.selector)));
}

export function checkReputation(ctx: EvalContext): Verdict[] {
  const rule = ctx.policy.rules.reputation;
  if (rule === undefined) return [];
  if (!reputationApplies(ctx)) return [pass('reputation', 'no gated entrypoint in the request')];
  const rep = ctx.facts.reputation;
  if (rep === undefined || !Number.isFinite(rep)) {
    return [deny('reputation', 'reputation_unknown', 'the sender reputation could not be read')];
  }
  if (rep < rule.minReputation) {
    return [deny('reputation', 'reputation_too_low', `sender reputation ${rep} is below the required ${rule.minReputation}`)];
  }
  return [pass('reputation', `reputation ${rep} >= ${rule.minReputation}`)];
}

/** The webhook is only asked at execute: a quote spends nothing, and asking twice per transaction doubles its load. */
export const webhookConsulted = (ctx: Pick<EvalContext, 'policy' | 'request'>): boolean =>
  ctx.policy.rules.webhook !== undefined && ctx.request.phase === 'execute';

/** failOpen's passes an hour when the policy names no `failOpenPerHour`. */
export const FAIL_OPEN_PER_HOUR = 60;

/** What failOpen may let through in one UTC hour under this rule. */
export const failOpenLimit = (rule: { failOpenPerHour?: number | undefined }): number => rule.failOpenPerHour ?? FAIL_OPEN_PER_HOUR;

/** failOpen's passes are counted per UTC hour: a fixed window like a budget's (period.ts). */
export const FAIL_OPEN_PERIOD = 3600;

/** failOpen passes an unreachable webhook only while this hour's allowance lasts; an unread count passes nothing. */
function failOpenPass(ctx: EvalContext, perHour: number, verdict: string): Verdict {
  const used = ctx.facts.failOpenUsed;
  if (used === undefined || !Number.isFinite(used)) {
    return deny('webhook', 'webhook_fail_open_unknown', `${verdict}; failOpen's count this hour could not be read`);
  }
  if (used >= perHour) {
    return deny('webhook', 'webhook_fail_open_exhausted', `${verdict}; failOpen let ${used} of ${perHour} through this hour`, periodWindow(FAIL_OPEN_PERIOD, ctx.facts.now).end - ctx.facts.now);
  }
  return { ...pass('webhook', `${verdict}; failOpen lets it through (${used + 1} of ${perHour} this hour)`), failOpen: true };
}

export function checkWebhook(ctx: EvalContext): Verdict[] {
  const rule = ctx.policy.rules.webhook;
  if (rule === undefined) return [];
  if (!webhookConsulted(ctx)) return [pass('webhook', 'consulted at execute only')];
  const verdict = ctx.facts.webhook?.verdict;
  // An explicit "deny" is a decision, not an outage: failOpen never overrides it.
  if (verdict === 'approve') return [pass('webhook', 'approved')];
  if (verdict === 'deny') return [deny('webhook', 'webhook_denied', 'the policy webhook denied the request')];
  // An answer without a verdict is no outage either: the caller chose the input a receiver may crash on.
  if (verdict === 'invalid') return [deny('webhook', 'webhook_error', 'the policy webhook answered without a verdict (failOpen covers only its being unreachable)')];
  if (rule.failOpen) return [failOpenPass(ctx, failOpenLimit(rule), verdict ?? 'no verdict')];
  if (verdict === 'timeout') return [deny('webhook', 'webhook_timeout', `the policy webhook did not answer within ${rule.timeoutMs} ms`)];
  if (verdict === 'error') return [deny('webhook', 'webhook_error', 'the policy webhook failed')];
  return [deny('webhook', 'webhook_no_verdict', 'the policy webhook was not consulted')];
}

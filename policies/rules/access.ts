/**
 * Rules about who may ask and when: enabled flag, match, fee modes, time
 * window, sender lists. They need no facts beyond `now`.
 */
import { instantToUnix, normalizeFelt } from '../primitives.ts';
import type { Policy } from '../schema.ts';
import type { Verdict } from '../types.ts';
import { deny, pass, type EvalContext } from './context.ts';

export function checkEnabled({ policy }: EvalContext): Verdict {
  return policy.enabled ? pass('enabled') : deny('enabled', 'policy_disabled', `policy '${policy.id}' is disabled`);
}

export function checkMatch({ policy, request }: EvalContext): Verdict[] {
  const ids = policy.match?.apiKeyIds;
  if (ids === undefined) return [];
  return ids.includes(request.apiKeyId)
    ? [pass('match')]
    : [deny('match', 'policy_not_applicable', `API key '${request.apiKeyId}' is not one this policy serves`)];
}

export function checkFeeModes({ policy, request }: EvalContext): Verdict {
  const modes = policy.rules.feeModes;
  return modes.includes(request.feeMode)
    ? pass('feeModes')
    : deny('feeModes', 'fee_mode_not_sponsored', `fee mode '${request.feeMode}' is not served (accepted: ${modes.join(', ')})`);
}

export function checkTimeWindow({ policy, facts }: EvalContext): Verdict[] {
  const w = policy.rules.timeWindow;
  if (w === undefined) return [];
  const now = facts.now;
  if (w.start !== undefined) {
    const start = instantToUnix(w.start);
    if (now < start) return [deny('timeWindow', 'outside_time_window', `policy starts at ${iso(start)}`, start - now)];
  }
  if (w.end !== undefined) {
    const end = instantToUnix(w.end);
    if (now >= end) return [deny('timeWindow', 'outside_time_window', `policy ended at ${iso(end)}`)];
  }
  return [pass('timeWindow')];
}

// Sender lists can be long; normalise them once per policy object, not per request.
const senderSets = new WeakMap<Policy, { allow?: Set<string>; deny?: Set<string> }>();

function sendersOf(policy: Policy): { allow?: Set<string>; deny?: Set<string> } {
  let sets = senderSets.get(policy);
  if (sets === undefined) {
    const norm = (xs: string[] | undefined) =>
      xs === undefined ? undefined : new Set(xs.map((x) => normalizeFelt(x) ?? x));
    const rule = policy.rules.senders;
    sets = { allow: norm(rule?.allow), deny: norm(rule?.deny) };
    senderSets.set(policy, sets);
  }
  return sets;
}

export function checkSenders(ctx: EvalContext): Verdict[] {
  if (ctx.policy.rules.senders === undefined) return [];
  const { allow, deny: denied } = sendersOf(ctx.policy);
  const sender = ctx.sender;
  if (sender === undefined) return [deny('senders', 'sender_not_allowed', 'sender is not a valid address')];
  if (denied?.has(sender)) return [deny('senders', 'sender_denied', `sender ${sender} is on the deny list`)];
  if (allow !== undefined && !allow.has(sender)) {
    return [deny('senders', 'sender_not_allowed', `sender ${sender} is not on the allow list`)];
  }
  return [pass('senders')];
}

export const iso = (unix: number): string => new Date(unix * 1000).toISOString();

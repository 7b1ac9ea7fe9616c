/**
 * Whether a tenant's policy lets the relay co-sign a session: pure, like
 * `evaluate`, with the time in `facts.now` (the runtime passes the chain's
 * clock, which is what the account checks the expiry against).
 *
 * The policy's scoping rules apply as they do to transactions (enabled,
 * match, fee modes: sessions are sponsored, time window, senders: the
 * account), then the `sessions` rule: expiry in the future and within
 * `maxDurationSeconds`, every method granted, the metadata's projectID.
 */
import { decisionOf, REASON_FIXES, ruleStage } from './evaluate.ts';
import { normalizeFelt, parseFelt } from './primitives.ts';
import { checkEnabled, checkFeeModes, checkMatch, checkSenders, checkTimeWindow } from './rules/access.ts';
import { deny, pass, type EvalContext } from './rules/context.ts';
import type { Policy } from './schema.ts';
import { contractResolver, selectorOf, type ContractResolver } from './selectors.ts';
import { MAX_SESSION_METADATA, metadataProjectId, type SessionMethod, type SessionRequest, type SessionsRule } from './sessions.ts';
import type { Decision, PolicyFacts, Verdict } from './types.ts';

export function evaluateSession(request: SessionRequest, policy: Policy, facts: PolicyFacts): Decision {
  const ctx: EvalContext = {
    // The scoping rules read a transaction request; a session is a sponsored one with no calls yet.
    request: { sender: request.account, calls: [], feeMode: 'sponsored', apiKeyId: request.apiKeyId, maxFee: 0n, phase: 'build' },
    policy,
    facts,
    resolve: contractResolver(facts.contracts),
    sender: normalizeFelt(request.account),
  };
  const verdicts = [checkEnabled(ctx), ...checkMatch(ctx), checkFeeModes(ctx), ...checkTimeWindow(ctx), ...checkSenders(ctx), checkSession(request, ctx)];
  return decisionOf(policy.id, verdicts, facts.now, 'Session co-signed');
}

/** selectPolicy for sessions: the first enabled policy (by priority, then id) that allows, else the most specific refusal. */
export function selectSessionPolicy(request: SessionRequest, policies: readonly Policy[], facts: PolicyFacts): Decision {
  const ordered = policies.filter((p) => p.enabled).sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let best: Decision | undefined;
  for (const policy of ordered) {
    const d = evaluateSession(request, policy, facts);
    if (d.allow) return d;
    // A policy without a sessions rule says nothing about sessions: any other refusal is more specific.
    if (best === undefined || rank(d) > rank(best)) best = d;
  }
  return (
    best ?? { allow: false, policy: null, reason: 'no_policy', message: `No enabled policy. ${REASON_FIXES.no_policy}`, verdicts: [], at: facts.now }
  );
}

const rank = (d: Decision) => (d.reason === 'sessions_not_offered' ? -0.5 : ruleStage(d.rule!));

function checkSession(req: SessionRequest, ctx: EvalContext): Verdict {
  const rule = ctx.policy.rules.sessions;
  if (rule === undefined) return deny('sessions', 'sessions_not_offered', `policy '${ctx.policy.id}' has no sessions rule`);
  const now = ctx.facts.now;
  if (req.expiresAt <= now) return deny('sessions', 'session_expired', `the session expired at ${req.expiresAt} (now ${now})`);
  if (req.expiresAt - now > rule.maxDurationSeconds) {
    return deny('sessions', 'session_too_long', `the session runs ${req.expiresAt - now}s, more than the ${rule.maxDurationSeconds}s allowed`);
  }
  if (req.methods.length === 0) return deny('sessions', 'session_method_not_allowed', 'the session allows no method');
  for (const [i, m] of req.methods.entries()) {
    if (!methodGranted(m, rule, ctx.resolve)) {
      return deny('sessions', 'session_method_not_allowed', `method ${i} (${m.selector} on ${m.contract}) is not one sessions may call`);
    }
  }
  const problem = metadataProblem(req.metadata, rule);
  if (problem) return deny('sessions', 'session_metadata_mismatch', problem);
  return pass('sessions', `${req.methods.length} method(s) for ${req.expiresAt - now}s`);
}

function methodGranted(m: SessionMethod, rule: SessionsRule, resolve: ContractResolver): boolean {
  const to = normalizeFelt(m.contract);
  const selector = selectorOf(m.selector);
  if (to === undefined || selector === undefined) return false;
  return rule.methods.some((e) => resolve(e.contract) === to && e.selectors.some((s) => selectorOf(s) === selector));
}

function metadataProblem(metadata: string, rule: SessionsRule): string | undefined {
  if (metadata.length > MAX_SESSION_METADATA) return `the metadata is longer than ${MAX_SESSION_METADATA} characters`;
  const want = rule.metadata?.projectId;
  if (want === undefined) return undefined;
  const got = metadataProjectId(metadata);
  return got === want ? undefined : `the metadata's projectID is ${got === undefined ? 'missing' : `'${got}'`}, must be '${want}'`;
}

/** Whether a call (to, selector) is one of a session's allowed methods: what the account's Merkle proof will check. */
export function sessionAllowsCall(methods: readonly SessionMethod[], call: { to: string; selector: string }): boolean {
  const to = parseFelt(call.to);
  const selector = parseFelt(call.selector);
  return methods.some((m) => parseFelt(m.contract) === to && selectorOf(m.selector) === selector);
}

/**
 * The sessions rule: one row per outcome of evaluateSession, then the choice
 * between policies (selectSessionPolicy) and the per-call check a
 * co-signature makes (sessionAllowsCall).
 */
import { describe, expect, it } from 'vitest';
import {
  evaluate,
  evaluateSession,
  parsePolicy,
  REASON_FIXES,
  selectSessionPolicy,
  sessionAllowsCall,
  SESSION_DENY_REASONS,
  type PolicyInput,
  type SessionRequest,
} from '../../policies/index.ts';
import { call, facts, JOBS, OTHER, POOL, policy, request, SENDER, sel } from './fixtures.ts';

const NOW = 1_700_000_000;
const SESSIONS = {
  methods: [{ contract: 'cdc_pool', selectors: ['heartbeat', 'claim_rewards'] }],
  maxDurationSeconds: 86_400,
};

function session(over: Partial<SessionRequest> = {}): SessionRequest {
  return {
    account: SENDER,
    apiKeyId: 'key-1',
    expiresAt: NOW + 3600,
    methods: [{ contract: POOL, selector: 'heartbeat' }, { contract: POOL, selector: 'claim_rewards' }],
    metadata: '{"projectID":"ciro-workers","txFees":[]}',
    ...over,
  };
}

interface Row {
  name: string;
  rules?: PolicyInput['rules'];
  extra?: Partial<PolicyInput>;
  req?: Partial<SessionRequest>;
  reason?: string;
  rule?: string;
}

const seen = new Set<string>();
function run(rows: Row[]) {
  for (const r of rows) if (r.reason) seen.add(r.reason);
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const d = evaluateSession(session(row.req), policy(row.rules ?? { sessions: SESSIONS }, row.extra), facts({ now: NOW }));
    if (row.reason === undefined) {
      expect(d.verdicts.filter((v) => !v.ok)).toEqual([]);
      expect(d).toMatchObject({ allow: true, policy: 'p', at: NOW });
    } else {
      expect(d).toMatchObject({ allow: false, policy: 'p', reason: row.reason, rule: row.rule ?? 'sessions' });
      expect(d.message).toContain(REASON_FIXES[d.reason!]);
    }
  });
}

describe('evaluateSession', () => {
  run([
    { name: 'a session within the rule is co-signed' },
    { name: 'methods compare by value: a padded address and a hex selector', req: { methods: [{ contract: '0x0' + POOL.slice(2), selector: sel('heartbeat') }] } },
    { name: 'a policy without a sessions rule offers none', rules: { allow: [{ contract: 'cdc_pool', selectors: ['heartbeat'] }] }, reason: 'sessions_not_offered' },
    { name: 'an expiry in the past', req: { expiresAt: NOW - 1 }, reason: 'session_expired' },
    { name: 'an expiry exactly now is expired', req: { expiresAt: NOW }, reason: 'session_expired' },
    { name: 'longer than maxDurationSeconds', req: { expiresAt: NOW + 86_401 }, reason: 'session_too_long' },
    { name: 'exactly maxDurationSeconds', req: { expiresAt: NOW + 86_400 } },
    { name: 'a method on another contract', req: { methods: [{ contract: JOBS, selector: 'heartbeat' }] }, reason: 'session_method_not_allowed' },
    { name: 'one method outside the rule refuses the session', req: { methods: [{ contract: POOL, selector: 'heartbeat' }, { contract: POOL, selector: 'stake' }] }, reason: 'session_method_not_allowed' },
    { name: 'no methods at all', req: { methods: [] }, reason: 'session_method_not_allowed' },
    { name: 'a manifest name missing from the manifest grants nothing', rules: { sessions: { ...SESSIONS, methods: [{ contract: 'nowhere', selectors: ['heartbeat'] }] } }, reason: 'session_method_not_allowed' },
    { name: 'projectID required and present', rules: { sessions: { ...SESSIONS, metadata: { projectId: 'ciro-workers' } } } },
    { name: 'projectID required, another given', rules: { sessions: { ...SESSIONS, metadata: { projectId: 'other' } } }, reason: 'session_metadata_mismatch' },
    { name: 'projectID required, metadata not JSON', rules: { sessions: { ...SESSIONS, metadata: { projectId: 'x' } } }, req: { metadata: 'x' }, reason: 'session_metadata_mismatch' },
    { name: 'metadata too long, whatever the rule', req: { metadata: 'x'.repeat(2_049) }, reason: 'session_metadata_mismatch' },
    { name: 'scoping rules apply: a disabled policy', extra: { enabled: false }, reason: 'policy_disabled', rule: 'enabled' },
    { name: 'scoping rules apply: another API key', extra: { match: { apiKeyIds: ['key-2'] } }, reason: 'policy_not_applicable', rule: 'match' },
    { name: 'scoping rules apply: sessions are sponsored', rules: { sessions: SESSIONS, feeModes: ['default'] }, reason: 'fee_mode_not_sponsored', rule: 'feeModes' },
    { name: 'scoping rules apply: the account on the deny list', rules: { sessions: SESSIONS, senders: { deny: [SENDER] } }, reason: 'sender_denied', rule: 'senders' },
    { name: 'scoping rules apply: a time window', rules: { sessions: SESSIONS, timeWindow: { end: NOW } }, reason: 'outside_time_window', rule: 'timeWindow' },
  ]);

  it('exercises every session reason', () => {
    expect(SESSION_DENY_REASONS.filter((r) => !seen.has(r))).toEqual([]);
  });
});

describe('selectSessionPolicy', () => {
  const withSessions = policy({ sessions: SESSIONS }, { id: 'sessions', priority: 1 });
  const plain = policy({ allow: [{ contract: 'cdc_pool', selectors: ['heartbeat'] }] }, { id: 'plain', priority: 10 });

  it('picks the policy that offers sessions, whatever its priority', () => {
    expect(selectSessionPolicy(session(), [plain, withSessions], facts({ now: NOW }))).toMatchObject({ allow: true, policy: 'sessions' });
  });

  it("reports the sessions rule's refusal over a policy that offers no sessions", () => {
    const d = selectSessionPolicy(session({ expiresAt: NOW + 10 * 86_400 }), [plain, withSessions], facts({ now: NOW }));
    expect(d).toMatchObject({ allow: false, policy: 'sessions', reason: 'session_too_long' });
  });

  it('says sessions_not_offered when no policy has the rule, and no_policy with none enabled', () => {
    expect(selectSessionPolicy(session(), [plain], facts({ now: NOW }))).toMatchObject({ allow: false, reason: 'sessions_not_offered' });
    expect(selectSessionPolicy(session(), [], facts({ now: NOW }))).toMatchObject({ allow: false, policy: null, reason: 'no_policy' });
  });
});

describe('sessionAllowsCall', () => {
  const methods = [{ contract: POOL, selector: 'heartbeat' }];
  it('matches a call by address value and selector', () => {
    expect(sessionAllowsCall(methods, { to: '0x0' + POOL.slice(2), selector: sel('heartbeat') })).toBe(true);
    expect(sessionAllowsCall(methods, { to: POOL, selector: sel('claim_rewards') })).toBe(false);
    expect(sessionAllowsCall(methods, { to: JOBS, selector: sel('heartbeat') })).toBe(false);
  });
});

describe("allow entries on 'self': the sender's own account (on-chain revoke_session)", () => {
  const own = policy({ allow: [{ contract: 'self', selectors: ['revoke_session'] }] });
  it('match a call to the sender itself, and nothing else', () => {
    const req = (to: string, ep = 'revoke_session') => request({ calls: [call(to, ep, ['0x1'])] });
    expect(evaluate(req('0x0' + SENDER.slice(2)), own, facts({ now: NOW })).allow).toBe(true);
    expect(evaluate(req(OTHER), own, facts({ now: NOW })).reason).toBe('contract_not_allowed');
    expect(evaluate(req(SENDER, 'upgrade'), own, facts({ now: NOW })).reason).toBe('selector_not_allowed');
  });
});

describe('the sessions rule schema', () => {
  const parse = (sessions: unknown) => parsePolicy({ schemaVersion: 1, id: 'p', name: 'P', enabled: true, rules: { sessions } });
  it('is strict and bounded', () => {
    expect(parse(SESSIONS).ok).toBe(true);
    expect(parse({ ...SESSIONS, maxDuration: 1 }).ok).toBe(false);
    expect(parse({ ...SESSIONS, maxDurationSeconds: 0 }).ok).toBe(false);
    expect(parse({ ...SESSIONS, methods: [] }).ok).toBe(false);
    expect(parse({ ...SESSIONS, methods: [{ contract: 'cdc_pool', selectors: ['not a name'] }] }).ok).toBe(false);
    expect(parse({ ...SESSIONS, metadata: { projectId: '' } }).ok).toBe(false);
  });
});

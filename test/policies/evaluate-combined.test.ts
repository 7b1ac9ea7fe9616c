/** Rule interplay: which failure is reported, the full verdict list, fail-closed facts, selectPolicy. */
import { describe, expect, it } from 'vitest';
import { evaluate, needsWebhook, selectPolicy, type Policy, type PolicyFacts } from '../../policies/index.ts';
import { ALLOW_POOL, JOBS, POOL, call, facts, policy, request } from './fixtures.ts';

const EVERY_RULE = {
  allow: ALLOW_POOL,
  senders: { deny: ['0x1'] },
  tiers: { default: 'free', tiers: { free: { period: 'day' as const, maxTxs: 10, maxFee: '1000' } } },
  rateLimits: [{ key: 'sender' as const, points: 5, durationSeconds: 60 }],
  reputation: { minReputation: 300 },
  budgets: { global: { maxFee: '10000', period: 'week' as const }, perUser: { maxFee: '1000', period: 'month' as const }, perOperation: { maxFee: '500' } },
  timeWindow: { start: 0 },
  webhook: { url: 'https://hooks.example.com/x', secretRef: 'HOOK' },
  feeModes: ['sponsored' as const],
};
const ORDER = [
  'enabled', 'feeModes', 'timeWindow', 'senders', 'allow', 'reputation', 'budgets.perOperation',
  'tiers', 'budgets.perUser', 'budgets.global', 'rateLimits[0]', 'webhook',
];

describe('verdicts and reported failure', () => {
  it('lists every configured rule, in stage order, when allowed', () => {
    const d = evaluate(request(), policy(EVERY_RULE), facts());
    expect(d.allow).toBe(true);
    expect(d.verdicts.map((v) => v.rule)).toEqual(ORDER);
    expect(d.verdicts.every((v) => v.ok)).toBe(true);
    expect(d.at).toBe(facts().now);
  });

  it('reports the first failing rule but keeps every verdict', () => {
    const d = evaluate(
      request({ feeMode: 'default', sender: '0x1', calls: [call(POOL, 'stake')] }),
      policy(EVERY_RULE),
      facts({ rateLimits: [{ remainingPoints: 0, msBeforeNext: 5000 }], reputation: 10 }),
    );
    expect(d).toMatchObject({ allow: false, rule: 'feeModes', reason: 'fee_mode_not_sponsored' });
    expect(d.retryAfter).toBeUndefined();
    const failed = d.verdicts.filter((v) => !v.ok).map((v) => `${v.rule}:${v.reason}`);
    expect(failed).toEqual([
      'feeModes:fee_mode_not_sponsored',
      'senders:sender_denied',
      'allow:selector_not_allowed',
      'reputation:reputation_too_low',
      'rateLimits[0]:rate_limited',
    ]);
    expect(d.verdicts.map((v) => v.rule)).toEqual(ORDER);
  });

  it('reports a permanent refusal before a transient one, without retryAfter', () => {
    const d = evaluate(request({ calls: [call(JOBS, 'heartbeat')] }), policy(EVERY_RULE), facts({ rateLimits: [{ remainingPoints: 0, msBeforeNext: 9000 }] }));
    expect(d).toMatchObject({ reason: 'contract_not_allowed', rule: 'allow' });
    expect(d.retryAfter).toBeUndefined();
    expect(d.message).toMatch(/Only call the contracts the policy allows/);
  });

  it('carries retryAfter and says when in the message', () => {
    const d = evaluate(request(), policy(EVERY_RULE), facts({ rateLimits: [{ remainingPoints: 0, msBeforeNext: 9000 }] }));
    expect(d).toMatchObject({ reason: 'rate_limited', retryAfter: 9 });
    expect(d.message).toContain('Retry after 9s');
  });

  it('is pure: frozen facts, same answer twice', () => {
    const f = Object.freeze(facts()) as PolicyFacts;
    const p = policy(EVERY_RULE);
    expect(evaluate(request(), p, f)).toEqual(evaluate(request(), p, f));
  });
});

describe('fail closed', () => {
  const bare: PolicyFacts = { now: 1_700_000_000, contracts: { cdc_pool: POOL } };

  it('denies with an *_unknown reason for every missing fact', () => {
    const d = evaluate(request(), policy(EVERY_RULE), bare);
    expect(d.allow).toBe(false);
    expect(d.reason).toBe('reputation_unknown');
    const failed = Object.fromEntries(d.verdicts.filter((v) => !v.ok).map((v) => [v.rule, v.reason]));
    expect(failed).toEqual({
      reputation: 'reputation_unknown',
      tiers: 'tier_usage_unknown',
      'budgets.perUser': 'budget_usage_unknown',
      'budgets.global': 'budget_usage_unknown',
      'rateLimits[0]': 'rate_limit_unknown',
      webhook: 'webhook_no_verdict',
    });
  });

  it('only failOpen on the webhook lets a missing webhook verdict through', () => {
    const open = policy({ ...EVERY_RULE, webhook: { ...EVERY_RULE.webhook, failOpen: true } });
    expect(evaluate(request(), open, facts({ webhook: undefined, failOpenUsed: 0 })).allow).toBe(true);
    // ...and only while its allowance this hour can be read: an unread count fails closed.
    expect(evaluate(request(), open, facts({ webhook: undefined })).reason).toBe('webhook_fail_open_unknown');
    expect(evaluate(request(), policy(EVERY_RULE), facts({ webhook: undefined })).reason).toBe('webhook_no_verdict');
  });

  it('an unparseable sender is never treated as allowlisted', () => {
    const d = evaluate(request({ sender: 'nonsense' }), policy({ senders: { allow: ['0xabc'] } }), facts());
    expect(d.reason).toBe('sender_not_allowed');
  });

  it('needsWebhook is true only when the webhook alone blocks', () => {
    const p = policy(EVERY_RULE);
    expect(needsWebhook(evaluate(request(), p, facts({ webhook: undefined })))).toBe(true);
    expect(needsWebhook(evaluate(request(), p, facts({ webhook: undefined, reputation: 1 })))).toBe(false);
    expect(needsWebhook(evaluate(request(), policy({}), facts()))).toBe(false);
  });
});

describe('selectPolicy', () => {
  const named = (id: string, rules: Parameters<typeof policy>[0], extra: Parameters<typeof policy>[1] = {}): Policy =>
    policy(rules, { id, ...extra });

  it('answers no_policy with a null policy when nothing is enabled', () => {
    for (const policies of [[], [named('off', {}, { enabled: false })]]) {
      const d = selectPolicy(request(), policies, facts());
      expect(d).toMatchObject({ allow: false, policy: null, reason: 'no_policy', verdicts: [] });
    }
  });

  it('tries higher priority first, ties by id, skipping disabled policies', () => {
    const ps = [named('b', {}, { priority: 5 }), named('a', {}, { priority: 5 }), named('z', {}, { priority: 1 }), named('top', {}, { priority: 9, enabled: false })];
    expect(selectPolicy(request(), ps, facts()).policy).toBe('a');
  });

  it('returns the first allow even when a higher-priority policy denies', () => {
    const ps = [named('jobs', { allow: [{ contract: 'job_mgr', selectors: ['submit_job'] }] }, { priority: 10 }), named('pool', { allow: ALLOW_POOL })];
    expect(selectPolicy(request(), ps, facts())).toMatchObject({ allow: true, policy: 'pool' });
  });

  it('returns the most specific denial, not the first', () => {
    const ps = [
      named('jobs', { allow: [{ contract: 'job_mgr', selectors: ['submit_job'] }] }, { priority: 10 }),
      named('pool', { allow: ALLOW_POOL, rateLimits: [{ key: 'sender', points: 1, durationSeconds: 60 }] }),
      named('keyed', { allow: ALLOW_POOL }, { match: { apiKeyIds: ['other'] }, priority: 20 }),
    ];
    const d = selectPolicy(request(), ps, facts({ rateLimits: [{ remainingPoints: 0, msBeforeNext: 1000 }] }));
    expect(d).toMatchObject({ allow: false, policy: 'pool', reason: 'rate_limited', retryAfter: 1 });
  });

  it('keeps the higher-priority denial when specificity ties', () => {
    const ps = [named('low', { allow: [{ contract: 'job_mgr', selectors: ['x'] }] }, { priority: 1 }), named('high', { allow: [{ contract: 'ciro_token', selectors: ['x'] }] }, { priority: 2 })];
    expect(selectPolicy(request(), ps, facts()).policy).toBe('high');
  });

  it('merges per-policy facts but keeps the shared now', () => {
    const tiers = { default: 'free', tiers: { free: { period: 'day' as const, maxTxs: 1 } } };
    const ps = [named('a', { tiers }, { priority: 2 }), named('b', { tiers }, { priority: 1 })];
    const seen: string[] = [];
    const d = selectPolicy(request(), ps, facts({ usage: undefined }), (p) => {
      seen.push(p.id);
      return { usage: { txs: p.id === 'a' ? 1 : 0, fee: 0n }, now: 0 } as Partial<PolicyFacts>;
    });
    expect(seen).toEqual(['a', 'b']);
    expect(d).toMatchObject({ allow: true, policy: 'b', at: facts().now });
  });
});

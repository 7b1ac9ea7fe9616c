/** Helpers the runtime uses around evaluate: period windows, fact keys, reservations. */
import { hash } from 'starknet';
import { describe, expect, it } from 'vitest';
import { SELECTOR_CACHE_MAX, selectorCacheSize, selectorOf } from '../../policies/selectors.ts';
import {
  budgetLines,
  consumesQuota,
  evaluate,
  periodWindow,
  rateLimitUses,
  requiredFacts,
  tierWindow,
  type Decision,
} from '../../policies/index.ts';
import { ALLOW_POOL, facts, policy, request } from './fixtures.ts';

const iso = (s: string) => Date.parse(s) / 1000;

describe('periodWindow', () => {
  it.each([
    ['day', '2023-11-14T22:13:20Z', '2023-11-14T00:00:00Z', '2023-11-15T00:00:00Z'],
    ['week', '2023-11-14T22:13:20Z', '2023-11-13T00:00:00Z', '2023-11-20T00:00:00Z'],
    ['week', '2023-11-19T23:59:59Z', '2023-11-13T00:00:00Z', '2023-11-20T00:00:00Z'],
    ['week', '2023-11-20T00:00:00Z', '2023-11-20T00:00:00Z', '2023-11-27T00:00:00Z'],
    ['month', '2024-02-29T12:00:00Z', '2024-02-01T00:00:00Z', '2024-03-01T00:00:00Z'],
    ['month', '2023-12-31T23:59:59Z', '2023-12-01T00:00:00Z', '2024-01-01T00:00:00Z'],
    [3600, '2023-11-14T22:13:20Z', '2023-11-14T22:00:00Z', '2023-11-14T23:00:00Z'],
    ['day', '1969-12-31T12:00:00Z', '1969-12-31T00:00:00Z', '1970-01-01T00:00:00Z'],
  ] as const)('%s at %s is [%s, %s)', (period, at, start, end) => {
    expect(periodWindow(period, iso(at))).toEqual({ start: iso(start), end: iso(end) });
  });

  it('refuses a non-finite now', () => {
    expect(() => periodWindow('day', Number.NaN)).toThrow(RangeError);
  });
});

const P = policy(
  {
    allow: [...ALLOW_POOL, { contract: 'ciro_token', selectors: ['approve'], calldata: [{ index: 0, equals: 'job_mgr' }] }],
    tiers: { default: 'free', tiers: { free: { period: 'day', maxTxs: 10, maxFee: '1000' } } },
    budgets: { global: { maxFee: '5000', period: 'week' }, perUser: { maxFee: '2000', period: 'month' }, perOperation: { maxFee: '500' } },
    rateLimits: [{ key: 'sender', points: 5, durationSeconds: 60 }, { key: 'apiKey', points: 9, durationSeconds: 1, window: 'sliding' }, { key: 'policy', points: 1, durationSeconds: 1 }],
    reputation: { minReputation: 1, selectors: ['claim_rewards'] },
    webhook: { url: 'https://h.example.com', secretRef: 'H' },
  },
  { id: 'pol' },
);
const NOW = 1_700_000_000;
const REQ = request({ sender: '0x00ABC' });
const allowed = (): Decision => {
  const d = evaluate(REQ, P, facts({ now: NOW, rateLimits: [0, 1, 2].map(() => ({ remainingPoints: 1, msBeforeNext: 0 })) }));
  expect(d.allow).toBe(true);
  return d;
};

describe('fact keys', () => {
  it('rate-limit keys are per rule index and normalised subject', () => {
    expect(rateLimitUses(REQ, P).map((u) => [u.index, u.by, u.key, u.cost])).toEqual([
      [0, 'sender', 'policy:pol:rl:0:sender:0xabc', 1],
      [1, 'apiKey', 'policy:pol:rl:1:apiKey:key-1', 1],
      [2, 'policy', 'policy:pol:rl:2:policy:pol', 1],
    ]);
  });

  it('tier counters are keyed by sender and period start', () => {
    const w = tierWindow(P, '0x0abc', NOW);
    expect(w).toMatchObject({ tier: 'free', start: iso('2023-11-14T00:00:00Z'), txsKey: `policy:pol:tier:0xabc:${iso('2023-11-14T00:00:00Z')}:txs` });
    expect(tierWindow(policy({}), '0xabc', NOW)).toBeUndefined();
  });

  it('requiredFacts lists exactly what evaluate reads', () => {
    const r = requiredFacts(REQ, P, NOW);
    expect(r.contracts).toEqual(['cdc_pool', 'ciro_token', 'job_mgr']);
    expect(r.reputation).toBe(false); // heartbeat is not gated
    expect(r.webhook).toBe(true);
    expect(r.budgets).toEqual({
      global: `policy:pol:budget:global:${iso('2023-11-13T00:00:00Z')}`,
      user: `policy:pol:budget:user:0xabc:${iso('2023-11-01T00:00:00Z')}`,
    });
    expect(r.usage?.feeKey).toMatch(/:fee$/);
    const build = requiredFacts({ ...REQ, phase: 'build', feeMode: 'default' }, P, NOW);
    expect(build.webhook).toBe(false);
    expect(build.budgets).toEqual({});
  });
});

describe('budgetLines', () => {
  it('reserves budgets, tier counters and the operation cap for an allowed execute', () => {
    const lines = budgetLines(REQ, P, allowed());
    const req = requiredFacts(REQ, P, NOW);
    expect(lines.map((l) => [l.scope, l.keySuffix, l.amount, l.limit, l.accumulate])).toEqual([
      ['operation', 'policy:pol:budget:operation', 100n, 500n, false],
      ['user', req.budgets.user, 100n, 2000n, true],
      ['global', req.budgets.global, 100n, 5000n, true],
      ['tier', req.usage?.txsKey, 1n, 10n, true],
      ['tier', req.usage?.feeKey, 100n, 1000n, true],
    ]);
    expect(lines.map((l) => l.periodSeconds)).toEqual([0, 30 * 86_400, 7 * 86_400, 86_400, 86_400]);
  });

  it('reserves nothing for a build, a denial, or another policy', () => {
    const d = allowed();
    expect(budgetLines({ ...REQ, phase: 'build' }, P, d)).toEqual([]);
    expect(budgetLines(REQ, P, { ...d, allow: false, reason: 'rate_limited' })).toEqual([]);
    expect(budgetLines(REQ, P, { ...d, policy: 'other' })).toEqual([]);
  });

  it('reserves only the tx count when the user pays the fee', () => {
    const lines = budgetLines({ ...REQ, feeMode: 'default' }, P, allowed());
    expect(lines.map((l) => [l.scope, l.amount])).toEqual([['tier', 1n]]);
  });

  it('consumesQuota only for allowed executes', () => {
    const d = allowed();
    expect(consumesQuota(REQ, d)).toBe(true);
    expect(consumesQuota({ ...REQ, phase: 'build' }, d)).toBe(false);
    expect(consumesQuota(REQ, { ...d, allow: false })).toBe(false);
  });
});

describe('selector cache', () => {
  it('stays bounded however many entrypoint names policies bring, and still answers each correctly', () => {
    const names = Array.from({ length: SELECTOR_CACHE_MAX + 500 }, (_, i) => `grow_${i}`);
    for (const n of names) selectorOf(n);
    expect(selectorCacheSize()).toBeLessThanOrEqual(SELECTOR_CACHE_MAX);
    // An evicted name is hashed again, to the same selector.
    expect(selectorOf('grow_0')).toBe(BigInt(hash.getSelectorFromName('grow_0')));
  });
});

/**
 * One table row per rule outcome: every rule's allow path and each of its
 * deny reasons. Each row runs with otherwise-permissive facts, so the rule
 * under test is the only thing that can refuse.
 */
import { describe, expect, it } from 'vitest';
import { DENY_REASONS, REASON_FIXES, SESSION_DENY_REASONS, evaluate, type PolicyFacts, type PolicyInput, type PolicyRequest } from '../../policies/index.ts';
import { ALLOW_POOL, JOBS, MANIFEST, POOL, SENDER, TOKEN, call, facts, policy, request, sel } from './fixtures.ts';

interface Row {
  name: string;
  rules?: PolicyInput['rules'];
  extra?: Partial<PolicyInput>;
  req?: Partial<PolicyRequest>;
  facts?: Partial<PolicyFacts>;
  /** undefined = allowed */
  reason?: string;
  rule?: string;
  retryAfter?: number;
}

const NOW = 1_700_000_000; // 2023-11-14T22:13:20Z; the UTC day ends 6400 s later
const PADDED_SENDER = '0x0000000000000000000000000000000000000000000000000000000000000ABC';

const seenReasons = new Set<string>();

function run(rows: Row[]) {
  for (const r of rows) if (r.reason) seenReasons.add(r.reason);
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const d = evaluate(request(row.req), policy(row.rules, row.extra), facts({ now: NOW, ...row.facts }));
    if (row.reason === undefined) {
      expect(d.verdicts.filter((v) => !v.ok)).toEqual([]);
      expect(d).toMatchObject({ allow: true, policy: 'p' });
      expect(d.reason).toBeUndefined();
    } else {
      expect(d).toMatchObject({ allow: false, policy: 'p', reason: row.reason });
      if (row.rule) expect(d.rule).toBe(row.rule);
      expect(d.retryAfter).toBe(row.retryAfter);
      expect(d.message).toContain(d.rule);
    }
  });
}

describe('enabled and match', () => {
  run([
    { name: 'enabled policy allows', rules: {} },
    { name: 'disabled policy denies', extra: { enabled: false }, reason: 'policy_disabled', rule: 'enabled' },
    { name: 'listed api key matches', extra: { match: { apiKeyIds: ['key-1'] } } },
    { name: 'other api key', extra: { match: { apiKeyIds: ['key-2'] } }, reason: 'policy_not_applicable', rule: 'match' },
  ]);
});

describe('feeModes', () => {
  run([
    { name: 'sponsored by default', req: { feeMode: 'sponsored' } },
    { name: 'default mode refused unless listed', req: { feeMode: 'default' }, reason: 'fee_mode_not_sponsored' },
    { name: 'default mode when listed', rules: { feeModes: ['sponsored', 'default'] }, req: { feeMode: 'default' } },
    { name: 'sponsored refused when only default', rules: { feeModes: ['default'] }, reason: 'fee_mode_not_sponsored' },
  ]);
});

describe('deployments', () => {
  const ACCOUNT = '0x5b4b537eaa2399e3aa99c4e2e0208ebd6c71bc1467938cd52c798c601e43564';
  const deploy = (classHash: string, calls = [] as PolicyRequest['calls']) => ({ calls, deployment: { classHash } });
  const accepted = { accountClasses: ['0x05b4b537eaa2399e3aa99c4e2e0208ebd6c71bc1467938cd52c798c601e43564'] };
  run([
    { name: 'a named class (other spelling)', rules: { deployments: { classHashes: [ACCOUNT.toUpperCase().replace('0X', '0x')] } }, req: deploy(ACCOUNT) },
    { name: '"accepted" is the relay\'s account classes', rules: { deployments: { classHashes: ['accepted'] } }, req: deploy(ACCOUNT), facts: accepted },
    { name: 'deploy and invoke: calls still need the allowlist', rules: { allow: ALLOW_POOL, deployments: { classHashes: ['accepted'] } }, req: deploy(ACCOUNT, [call(POOL, 'heartbeat')]), facts: accepted },
    { name: 'a policy without the rule sponsors no deployment', rules: {}, req: deploy(ACCOUNT), reason: 'deployment_not_allowed', rule: 'deployments' },
    { name: 'an allowlist alone does not sponsor a deploy-only request', rules: { allow: ALLOW_POOL }, req: deploy(ACCOUNT), reason: 'deployment_not_allowed', rule: 'deployments' },
    { name: 'a class the policy does not name', rules: { deployments: { classHashes: ['0x1234'] } }, req: deploy(ACCOUNT), reason: 'deployment_not_allowed' },
    { name: '"accepted" with a class the relay does not accept', rules: { deployments: { classHashes: ['accepted'] } }, req: deploy('0x1234'), facts: accepted, reason: 'deployment_not_allowed' },
  ]);
});

describe('timeWindow', () => {
  run([
    { name: 'inside', rules: { timeWindow: { start: NOW - 10, end: NOW + 10 } } },
    { name: 'exactly at start', rules: { timeWindow: { start: NOW } } },
    { name: 'before start', rules: { timeWindow: { start: NOW + 90 } }, reason: 'outside_time_window', retryAfter: 90 },
    { name: 'after end (ISO)', rules: { timeWindow: { end: '2023-11-14T00:00:00Z' } }, reason: 'outside_time_window' },
    { name: 'exactly at end (exclusive)', rules: { timeWindow: { end: NOW } }, reason: 'outside_time_window' },
  ]);
});

describe('senders', () => {
  run([
    { name: 'allow list contains (other spelling)', rules: { senders: { allow: [PADDED_SENDER] } } },
    { name: 'not on allow list', rules: { senders: { allow: ['0x1'] } }, reason: 'sender_not_allowed' },
    { name: 'on deny list', rules: { senders: { deny: [PADDED_SENDER] } }, reason: 'sender_denied' },
    { name: 'deny wins over allow', rules: { senders: { allow: [SENDER], deny: [SENDER] } }, reason: 'sender_denied' },
    { name: 'deny list without sender', rules: { senders: { deny: ['0x1'] } } },
  ]);
});

const submit = (calldata: string[]) => ({ calls: [call(JOBS, 'submit_job', calldata)] });
const approve = (spender: string, low: string, high = '0') => ({ calls: [call(TOKEN, 'approve', [spender, low, high])] });
const jobRule = (calldata: NonNullable<PolicyInput['rules']['allow']>[number]['calldata']) => ({
  allow: [{ contract: 'job_mgr', selectors: ['submit_job'], calldata }],
});
const approveRule = { allow: [{ contract: 'ciro_token', selectors: ['approve'], calldata: [{ index: 0, equals: 'job_mgr' }, { index: 1, type: 'u256' as const, max: '1000' }] }] };

describe('allow', () => {
  run([
    { name: 'allowed contract and selector', rules: { allow: ALLOW_POOL } },
    { name: 'address instead of manifest name', rules: { allow: [{ contract: POOL.toUpperCase().replace('0X', '0x'), selectors: ['heartbeat'] }] } },
    { name: 'hex selector', rules: { allow: [{ contract: 'cdc_pool', selectors: [sel('heartbeat')] }] } },
    { name: 'resolver function', rules: { allow: ALLOW_POOL }, facts: { contracts: (n) => MANIFEST[n] } },
    { name: 'other contract', rules: { allow: ALLOW_POOL }, req: { calls: [call(JOBS, 'heartbeat')] }, reason: 'contract_not_allowed' },
    { name: 'name missing from manifest', rules: { allow: ALLOW_POOL }, facts: { contracts: {} }, reason: 'contract_not_allowed' },
    { name: 'other selector', rules: { allow: ALLOW_POOL }, req: { calls: [call(POOL, 'stake')] }, reason: 'selector_not_allowed' },
    {
      name: 'one bad call refuses the multicall',
      rules: { allow: ALLOW_POOL },
      req: { calls: [call(POOL, 'heartbeat'), call(POOL, 'request_unstake')] },
      reason: 'selector_not_allowed',
    },
    { name: 'no calls', rules: { allow: ALLOW_POOL }, req: { calls: [] }, reason: 'no_calls' },
    { name: 'calldata under max', rules: jobRule([{ index: 2, max: '86400' }]), req: submit(['1', '0x5', '86400']) },
    { name: 'calldata over max', rules: jobRule([{ index: 2, max: '86400' }]), req: submit(['1', '0x5', '86401']), reason: 'calldata_constraint' },
    { name: 'calldata hex value compared as number', rules: jobRule([{ index: 2, max: '86400' }]), req: submit(['1', '0x5', '0x15181']), reason: 'calldata_constraint' },
    { name: 'calldata below min', rules: jobRule([{ index: 0, min: '2' }]), req: submit(['1', '0', '0']), reason: 'calldata_constraint' },
    { name: 'calldata index missing', rules: jobRule([{ index: 5, max: '1' }]), req: submit(['1']), reason: 'calldata_constraint' },
    { name: 'calldata equals decimal', rules: jobRule([{ index: 0, equals: '7' }]), req: submit(['0x7', '0', '0']) },
    { name: 'calldata equals mismatch', rules: jobRule([{ index: 0, equals: '7' }]), req: submit(['8', '0', '0']), reason: 'calldata_constraint' },
    { name: 'approve to job_mgr within u256 max', rules: approveRule, req: approve(JOBS, '1000') },
    { name: 'approve to another spender', rules: approveRule, req: approve(POOL, '1'), reason: 'calldata_constraint' },
    { name: 'approve u256 high half counts', rules: approveRule, req: approve(JOBS, '1', '1'), reason: 'calldata_constraint' },
    { name: 'approve u256 half above u128', rules: approveRule, req: approve(JOBS, (2n ** 128n).toString()), reason: 'calldata_constraint' },
    {
      name: 'entries are alternatives',
      rules: { allow: [{ contract: 'job_mgr', selectors: ['submit_job'], calldata: [{ index: 0, equals: '1' }] }, { contract: 'job_mgr', selectors: ['submit_job'], calldata: [{ index: 0, equals: '2' }] }] },
      req: submit(['2']),
    },
  ]);
});

describe('reputation', () => {
  const rep = { allow: ALLOW_POOL, reputation: { minReputation: 300, selectors: ['heartbeat', 'claim_rewards'] } };
  run([
    { name: 'at the minimum', rules: rep, facts: { reputation: 300 } },
    { name: 'below the minimum', rules: rep, facts: { reputation: 299 }, reason: 'reputation_too_low' },
    { name: 'unknown reputation fails closed', rules: rep, facts: { reputation: undefined }, reason: 'reputation_unknown' },
    { name: 'NaN counts as unknown', rules: rep, facts: { reputation: Number.NaN }, reason: 'reputation_unknown' },
    { name: 'ungated selector ignores reputation', rules: { reputation: { minReputation: 300, selectors: ['claim_rewards'] } }, facts: { reputation: undefined } },
    { name: 'no selectors gates every call', rules: { reputation: { minReputation: 300 } }, facts: { reputation: 1 }, reason: 'reputation_too_low' },
  ]);
});

describe('budgets', () => {
  const b = { budgets: { perOperation: { maxFee: '100' }, perUser: { maxFee: '1000', period: 'day' as const }, global: { maxFee: '5000', period: 3600 } } };
  run([
    { name: 'everything within', rules: b, facts: { budgets: { user: 900n, global: 4900n } } },
    { name: 'fee above per-operation cap', rules: b, req: { maxFee: 101n }, reason: 'max_fee_exceeded', rule: 'budgets.perOperation' },
    { name: 'user budget exhausted', rules: b, facts: { budgets: { user: 901n, global: 0n } }, reason: 'budget_exhausted', rule: 'budgets.perUser', retryAfter: 6400 },
    // 1_700_000_000 is 800 s past an hour boundary.
    { name: 'global budget exhausted', rules: b, facts: { budgets: { user: 0n, global: 4901n } }, reason: 'budget_exhausted', rule: 'budgets.global', retryAfter: 2800 },
    { name: 'usage unknown fails closed', rules: b, facts: { budgets: { global: 0n } }, reason: 'budget_usage_unknown', rule: 'budgets.perUser' },
    { name: 'default fee mode spends no budget', rules: { ...b, feeModes: ['default'] }, req: { feeMode: 'default', maxFee: 10n ** 30n }, facts: { budgets: undefined } },
  ]);
});

describe('tiers', () => {
  const tiers = {
    tiers: {
      default: 'free',
      assignments: { [PADDED_SENDER]: 'pro' },
      tiers: { free: { period: 'day' as const, maxTxs: 10 }, pro: { period: 'month' as const, maxTxs: 100, maxFee: '1000' } },
    },
  };
  const free = { tiers: { ...tiers.tiers, assignments: {} } };
  run([
    { name: 'free tier under quota', rules: free, facts: { usage: { txs: 9, fee: 0n } } },
    { name: 'free tier quota used up', rules: free, facts: { usage: { txs: 10, fee: 0n } }, reason: 'tier_quota_exhausted', retryAfter: 6400 },
    { name: 'assigned tier applies (address spelling normalised)', rules: tiers, facts: { usage: { txs: 10, fee: 0n } } },
    // Month ends 2023-12-01T00:00:00Z = 1701388800.
    { name: 'paid tier fee quota', rules: tiers, facts: { usage: { txs: 0, fee: 901n } }, reason: 'tier_quota_exhausted', retryAfter: 1_388_800 },
    { name: 'fee quota ignored when the user pays', rules: { ...tiers, feeModes: ['default'] }, req: { feeMode: 'default' }, facts: { usage: { txs: 0, fee: 10_000n } } },
    { name: 'usage unknown fails closed', rules: free, facts: { usage: undefined }, reason: 'tier_usage_unknown' },
  ]);
});

describe('rateLimits', () => {
  const rl = { rateLimits: [{ key: 'sender' as const, points: 5, durationSeconds: 60, window: 'sliding' as const }, { key: 'apiKey' as const, points: 100, durationSeconds: 60 }] };
  const state = (a: number, b: number, ms = 2500) => [{ remainingPoints: a, msBeforeNext: ms }, { remainingPoints: b, msBeforeNext: ms }];
  run([
    { name: 'last point left', rules: rl, facts: { rateLimits: state(1, 1) } },
    { name: 'first limit exhausted', rules: rl, facts: { rateLimits: state(0, 5) }, reason: 'rate_limited', rule: 'rateLimits[0]', retryAfter: 3 },
    { name: 'second limit exhausted', rules: rl, facts: { rateLimits: state(5, 0) }, reason: 'rate_limited', rule: 'rateLimits[1]', retryAfter: 3 },
    { name: 'retryAfter is at least 1s', rules: rl, facts: { rateLimits: state(0, 5, 0) }, reason: 'rate_limited', retryAfter: 1 },
    { name: 'state missing fails closed', rules: rl, facts: { rateLimits: [{ remainingPoints: 5, msBeforeNext: 0 }] }, reason: 'rate_limit_unknown', rule: 'rateLimits[1]' },
  ]);
});

describe('webhook', () => {
  const hook = (failOpen = false, failOpenPerHour?: number) => ({ webhook: { url: 'https://hooks.example.com/ciro', secretRef: 'CIRO_HOOK', failOpen, ...(failOpenPerHour ? { failOpenPerHour } : {}) } });
  run([
    { name: 'approved', rules: hook(), facts: { webhook: { verdict: 'approve' } } },
    { name: 'denied', rules: hook(), facts: { webhook: { verdict: 'deny' } }, reason: 'webhook_denied' },
    { name: 'timeout', rules: hook(), facts: { webhook: { verdict: 'timeout' } }, reason: 'webhook_timeout' },
    { name: 'error', rules: hook(), facts: { webhook: { verdict: 'error' } }, reason: 'webhook_error' },
    { name: 'not consulted fails closed', rules: hook(), facts: { webhook: undefined }, reason: 'webhook_no_verdict' },
    { name: 'failOpen passes a timeout', rules: hook(true), facts: { webhook: { verdict: 'timeout' }, failOpenUsed: 0 } },
    { name: 'failOpen passes an unreachable webhook', rules: hook(true), facts: { webhook: { verdict: 'error' }, failOpenUsed: 59 } },
    { name: "failOpen stops at its hour's allowance", rules: hook(true), facts: { webhook: { verdict: 'error' }, failOpenUsed: 60 }, reason: 'webhook_fail_open_exhausted', retryAfter: 3600 - (NOW % 3600) },
    { name: 'failOpen stops at a configured allowance', rules: hook(true, 3), facts: { webhook: { verdict: 'timeout' }, failOpenUsed: 3 }, reason: 'webhook_fail_open_exhausted', retryAfter: 3600 - (NOW % 3600) },
    { name: "failOpen passes nothing when its count can't be read", rules: hook(true), facts: { webhook: { verdict: 'timeout' } }, reason: 'webhook_fail_open_unknown' },
    { name: 'an answer without a verdict denies', rules: hook(), facts: { webhook: { verdict: 'invalid' } }, reason: 'webhook_error' },
    { name: 'failOpen never passes an answer without a verdict', rules: hook(true), facts: { webhook: { verdict: 'invalid' } }, reason: 'webhook_error' },
    { name: 'failOpen passes a missing verdict', rules: hook(true), facts: { webhook: undefined, failOpenUsed: 0 } },
    { name: 'failOpen never overrides a deny', rules: hook(true), facts: { webhook: { verdict: 'deny' } }, reason: 'webhook_denied' },
    { name: 'not consulted at build', rules: hook(), req: { phase: 'build' }, facts: { webhook: undefined } },
  ]);
});

describe('reason catalogue', () => {
  it('every deny reason is snake_case, has a fix, and is exercised above (no_policy: selectPolicy tests; sessions: sessions.test.ts)', () => {
    for (const r of DENY_REASONS) {
      expect(r).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(REASON_FIXES[r]).toBeTruthy();
    }
    const elsewhere = new Set<string>(['no_policy', ...SESSION_DENY_REASONS]);
    expect(DENY_REASONS.filter((r) => !elsewhere.has(r) && !seenReasons.has(r))).toEqual([]);
  });
});

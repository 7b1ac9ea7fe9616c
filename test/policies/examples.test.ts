/** The shipped example policies parse, and behave as their descriptions claim. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluate, evaluateSession, parsePolicy, selectPolicy, type Policy } from '../../policies/index.ts';
import { JOBS, POOL, TOKEN, call, facts, request } from './fixtures.ts';

const DIR = fileURLToPath(new URL('../../policies/examples/', import.meta.url));
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

function load(file: string): Policy {
  const r = parsePolicy(JSON.parse(readFileSync(DIR + file, 'utf8')));
  if (!r.ok) throw new Error(`${file}: ${JSON.stringify(r.issues)}`);
  return r.policy;
}

describe('examples', () => {
  it('ships the four CIRO examples', () => {
    expect(files).toEqual(['job-submission.json', 'tiers.json', 'worker-rewards.json', 'worker-sessions.json']);
  });

  it.each(files)('%s validates', (file) => {
    const r = parsePolicy(JSON.parse(readFileSync(DIR + file, 'utf8')));
    expect(r.ok ? [] : r.issues).toEqual([]);
  });

  // The sponsor key ships in a dapp's page: a stranger's every new address is a new sender, with fresh per-sender limits.
  it.each(files)('%s bounds what it sponsors a day by a budget no new address resets', (file) => {
    const p = load(file);
    expect(p.rules.budgets?.global, file).toBeDefined();
    expect(['day', 86_400], file).toContain(p.rules.budgets!.global!.period);
  });

  it('ids are unique', () => {
    expect(new Set(files.map((f) => load(f).id)).size).toBe(files.length);
  });

  const worker = load('worker-rewards.json');
  const jobs = load('job-submission.json');
  const tiers = load('tiers.json');
  const fresh = facts({ rateLimits: [0, 1, 2].map(() => ({ remainingPoints: 10, msBeforeNext: 0 })) });

  it('worker-rewards: sponsors heartbeat and claim_rewards at reputation >= 300', () => {
    for (const ep of ['heartbeat', 'claim_rewards']) {
      expect(evaluate(request({ calls: [call(POOL, ep)] }), worker, { ...fresh, reputation: 300 }).allow).toBe(true);
    }
    expect(evaluate(request(), worker, { ...fresh, reputation: 299 }).reason).toBe('reputation_too_low');
    expect(evaluate(request({ calls: [call(POOL, 'stake')] }), worker, fresh).reason).toBe('selector_not_allowed');
    const limited = { ...fresh, rateLimits: [{ remainingPoints: 0, msBeforeNext: 60_000 }, ...fresh.rateLimits!.slice(1)] };
    expect(evaluate(request(), worker, limited)).toMatchObject({ reason: 'rate_limited', rule: 'rateLimits[0]' });
  });

  const submit = (timeout: string) => call(JOBS, 'submit_job', ['3', '0x1234', timeout]);
  const approve = (spender: string, amount: string) => call(TOKEN, 'approve', [spender, amount, '0']);

  it('job-submission: approve + submit_job, capped, and servable in default fee mode', () => {
    const ok = request({ calls: [approve(JOBS, '5000000000000000000'), submit('3600')] });
    expect(evaluate(ok, jobs, fresh).allow).toBe(true);
    expect(evaluate({ ...ok, feeMode: 'default' }, jobs, { ...fresh, budgets: undefined }).allow).toBe(true);
    expect(evaluate(request({ calls: [submit('86401')] }), jobs, fresh).reason).toBe('calldata_constraint');
    expect(evaluate(request({ calls: [approve(POOL, '1')] }), jobs, fresh).reason).toBe('calldata_constraint');
  });

  it('tiers: free tier quota per day, assigned paid tier per month', () => {
    const free = request({ calls: [submit('0')] });
    expect(evaluate(free, tiers, { ...fresh, usage: { txs: 10, fee: 0n } })).toMatchObject({ reason: 'tier_quota_exhausted' });
    const pro = { ...free, sender: '0x466c0b5d7e6f4b5e4fb1d8a0a5c6f5a31c3dd8e4a1b2c3d4e5f60718293a4b5' };
    expect(evaluate(pro, tiers, { ...fresh, usage: { txs: 10, fee: 0n } }).allow).toBe(true);
    expect(evaluate(pro, tiers, { ...fresh, usage: { txs: 5000, fee: 0n } }).reason).toBe('tier_quota_exhausted');
  });

  it('worker-sessions: heartbeat and claim_rewards sessions for up to 7 days, projectID ciro-workers', () => {
    const sessions = load('worker-sessions.json');
    const now = fresh.now;
    const session = {
      account: '0xabc',
      apiKeyId: 'key-1',
      expiresAt: now + 7 * 86_400,
      methods: [{ contract: POOL, selector: 'heartbeat' }, { contract: POOL, selector: 'claim_rewards' }],
      metadata: '{"projectID":"ciro-workers","txFees":[]}',
    };
    expect(evaluateSession(session, sessions, fresh).allow).toBe(true);
    expect(evaluateSession({ ...session, expiresAt: now + 7 * 86_400 + 1 }, sessions, fresh).reason).toBe('session_too_long');
    expect(evaluateSession({ ...session, methods: [{ contract: POOL, selector: 'stake' }] }, sessions, fresh).reason).toBe('session_method_not_allowed');
    expect(evaluateSession({ ...session, metadata: '{"projectID":"other"}' }, sessions, fresh).reason).toBe('session_metadata_mismatch');
    expect(evaluate(request({ calls: [call(POOL, 'heartbeat')] }), sessions, fresh).allow).toBe(true);
    expect(evaluate(request({ calls: [call(POOL, 'heartbeat')] }), sessions, { ...fresh, reputation: 299 }).reason).toBe('reputation_too_low');
    expect(evaluate(request({ calls: [call(POOL, 'register_worker', ['1'])] }), sessions, { ...fresh, reputation: undefined }).allow).toBe(true);
  });

  it('selectPolicy routes worker traffic and job traffic to their policies', () => {
    const all = [tiers, worker, jobs];
    expect(selectPolicy(request(), all, fresh).policy).toBe('worker-rewards');
    expect(selectPolicy(request({ calls: [submit('60')] }), all, fresh).policy).toBe('job-submission');
  });
});

/**
 * Pure policy decisions per second on one core: `evaluate()` of the
 * worker-rewards example (allow list, reputation, two rate limits, three
 * budgets), allowed and refused, against a baseline in the same run: the same
 * request judged by a policy with no rules (the evaluator's fixed cost).
 *
 *   npx tsx bench/decide.ts          # BENCH_MS=1500
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hash } from 'starknet';
import { Bench } from 'tinybench';
import { evaluate, PolicySchema, type PolicyFacts, type PolicyRequest } from '../policies/index.ts';
import { writeReport } from './report.ts';

const POOL = '0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde';
const example = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'policies', 'examples', 'worker-rewards.json'), 'utf8'));
const realistic = PolicySchema.parse(example);
const bare = PolicySchema.parse({ schemaVersion: 1, id: 'bare', name: 'Bare', enabled: true, rules: {} });

const request: PolicyRequest = {
  sender: '0x0abc',
  calls: [{ to: POOL, selector: hash.getSelectorFromName('heartbeat'), entrypoint: 'heartbeat', calldata: [] }],
  feeMode: 'sponsored',
  apiKeyId: 'key-1',
  maxFee: 10n ** 15n,
  phase: 'execute',
};
const facts: PolicyFacts = {
  now: 1_700_000_000,
  contracts: { cdc_pool: POOL, job_mgr: '0x222', ciro_token: '0x333' },
  rateLimits: [{ remainingPoints: 10, msBeforeNext: 0 }, { remainingPoints: 10_000, msBeforeNext: 0 }],
  budgets: { global: 0n, user: 0n },
  reputation: 500,
};
const lowReputation = { ...facts, reputation: 10 };

// The cases must decide as labelled, or the figures are of something else.
if (!evaluate(request, realistic, facts).allow || evaluate(request, realistic, lowReputation).allow) throw new Error('fixtures do not decide as labelled');
// A decision nobody reads could be optimised away; this keeps every one.
let allowed = 0;
const bench = new Bench({ time: Number(process.env.BENCH_MS ?? 1_500), warmupTime: 300 });
bench
  .add('bare policy (baseline)', () => void (allowed += +evaluate(request, bare, facts).allow))
  .add('worker-rewards, allowed', () => void (allowed += +evaluate(request, realistic, facts).allow))
  .add('worker-rewards, refused (reputation)', () => void (allowed += +evaluate(request, realistic, lowReputation).allow));
await bench.run();

const rate = (i: number) => (bench.tasks[i]!.result as unknown as { throughput: { mean: number } }).throughput.mean;
if (allowed === 0) throw new Error('no decision allowed: the fixtures are wrong');
const [base, ok, refused] = [rate(0), rate(1), rate(2)];
writeReport('decide', 'Policy decisions per second (evaluate(), one core)', [
  { what: 'evaluate(), realistic policy, allowed', measured: ok, baseline: base, unit: 'decisions/s', ratio: ok / base, ratioMeans: 'of the bare policy\'s rate', goal: '≥ 200,000 decisions/s' },
  { what: 'evaluate(), realistic policy, refused', measured: refused, baseline: base, unit: 'decisions/s', ratio: refused / base, ratioMeans: 'of the bare policy\'s rate', goal: '≥ 200,000 decisions/s' },
]);

/**
 * End-to-end sponsored throughput (build → sign → execute, landing on devnet)
 * with the embedded memory store vs Redis, measured in one run on one chain so
 * the ratio compares like with like. Also reports the relay's share of an
 * execute: the time spent before the node is asked to add the transaction.
 *
 *   npx tsx bench/relay.ts            # BENCH_TXS=40 BENCH_CONCURRENCY=8
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ec, hash, stark, typedData } from 'starknet';
import { startRelayStack, type RelayStack } from '../test/helpers/relay.ts';
import { startRedis } from '../test/helpers/redis.ts';
import { startLocalChain } from '../scripts/local/chain.ts';
import { writeReport } from './report.ts';

const TXS = Number(process.env.BENCH_TXS ?? 40);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

async function run(s: RelayStack): Promise<{ txPerSec: number; p50ms: number }> {
  const w = s.chain.demo!.worker;
  const calls = [{ to: s.chain.manifest.contracts.cdc_pool.address, selector: hash.getSelectorFromName('heartbeat'), calldata: [] }];
  const params = { version: '0x1', fee_mode: { mode: 'sponsored' } };
  const latencies: number[] = [];
  let next = 0;
  const one = async () => {
    const t0 = performance.now();
    const built = await s.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: w.address, calls } }, parameters: params });
    if (!built.body.result) throw new Error(JSON.stringify(built.body.error));
    const td = built.body.result.typed_data;
    const signature = stark.formatSignature(ec.starkCurve.sign(typedData.getMessageHash(td, w.address), w.privateKey));
    const res = await s.rpc('paymaster_executeTransaction', { transaction: { type: 'invoke', invoke: { user_address: w.address, typed_data: td, signature } }, parameters: params });
    if (!res.body.result) throw new Error(JSON.stringify(res.body.error));
    await s.chain.provider.waitForTransaction(res.body.result.transaction_hash);
    latencies.push(performance.now() - t0);
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next++ < TXS) await one();
  }));
  const secs = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { txPerSec: TXS / secs, p50ms: latencies[Math.floor(latencies.length / 2)]! };
}

// A policy with every stateful rule the relay evaluates on the hot path (rate limit, tier quota,
// budgets), sized so the bench never hits them: the bench measures the cost, not refusals.
const dir = mkdtempSync(join(tmpdir(), 'ciro-bench-'));
writeFileSync(join(dir, 'bench.json'), JSON.stringify({
  schemaVersion: 1, id: 'bench', name: 'bench', enabled: true,
  rules: {
    allow: [{ contract: 'cdc_pool', selectors: ['heartbeat'] }],
    rateLimits: [{ key: 'sender', points: 100000, durationSeconds: 3600, window: 'sliding' }],
    tiers: { default: 't', tiers: { t: { period: 'day', maxTxs: 100000 } } },
    budgets: { global: { maxFee: '1000000000000000000000000', period: 'day' }, perUser: { maxFee: '1000000000000000000000000', period: 'day' } },
  },
}));
const chain = await startLocalChain({ seed: true, relayerCount: 4 });
const redis = await startRedis();
const memory = await startRelayStack({ existingChain: chain, policyDir: dir, policies: ['bench'] });
const shared = await startRelayStack({ existingChain: chain, policyDir: dir, policies: ['bench'], config: { store: { kind: 'redis', url: redis.url } } });
try {
  await run(memory); // warm-up: JIT, class caches, first reputation read
  const m = await run(memory);
  const r = await run(shared);
  writeReport('relay', 'Sponsored transactions landing on devnet: the relay on Redis against the relay on its memory store', [
    { what: `throughput, ${TXS} txs, ${CONCURRENCY} in flight`, measured: r.txPerSec, baseline: m.txPerSec, unit: 'tx/s', ratio: r.txPerSec / m.txPerSec, ratioMeans: 'of the memory store' },
    { what: 'p50 latency', measured: r.p50ms, baseline: m.p50ms, unit: 'ms', ratio: r.p50ms / m.p50ms, ratioMeans: 'of the memory store, lower is better' },
  ]);
} finally {
  await memory.stop();
  await shared.stop();
  await redis.stop();
  await chain.stop();
}

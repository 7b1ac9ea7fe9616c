/**
 * End-to-end latency of one sponsored transaction through the relay (build,
 * sign, execute, receipt) against the same call sent directly by a funded
 * account with starknet.js `account.execute` (the wallet's own estimate,
 * nonce and send), on the same devnet, with the same receipt polling, the two
 * interleaved so both see the same chain. p50 and p95 of each, and their ratio.
 * The relay's share is profiled too: its node round trips by method (count
 * and time per transaction, read through the relay's own transport) and the
 * time spent in build and in execute, written to the JSON report.
 *
 *   npx tsx bench/latency.ts          # BENCH_TXS=30
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash, type Call } from 'starknet';
import { startLocalChain } from '../scripts/local/chain.ts';
import { buildSigned } from '../test/security/helpers.ts';
import { startRelayStack } from '../test/helpers/relay.ts';
import { nodeTransport } from '../relay/entry/nodeTransport.ts';
import { writeReport } from './report.ts';

const TXS = Number(process.env.BENCH_TXS ?? 100);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

const dir = mkdtempSync(join(tmpdir(), 'ciro-bench-'));
writeFileSync(join(dir, 'bench.json'), JSON.stringify({
  schemaVersion: 1, id: 'bench', name: 'bench', enabled: true,
  rules: { allow: [{ contract: 'ciro_token', selectors: ['approve'] }] },
}));
const chain = await startLocalChain({ seed: true, relayerCount: 2 });
// The relay's transport to the node, timed per JSON-RPC method while `profiling` (the relay's share only).
const node = new Map<string, { calls: number; ms: number }>();
let profiling = false;
const transport = nodeTransport(); // the relay's own, wrapped to time it
const timedFetch: typeof fetch = async (input, init) => {
  const t0 = performance.now();
  try {
    return await transport.fetch(input, init);
  } finally {
    if (profiling) {
      const method = String((JSON.parse(String(init?.body ?? '{}')) as { method?: string }).method);
      const m = node.get(method) ?? { calls: 0, ms: 0 };
      node.set(method, { calls: m.calls + 1, ms: m.ms + performance.now() - t0 });
    }
  }
};
const s = await startRelayStack({ existingChain: chain, policyDir: dir, policies: ['bench'], fetch: timedFetch });
const phases = { build: [] as number[], execute: [] as number[], receipt: [] as number[] };
const [viaRelay, direct] = chain.spare;
const token = chain.manifest.contracts.ciro_token.address;
const approve = (n: number) => ({ to: token, selector: hash.getSelectorFromName('approve'), calldata: [chain.manifest.contracts.job_mgr.address, `0x${n.toString(16)}`, '0x0'] });
const wait = (h: string) => chain.provider.waitForTransaction(h, { retryInterval: 100 });

async function relayed(n: number): Promise<number> {
  const t0 = performance.now();
  const { params } = await buildSigned(s, viaRelay!, [approve(n)]);
  const t1 = performance.now();
  const res = await s.rpc('paymaster_executeTransaction', params);
  if (!res.body.result) throw new Error(JSON.stringify(res.body.error));
  const t2 = performance.now();
  await wait(res.body.result.transaction_hash);
  const t3 = performance.now();
  phases.build.push(t1 - t0);
  phases.execute.push(t2 - t1);
  phases.receipt.push(t3 - t2);
  return t3 - t0;
}

async function sentDirectly(n: number): Promise<number> {
  const t0 = performance.now();
  const a = approve(n);
  const call: Call = { contractAddress: a.to, entrypoint: 'approve', calldata: a.calldata };
  const { transaction_hash } = await direct!.account.execute(call);
  await wait(transaction_hash);
  return performance.now() - t0;
}

try {
  await relayed(1); // warm-up: JIT, class and reputation caches, first estimates
  await sentDirectly(1);
  phases.build.length = phases.execute.length = phases.receipt.length = 0;
  const r: number[] = [];
  const d: number[] = [];
  for (let i = 0; i < TXS; i++) {
    profiling = true;
    r.push(await relayed(i + 2));
    profiling = false;
    d.push(await sentDirectly(i + 2));
  }
  // Per relayed transaction: the relay's node round trips, and where the wall time went (p50 of each phase).
  const relayShare = {
    nodeRoundTrips: Object.fromEntries([...node].map(([m, v]) => [m, { perTx: v.calls / TXS, msPerTx: +(v.ms / TXS).toFixed(2) }])),
    p50ms: { buildAndSign: pct(phases.build, 50), execute: pct(phases.execute, 50), receipt: pct(phases.receipt, 50) },
  };
  console.log(JSON.stringify(relayShare, null, 2));
  const row = (p: number) => ({
    what: `p${p} build → receipt (${TXS} each, interleaved)`,
    measured: pct(r, p),
    baseline: pct(d, p),
    unit: 'ms',
    ratio: pct(r, p) / pct(d, p),
    ratioMeans: 'relay time / direct time; lower is better',
    goal: '≤ 1.15×, aim 1.0×',
  });
  writeReport('latency', 'Sponsored transaction through the relay vs sent directly (devnet)', [row(50), row(95)], { relayShare });
} finally {
  await s.stop();
  await chain.stop();
  await transport.close();
}

/**
 * Sustained throughput: sponsored transactions per second through the relay
 * (build, sign, execute, receipt) with 1, 2, 4 and 8 relayers, against direct
 * invokes (`account.execute`, receipt) from 4 funded accounts, on one devnet,
 * with the same receipt polling. The ratio row is the issue's: 4 relayers vs
 * 4 funded accounts. Every transaction must end accepted and succeeded; a
 * failure stops the bench instead of counting as throughput.
 *
 * Offered load: BENCH_USERS accounts (default 8) each keep one sponsored
 * transaction in flight, so more relayers can only help if the relay has
 * work for them; a direct account can only keep one in flight (its nonce).
 *
 * The relay's node round trips per sponsored transaction are counted by
 * method (a simulation retried after a relayer's nonce moved shows here).
 *
 *   npx tsx bench/throughput.ts       # BENCH_SECONDS=30 BENCH_USERS=8 BENCH_RELAYERS=1,2,4,8
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash, type Call } from 'starknet';
import { startLocalChain } from '../scripts/local/chain.ts';
import type { KeyedAccount } from '../scripts/local/accounts.ts';
import { buildSigned } from '../test/security/helpers.ts';
import { startRelayStack, type RelayStack } from '../test/helpers/relay.ts';
import { writeReport, type BenchRow } from './report.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const USERS = Number(process.env.BENCH_USERS ?? 8);
const DIRECT = 4;
const RELAYERS = (process.env.BENCH_RELAYERS ?? '1,2,4,8').split(',').map(Number);

const dir = mkdtempSync(join(tmpdir(), 'ciro-bench-'));
writeFileSync(join(dir, 'bench.json'), JSON.stringify({
  schemaVersion: 1, id: 'bench', name: 'bench', enabled: true,
  rules: { allow: [{ contract: 'ciro_token', selectors: ['approve'] }] },
}));
const maxRelayers = Math.max(...RELAYERS);
// deployer, relayers, the client, then the spare accounts: DIRECT senders and USERS for the relay.
const chain = await startLocalChain({ relayerCount: maxRelayers, devnet: { accounts: maxRelayers + 2 + DIRECT + USERS } });
const direct = chain.spare.slice(0, DIRECT);
const users = chain.spare.slice(DIRECT, DIRECT + USERS);
if (users.length < USERS) throw new Error(`devnet gave ${chain.spare.length} spare accounts`);
const token = chain.manifest.contracts.ciro_token.address;
let n = 0;
const approve = () => ({ to: token, selector: hash.getSelectorFromName('approve'), calldata: [chain.manifest.contracts.job_mgr.address, `0x${(++n).toString(16)}`, '0x0'] });

async function waitOk(txHash: string): Promise<void> {
  const receipt = await chain.provider.waitForTransaction(txHash, { retryInterval: 100 });
  if (!receipt.isSuccess()) throw new Error(`${txHash} did not succeed: ${JSON.stringify(receipt.value)}`);
}

/** Each sender loops one transaction at a time until the window closes; returns completed transactions per second. */
async function sustained(senders: number, one: (i: number) => Promise<void>): Promise<{ txs: number; perSecond: number }> {
  const t0 = performance.now();
  const until = t0 + SECONDS * 1000;
  let txs = 0;
  await Promise.all(Array.from({ length: senders }, async (_, i) => {
    while (performance.now() < until) {
      await one(i);
      txs++;
    }
  }));
  return { txs, perSecond: txs / ((performance.now() - t0) / 1000) };
}

/** Wall time of each step of every relayed transaction in the current run (ms). */
const steps = { build: [] as number[], execute: [] as number[], receipt: [] as number[] };
const p50 = (xs: number[]) => Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN);

async function relayed(s: RelayStack, who: KeyedAccount): Promise<void> {
  const t0 = performance.now();
  const { params } = await buildSigned(s, who, [approve()]);
  const t1 = performance.now();
  const res = await s.rpc('paymaster_executeTransaction', params);
  if (!res.body.result) throw new Error(JSON.stringify(res.body.error));
  const t2 = performance.now();
  await waitOk(res.body.result.transaction_hash);
  steps.build.push(t1 - t0);
  steps.execute.push(t2 - t1);
  steps.receipt.push(performance.now() - t2);
}

async function sentDirectly(who: KeyedAccount): Promise<void> {
  const a = approve();
  const call: Call = { contractAddress: a.to, entrypoint: 'approve', calldata: a.calldata };
  const { transaction_hash } = await who.account.execute(call);
  await waitOk(transaction_hash);
}

try {
  await sentDirectly(direct[0]!); // warm-up
  const baseline = await sustained(DIRECT, (i) => sentDirectly(direct[i]!));
  console.log(`direct, ${DIRECT} accounts: ${baseline.perSecond.toFixed(2)} tx/s (${baseline.txs} txs)`);
  const rows: BenchRow[] = [];
  const scaling: Record<string, { txs: number; perSecond: number; nodeCallsPerTx: Record<string, number>; p50ms: Record<string, number> }> = {};
  for (const count of RELAYERS) {
    const relayers = chain.relayers.slice(0, count).map((r) => ({ address: r.address, privateKey: r.privateKey }));
    const calls: Record<string, number> = {};
    const counted: typeof fetch = (input, init) => {
      const method = String((JSON.parse(String(init?.body ?? '{}')) as { method?: string }).method);
      calls[method] = (calls[method] ?? 0) + 1;
      return fetch(input, init);
    };
    const s = await startRelayStack({ existingChain: chain, policyDir: dir, policies: ['bench'], config: { relayers }, fetch: counted });
    try {
      await relayed(s, users[0]!); // warm-up: class caches, JIT
      for (const m of Object.keys(calls)) delete calls[m];
      for (const xs of Object.values(steps)) xs.length = 0;
      const r = await sustained(USERS, (i) => relayed(s, users[i]!));
      const perTx = Object.fromEntries(Object.entries(calls).map(([m, n]) => [m, +(n / r.txs).toFixed(2)]));
      const p50ms = { build: p50(steps.build), execute: p50(steps.execute), receipt: p50(steps.receipt) };
      scaling[count] = { ...r, nodeCallsPerTx: perTx, p50ms };
      console.log(JSON.stringify({ perTx, p50ms }));
      console.log(`relay, ${count} relayer(s), ${USERS} users: ${r.perSecond.toFixed(2)} tx/s (${r.txs} txs)`);
      rows.push({
        what: `sponsored, ${count} relayer${count > 1 ? 's' : ''}, ${USERS} users in flight (${SECONDS} s)`,
        measured: r.perSecond,
        baseline: baseline.perSecond,
        unit: 'tx/s',
        ratio: r.perSecond / baseline.perSecond,
        ratioMeans: `of direct invokes from ${DIRECT} funded accounts`,
        ...(count === 4 ? { goal: '≥ 0.8×' } : {}),
      });
    } finally {
      await s.stop();
    }
  }
  writeReport('throughput', 'Sustained sponsored throughput vs direct invokes (devnet)', rows, { baseline, scaling, users: USERS, seconds: SECONDS });
} finally {
  await chain.stop();
}

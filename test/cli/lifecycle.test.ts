/**
 * The CIRO lifecycle from a terminal, end to end on devnet, with the real
 * `ciro` bin against a relay on a real socket. A worker and a client start
 * from fresh keys and never hold STRK: the relay deploys the worker's account
 * (SNIP-29 deploy) and the client's with its first job (deploy_and_invoke);
 * the worker registers, stakes and sends heartbeats; the client submits a
 * job, the coordinator (the deployer, COORDINATOR_ROLE) assigns it, a pause
 * moves the deadline `job status` shows, the worker completes it and the
 * client reads the result; then `worker run`
 * keeps the worker online on the pool's schedule, claims the job's reward
 * above its threshold and stops cleanly on SIGTERM. Every write's transaction
 * is checked to have been sent by one of the relay's relayers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hash, num } from 'starknet';
import { executeAndWait } from '../../scripts/local/accounts.ts';
import { increaseTime } from '../../scripts/local/devnet.ts';
import { CIRO, call, u256 } from '../../scripts/local/seed.ts';
import { balanceOf, STRK } from '../helpers/relay.ts';
import { shown, startCliStack, type CliStack, type Run } from './harness.ts';

const HEARTBEAT_TIMEOUT = 4;
let st: CliStack;
let relayerStrkBefore: bigint;
const worker = { file: '', address: '' };
const client = { file: '', address: '' };
let jobId = '';

const relayerStrk = async () => {
  let sum = 0n;
  for (const r of st.s.chain.relayers) sum += await balanceOf(st.s.chain.provider, STRK, r.address);
  return sum;
};
const strkOf = (a: string) => balanceOf(st.s.chain.provider, STRK, a);
/** Transactions the relayers have sent so far (their nonces). */
const relayerTxCount = async () => (await Promise.all(st.s.chain.relayers.map((r) => st.s.chain.provider.getNonceForAddress(r.address)))).reduce((a, n) => a + BigInt(n), 0n);
const ciroOf = (a: string) => balanceOf(st.s.chain.provider, st.s.chain.manifest.contracts.ciro_token.address, a);

/** `ciro --json --key-file <who> args…`: exits 0 and answers one JSON object. */
async function ok(who: { file: string }, args: string[]): Promise<Record<string, any>> {
  const r = await st.ciro(['--json', '--key-file', who.file, ...args]);
  expect(r.code, shown(r)).toBe(0);
  expect(r.json, shown(r)).toHaveLength(1);
  return r.json[0]!;
}

/** A write: sponsored, tracked, and sent on chain by one of the relay's relayers, not by the user. */
async function expectSponsored(res: Record<string, any>) {
  expect(res).toMatchObject({ ok: true, sponsored: true });
  expect(res.tracking_id).toMatch(/^0x[0-9a-f]+$/);
  expect(res.transaction_hash).toMatch(/^0x[0-9a-f]{64}$/);
  const tx = (await st.s.chain.provider.getTransactionByHash(res.transaction_hash)) as { sender_address?: string };
  const relayers = st.s.chain.relayers.map((r) => BigInt(r.address));
  expect(relayers).toContain(BigInt(tx.sender_address!));
}

beforeAll(async () => {
  st = await startCliStack({ chain: { seed: true, deploy: { heartbeatTimeout: HEARTBEAT_TIMEOUT } } });
  worker.file = `${st.home}/worker.json`;
  client.file = `${st.home}/client.json`;
  relayerStrkBefore = await relayerStrk();
}, 300_000);
afterAll(async () => st?.close());

describe('a worker with 0 STRK', () => {
  it('creates a key and has the relay deploy its account', async () => {
    const created = await ok(worker, ['account', 'create']);
    worker.address = created.address;
    expect(BigInt(created.class_hash)).toBe(BigInt(st.s.chain.manifest.accountClassHashes[0]!));
    expect(await st.s.chain.provider.getClassHashAt(worker.address).catch(() => null)).toBeNull();

    const deployed = await ok(worker, ['account', 'deploy']);
    await expectSponsored(deployed);
    expect(deployed.deployed_account).toBe(true);
    expect(BigInt(await st.s.chain.provider.getClassHashAt(worker.address))).toBe(BigInt(created.class_hash));
    expect(await strkOf(worker.address)).toBe(0n);
  });

  it('registers and stakes (approve + stake in one sponsored transaction)', async () => {
    // The stake itself is CIRO the worker earned elsewhere: the deployer hands it over.
    const token = st.s.chain.manifest.contracts.ciro_token.address;
    await executeAndWait(st.s.chain.deployer.account, call(token, 'transfer', [worker.address, ...u256(100n * CIRO)]));
    await expectSponsored(await ok(worker, ['worker', 'register', '--capabilities', '1']));
    const staked = await ok(worker, ['worker', 'stake', '100']);
    await expectSponsored(staked);
    expect(staked.staked).toBe((100n * CIRO).toString());
    expect(await ciroOf(worker.address)).toBe(0n);
    expect(await strkOf(worker.address)).toBe(0n);
  });

  it('sends a heartbeat and is online', async () => {
    await expectSponsored(await ok(worker, ['worker', 'heartbeat']));
    const status = await ok(worker, ['worker', 'status']);
    expect(status).toMatchObject({ registered: true, active: true, online: true, heartbeat_timeout: String(HEARTBEAT_TIMEOUT), reputation: '500' });
  });
});

describe('a client with 0 STRK submits a job, the worker completes it', () => {
  it('submits its first job and deploys its account in the same transaction', async () => {
    client.address = (await ok(client, ['account', 'create'])).address;
    const token = st.s.chain.manifest.contracts.ciro_token.address;
    await executeAndWait(st.s.chain.deployer.account, call(token, 'transfer', [client.address, ...u256(50n * CIRO)]));
    const submitted = await ok(client, ['job', 'submit', '--model', '1', '--input', 'translate: bonjour']);
    await expectSponsored(submitted);
    expect(submitted.deployed_account).toBe(true);
    expect(BigInt(submitted.input_hash)).toBe(hash.starknetKeccak('translate: bonjour'));
    jobId = submitted.job_id;
    expect(await ciroOf(client.address)).toBe(40n * CIRO);
    expect((await ok(client, ['job', 'status', jobId])).status).toBe('Pending');
  });

  it('the result is unavailable until the assigned worker completes the job', async () => {
    const none = await st.ciro(['--json', '--key-file', client.file, 'job', 'result', jobId]);
    expect(none.code, shown(none)).toBe(1);
    expect(none.json[0]).toMatchObject({ ok: false, reason: 'no_result' });

    const jobs = st.s.chain.manifest.contracts.job_mgr.address;
    await executeAndWait(st.s.chain.deployer.account, call(jobs, 'assign_job', [jobId, worker.address]));
    // The deadline JobMgr enforces (job_deadline): the one set at assignment, later by a pause while it lasts.
    const assigned = await ok(client, ['job', 'status', jobId]);
    expect(assigned.due).toBe(assigned.deadline);
    await executeAndWait(st.s.chain.deployer.account, call(jobs, 'pause', []));
    // One second on (a longer jump would shift the chain's clock from the worker's schedule below).
    await increaseTime(st.s.chain.devnet.url, 1);
    const paused = await ok(client, ['job', 'status', jobId]);
    expect(BigInt(paused.due) - BigInt(paused.deadline)).toBeGreaterThanOrEqual(1n);
    await executeAndWait(st.s.chain.deployer.account, call(jobs, 'unpause', []));
    const done = await ok(worker, ['job', 'complete', jobId, '--result', 'hello']);
    await expectSponsored(done);

    const result = await ok(client, ['job', 'result', jobId]);
    expect(result).toMatchObject({ status: 'Completed', worker: num.toHex64(worker.address) });
    expect(BigInt(result.result_hash)).toBe(hash.starknetKeccak('hello'));
    expect((await ok(worker, ['worker', 'rewards'])).pending_rewards).toBe((10n * CIRO).toString());
    expect(await strkOf(client.address)).toBe(0n);
  });
});

describe('worker run', () => {
  it("heartbeats on the pool's schedule, claims above the threshold, stops cleanly on SIGTERM", async () => {
    const run = st.start(['--json', '--key-file', worker.file, 'worker', 'run', '--claim-threshold', '5']);
    const events = () => run.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !(events().filter((e) => e.event === 'heartbeat').length >= 3 && events().some((e) => e.event === 'claim'))) {
      await new Promise((r) => setTimeout(r, 200));
    }
    run.child.kill('SIGTERM');
    const r: Run = await run.done;
    expect(r.code, shown(r)).toBe(0);
    const [started, ...rest] = r.json;
    expect(started).toMatchObject({ event: 'started', heartbeat_timeout: HEARTBEAT_TIMEOUT, interval: HEARTBEAT_TIMEOUT / 2 });
    expect(rest.at(-1)).toMatchObject({ event: 'stopped', signal: 'SIGTERM', claims: 1 });
    const beats = rest.filter((e) => e.event === 'heartbeat');
    expect(beats.length).toBeGreaterThanOrEqual(3);
    // On schedule: half the pool's timeout apart (less the time a heartbeat takes to land), never in a burst.
    for (let i = 1; i < beats.length; i++) {
      expect(Date.parse(beats[i]!.at) - Date.parse(beats[i - 1]!.at)).toBeGreaterThanOrEqual((HEARTBEAT_TIMEOUT / 2) * 1000 - 600);
    }
    for (const e of [...beats, rest.find((x) => x.event === 'claim')!]) await expectSponsored(e);
    expect(rest.find((e) => e.event === 'claim')!.claimed).toBe((10n * CIRO).toString());
    expect(await ciroOf(worker.address)).toBe(10n * CIRO);
    expect((await ok(worker, ['worker', 'rewards'])).pending_rewards).toBe('0');
  });

  it('the client cancels a pending job and gets its escrow back', async () => {
    const submitted = await ok(client, ['job', 'submit', '--model', '1', '--input-hash', '0x1234']);
    const cancelled = await ok(client, ['job', 'cancel', submitted.job_id]);
    await expectSponsored(cancelled);
    expect((await ok(client, ['job', 'status', submitted.job_id])).status).toBe('Cancelled');
    expect(await ciroOf(client.address)).toBe(40n * CIRO);
  });

  it('the worker unstakes, and withdraws once its jobs are settled and the pool delay has passed on chain', async () => {
    // A job assigned before the unstake (an active worker's) holds it: refused before anything is sent, the open job counted.
    const second = await ok(client, ['job', 'submit', '--model', '1', '--input', 'second']);
    await executeAndWait(st.s.chain.deployer.account, call(st.s.chain.manifest.contracts.job_mgr.address, 'assign_job', [second.job_id, worker.address]));
    expect((await ok(worker, ['worker', 'status'])).open_jobs).toBe('1');
    const requested = await ok(worker, ['worker', 'unstake', '40']);
    await expectSponsored(requested);
    expect(requested.pending_unstake).toBe((40n * CIRO).toString());
    const txsBefore = await relayerTxCount();
    const held = await st.ciro(['--json', '--key-file', worker.file, 'worker', 'withdraw']);
    expect(held.code, shown(held)).toBe(3);
    expect(held.json[0]).toMatchObject({ reason: 'jobs_open', data: { open_jobs: '1' } });
    expect(await relayerTxCount()).toBe(txsBefore);
    await expectSponsored(await ok(worker, ['job', 'complete', second.job_id, '--result', 'done']));
    expect((await ok(worker, ['worker', 'status'])).open_jobs).toBe('0');
    const early = await st.ciro(['--json', '--key-file', worker.file, 'worker', 'withdraw']);
    expect(early.code, shown(early)).toBe(3);
    expect(early.json[0]).toMatchObject({ reason: 'execution_reverted' });
    expect(early.json[0]!.details).toContain('unstake locked');
    await increaseTime(st.s.chain.devnet.url, 3601);
    await expectSponsored(await ok(worker, ['worker', 'withdraw']));
    expect(await ciroOf(worker.address)).toBe(50n * CIRO);
  });

  it('nothing was paid by the worker or the client; the relayers paid for all of it', async () => {
    expect(await strkOf(worker.address)).toBe(0n);
    expect(await strkOf(client.address)).toBe(0n);
    expect(await relayerStrk()).toBeLessThan(relayerStrkBefore);
  });
});

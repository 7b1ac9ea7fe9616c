/**
 * JobMgr on a real devnet: model registry and the job lifecycle with escrow
 * (submit, assign, complete, cancel). Expiry, disputes, configuration and
 * pausing live in job-mgr.lifecycle.ts and share this file's devnet.
 * Tests run in order and build on each other's state.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { hash, type Contract } from 'starknet';
import {
  blockTime,
  expectBlockTime,
  CIRO,
  eventsNamed,
  expectAddress,
  expectTxRevert,
  felt,
  MAX_U256,
  oneEvent,
  populate,
  ROLES,
  send,
  useCiroChain,
  view,
} from '../helpers/contracts.ts';
import { describeJobLifecycle, jobStatus, type Job, type JobCtx } from './job-mgr.lifecycle.ts';

const H1 = hash.starknetKeccak('model-one').toString();
const H2 = hash.starknetKeccak('model-two').toString();
const PRICE = 10n * CIRO;

const ctx = {} as JobCtx;
let jobs: Contract;

const job = (id: bigint | number) => view<Job>(jobs, 'get_job', [id]);
const call = (fn: string, args: unknown[] = []) => populate(jobs, fn, args);

const suite = useCiroChain();

beforeAll(async () => {
  const { chain, jobs: j, pool, token } = suite;
  jobs = j;
  Object.assign(ctx, {
    chain,
    jobs,
    pool,
    token,
    admin: chain.deployer,
    client: chain.client,
    worker: chain.spare[0]!,
    idle: chain.spare[1]!,
    stranger: chain.relayers[1]!,
  } satisfies JobCtx);
  const { admin, client, worker, idle } = ctx;
  await send(admin.account, [
    populate(token, 'transfer', [client.address, 1000n * CIRO]),
    populate(token, 'transfer', [worker.address, 100n * CIRO]),
  ]);
  await send(worker.account, [
    populate(pool, 'register_worker', [3]),
    populate(token, 'approve', [pool.address, 100n * CIRO]),
    populate(pool, 'stake', [100n * CIRO]),
  ]);
  await send(idle.account, populate(pool, 'register_worker', [3]));
  await send(client.account, populate(token, 'approve', [jobs.address, MAX_U256]));
});

describe('JobMgr model registry (MODEL_ADMIN_ROLE)', () => {
  it('register_model rejects a non-admin and a zero hash', async () => {
    const { stranger, admin } = ctx;
    expect(await view(jobs, 'has_role', [ROLES.MODEL_ADMIN, stranger.address])).toBe(false);
    await expectTxRevert(stranger.account, call('register_model', [H1, 1, PRICE]), 'AC: missing role');
    await expectTxRevert(admin.account, call('register_model', [0, 1, PRICE]), 'JOB: model hash zero');
  });

  it('register_model stores the model and returns sequential ids', async () => {
    const r = await send(ctx.admin.account, [
      call('register_model', [H1, 1, PRICE]),
      call('register_model', [H2, 4, PRICE]), // needs capability bit 4, which no worker has
      call('register_model', [H1, 0, 0n]),
    ]);
    const evs = eventsNamed(jobs, r, 'ModelRegistered');
    expect(evs.map((e) => e.model_id)).toEqual([1n, 2n, 3n]);
    expect(evs[0]!.price).toBe(PRICE);
    expect(await view(jobs, 'model_count')).toBe(3n);
    const m = await view<Record<string, unknown>>(jobs, 'get_model', [1]);
    expect(m.id).toBe(1n);
    expect(BigInt(m.model_hash as string)).toBe(BigInt(H1));
    expect(m.requirements).toBe(1n);
    expect(m.price).toBe(PRICE);
    expect(m.active).toBe(true);
    expectBlockTime(m.created_at, await blockTime(ctx.chain.provider, r));
    const all = await view<Record<string, unknown>[]>(jobs, 'get_models', [0, 10]);
    expect(all.map((x) => x.id)).toEqual([1n, 2n, 3n]);
    expect((await view<Record<string, unknown>[]>(jobs, 'get_models', [2, 10])).map((x) => x.id)).toEqual([3n]);
  });

  it('update_model checks role, id and hash, then rewrites the model', async () => {
    const { stranger, admin } = ctx;
    await expectTxRevert(stranger.account, call('update_model', [3, H2, 0, 1n]), 'AC: missing role');
    await expectTxRevert(admin.account, call('update_model', [0, H2, 0, 1n]), 'JOB: unknown model');
    await expectTxRevert(admin.account, call('update_model', [99, H2, 0, 1n]), 'JOB: unknown model');
    await expectTxRevert(admin.account, call('update_model', [3, 0, 0, 1n]), 'JOB: model hash zero');
    const r = await send(admin.account, call('update_model', [3, H2, 2, 5n * CIRO]));
    const ev = oneEvent(jobs, r, 'ModelUpdated');
    expect([ev.model_id, ev.requirements, ev.price]).toEqual([3n, 2n, 5n * CIRO]);
    const m = await view<Record<string, unknown>>(jobs, 'get_model', [3]);
    expect(BigInt(m.model_hash as string)).toBe(BigInt(H2));
    expect(m.price).toBe(5n * CIRO);
  });

  it('deactivate_model checks role and id, and only deactivates once', async () => {
    const { stranger, admin } = ctx;
    await expectTxRevert(stranger.account, call('deactivate_model', [3]), 'AC: missing role');
    await expectTxRevert(admin.account, call('deactivate_model', [4]), 'JOB: unknown model');
    const r = await send(admin.account, call('deactivate_model', [3]));
    expect(oneEvent(jobs, r, 'ModelDeactivated').model_id).toBe(3n);
    expect((await view<Record<string, unknown>>(jobs, 'get_model', [3])).active).toBe(false);
    await expectTxRevert(admin.account, call('deactivate_model', [3]), 'JOB: model inactive');
  });
});

describe('JobMgr submit / assign / complete / cancel', () => {
  it('submit_job rejects unknown and inactive models and a missing allowance', async () => {
    const { client, stranger } = ctx;
    await expectTxRevert(client.account, call('submit_job', [0, felt('in'), 0]), 'JOB: unknown model');
    await expectTxRevert(client.account, call('submit_job', [9, felt('in'), 0]), 'JOB: unknown model');
    await expectTxRevert(client.account, call('submit_job', [3, felt('in'), 0]), 'JOB: model inactive');
    await expectTxRevert(stranger.account, call('submit_job', [1, felt('in'), 0]), 'ERC20: insufficient allowance');
  });

  it('submit_job escrows the price and records a Pending job with the default timeout', async () => {
    const { client, token } = ctx;
    const escrowBefore = await view<bigint>(token, 'balance_of', [jobs.address]);
    const r = await send(client.account, call('submit_job', [1, felt('input-1'), 0]));
    const ev = oneEvent(jobs, r, 'JobSubmitted');
    expect(ev.job_id).toBe(1n);
    expectAddress(ev.client, client.address);
    expect([ev.model_id, ev.price]).toEqual([1n, PRICE]);
    expect(await view<bigint>(token, 'balance_of', [jobs.address])).toBe(escrowBefore + PRICE);
    const j = await job(1);
    expect(jobStatus(j)).toBe('Pending');
    expect(j.timeout).toBe(3600n);
    expect(BigInt(j.input_hash as string)).toBe(BigInt(felt('input-1')));
    expect(await view(jobs, 'job_count')).toBe(1n);
  });

  it('assign_job checks role, job, status, worker activity and capabilities', async () => {
    const { admin, stranger, worker, idle, client } = ctx;
    await expectTxRevert(stranger.account, call('assign_job', [1, worker.address]), 'AC: missing role');
    await expectTxRevert(admin.account, call('assign_job', [0, worker.address]), 'JOB: unknown job');
    await expectTxRevert(admin.account, call('assign_job', [2, worker.address]), 'JOB: unknown job');
    await expectTxRevert(admin.account, call('assign_job', [1, idle.address]), 'JOB: worker not active');
    await send(client.account, call('submit_job', [2, felt('input-2'), 0])); // job 2 needs bit 4
    await expectTxRevert(admin.account, call('assign_job', [2, worker.address]), 'JOB: missing capabilities');
  });

  it('assign_job sets worker, deadline and status', async () => {
    const { admin, worker } = ctx;
    const r = await send(admin.account, call('assign_job', [1, worker.address]));
    const ev = oneEvent(jobs, r, 'JobAssigned');
    const j = await job(1);
    expectBlockTime(j.assigned_at, await blockTime(ctx.chain.provider, r));
    expect(ev.deadline).toBe((j.assigned_at as bigint) + 3600n);
    expect(j.deadline).toBe(ev.deadline);
    expect(jobStatus(j)).toBe('Assigned');
    expectAddress(j.worker, worker.address);
    await expectTxRevert(admin.account, call('assign_job', [1, worker.address]), 'JOB: not pending');
  });

  it('complete_job checks caller and result hash', async () => {
    const { stranger, worker } = ctx;
    await expectTxRevert(stranger.account, call('complete_job', [1, felt('out')]), 'JOB: not assigned worker');
    await expectTxRevert(worker.account, call('complete_job', [1, 0]), 'JOB: result hash zero');
    await expectTxRevert(worker.account, call('complete_job', [99, felt('out')]), 'JOB: unknown job');
  });

  it('complete_job pays the escrow into the pool as reward and adds reputation', async () => {
    const { worker, pool, token } = ctx;
    const escrowBefore = await view<bigint>(token, 'balance_of', [jobs.address]);
    const r = await send(worker.account, call('complete_job', [1, felt('out-1')]));
    const ev = oneEvent(jobs, r, 'JobCompleted');
    expectAddress(ev.worker, worker.address);
    expect(ev.payment).toBe(PRICE);
    expect(oneEvent(pool, r, 'RewardCredited').amount).toBe(PRICE);
    expect(await view<bigint>(token, 'balance_of', [jobs.address])).toBe(escrowBefore - PRICE);
    expect(await view(pool, 'pending_rewards', [worker.address])).toBe(PRICE);
    expect(await view(pool, 'get_reputation', [worker.address])).toBe(510n);
    const j = await job(1);
    expect(jobStatus(j)).toBe('Completed');
    expect(BigInt(j.result_hash as string)).toBe(BigInt(felt('out-1')));
    expectBlockTime(j.completed_at, await blockTime(ctx.chain.provider, r));
    await expectTxRevert(worker.account, call('complete_job', [1, felt('out-1')]), 'JOB: not assigned');
  });

  it('cancel_job refunds a pending job to its client only', async () => {
    const { client, stranger, token } = ctx;
    await expectTxRevert(stranger.account, call('cancel_job', [2]), 'JOB: not client');
    await expectTxRevert(client.account, call('cancel_job', [1]), 'JOB: not pending');
    const before = await view<bigint>(token, 'balance_of', [client.address]);
    const r = await send(client.account, call('cancel_job', [2]));
    const ev = oneEvent(jobs, r, 'JobCancelled');
    expect([ev.job_id, ev.refund]).toEqual([2n, PRICE]);
    expect(await view<bigint>(token, 'balance_of', [client.address])).toBe(before + PRICE);
    expect(jobStatus(await job(2))).toBe('Cancelled');
    await expectTxRevert(client.account, call('cancel_job', [2]), 'JOB: not pending');
  });
});

describeJobLifecycle(() => ctx);

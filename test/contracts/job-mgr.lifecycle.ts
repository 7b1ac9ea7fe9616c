/**
 * JobMgr expiry, disputes, list views, configuration and pausing; registered
 * into job-mgr.test.ts so they share its devnet. Expects the state that file
 * leaves: model 1 (capability 1, 10 CIRO) active, job 1 Completed, job 2
 * Cancelled, the worker at reputation 510.
 */
import { describe, expect, it } from 'vitest';
import type { CairoCustomEnum, Contract } from 'starknet';
import type { LocalChain } from '../../scripts/local/chain.ts';
import type { KeyedAccount } from '../../scripts/local/accounts.ts';
import { increaseTime } from '../../scripts/local/devnet.ts';
import { CIRO, expectAddress, expectTxRevert, felt, oneEvent, populate, send, view } from '../helpers/contracts.ts';

export interface JobCtx {
  chain: LocalChain;
  jobs: Contract;
  pool: Contract;
  token: Contract;
  admin: KeyedAccount;
  client: KeyedAccount;
  /** Registered, staked, capabilities 3. */
  worker: KeyedAccount;
  /** Registered, never staked. */
  idle: KeyedAccount;
  /** No role, no relation to any job. */
  stranger: KeyedAccount;
}

export type Job = Record<string, unknown> & { status: CairoCustomEnum };

export const jobStatus = (j: Job): string => j.status.activeVariant();

const PRICE = 10n * CIRO;

export function describeJobLifecycle(get: () => JobCtx): void {
  const call = (fn: string, args: unknown[] = []) => populate(get().jobs, fn, args);
  const job = (id: number) => view<Job>(get().jobs, 'get_job', [id]);
  const ciro = (who: KeyedAccount) => view<bigint>(get().token, 'balance_of', [who.address]);
  const rep = () => view<bigint>(get().pool, 'get_reputation', [get().worker.address]);

  describe('JobMgr expiry', () => {
    it('expire_job only after the deadline; complete_job is refused past it', async () => {
      const { admin, client, worker, stranger, jobs, chain } = get();
      await send(client.account, call('submit_job', [1, felt('input-3'), 100])); // job 3
      expect((await job(3)).timeout).toBe(100n);
      await send(admin.account, call('assign_job', [3, worker.address]));
      await expectTxRevert(stranger.account, call('expire_job', [3]), 'JOB: not expired');
      await expectTxRevert(stranger.account, call('expire_job', [1]), 'JOB: not expired');
      await increaseTime(chain.devnet.url, 101);
      await expectTxRevert(worker.account, call('complete_job', [3, felt('late')]), 'JOB: deadline passed');
      const before = await ciro(client);
      const r = await send(stranger.account, call('expire_job', [3]));
      const ev = oneEvent(jobs, r, 'JobExpired');
      expect([ev.job_id, ev.refund]).toEqual([3n, PRICE]);
      expect(await ciro(client)).toBe(before + PRICE);
      expect(jobStatus(await job(3))).toBe('Expired');
      expect(await rep()).toBe(460n);
      await expectTxRevert(stranger.account, call('expire_job', [3]), 'JOB: not expired');
    });
  });

  describe('JobMgr disputes', () => {
    it('open_dispute needs a party and an Assigned job', async () => {
      const { admin, client, worker, stranger, jobs } = get();
      await send(client.account, [call('submit_job', [1, felt('input-4'), 0]), call('submit_job', [1, felt('input-5'), 0])]);
      await send(admin.account, call('assign_job', [4, worker.address]));
      await expectTxRevert(stranger.account, call('open_dispute', [4, felt('why')]), 'JOB: not party');
      await expectTxRevert(client.account, call('open_dispute', [5, felt('why')]), 'JOB: not assigned');
      const r = await send(client.account, call('open_dispute', [4, felt('wrong output')]));
      const ev = oneEvent(jobs, r, 'DisputeOpened');
      expectAddress(ev.by, client.address);
      expect(BigInt(ev.reason as string)).toBe(BigInt(felt('wrong output')));
      const j = await job(4);
      expect(jobStatus(j)).toBe('Disputed');
      expect(BigInt(j.dispute_reason as string)).toBe(BigInt(felt('wrong output')));
      await expectTxRevert(worker.account, call('complete_job', [4, felt('out')]), 'JOB: not assigned');
    });

    it('resolve_dispute is ARBITER only and needs a Disputed job', async () => {
      const { admin, stranger } = get();
      await expectTxRevert(stranger.account, call('resolve_dispute', [4, true, felt('r')]), 'AC: missing role');
      await expectTxRevert(admin.account, call('resolve_dispute', [5, true, felt('r')]), 'JOB: not disputed');
    });

    it('resolve_dispute for the worker pays the reward', async () => {
      const { admin, worker, pool, jobs } = get();
      const pending = await view<bigint>(pool, 'pending_rewards', [worker.address]);
      const r = await send(admin.account, call('resolve_dispute', [4, true, felt('arbiter-result')]));
      const ev = oneEvent(jobs, r, 'DisputeResolved');
      expect(ev.pay_worker).toBe(true);
      expectAddress(ev.arbiter, admin.address);
      expect(jobStatus(await job(4))).toBe('Completed');
      expect(await view(pool, 'pending_rewards', [worker.address])).toBe(pending + PRICE);
      expect(await rep()).toBe(470n);
    });

    it('resolve_dispute for the client refunds and penalises the worker', async () => {
      const { admin, client, worker, jobs } = get();
      await send(admin.account, call('assign_job', [5, worker.address]));
      const opened = await send(worker.account, call('open_dispute', [5, felt('client unfair')]));
      expectAddress(oneEvent(jobs, opened, 'DisputeOpened').by, worker.address);
      const before = await ciro(client);
      const r = await send(admin.account, call('resolve_dispute', [5, false, felt('refund')]));
      expect(oneEvent(jobs, r, 'DisputeResolved').pay_worker).toBe(false);
      const j = await job(5);
      expect(jobStatus(j)).toBe('Refunded');
      expect(BigInt(j.result_hash as string)).toBe(BigInt(felt('refund')));
      expect(await ciro(client)).toBe(before + PRICE);
      expect(await rep()).toBe(420n);
    });
  });

  describe('JobMgr list views and configuration', () => {
    it('pages jobs, client jobs and worker jobs', async () => {
      const { jobs, client, worker, stranger } = get();
      const ids = (xs: unknown[]) => xs.map((x) => BigInt(x as bigint));
      expect((await view<Job[]>(jobs, 'get_jobs', [0, 100])).map((j) => j.id)).toEqual([1n, 2n, 3n, 4n, 5n]);
      expect((await view<Job[]>(jobs, 'get_jobs', [3, 1])).map((j) => j.id)).toEqual([4n]);
      expect(await view<Job[]>(jobs, 'get_jobs', [9, 1])).toEqual([]);
      expect(ids(await view(jobs, 'get_client_jobs', [client.address, 0, 100]))).toEqual([1n, 2n, 3n, 4n, 5n]);
      expect(ids(await view(jobs, 'get_client_jobs', [client.address, 1, 2]))).toEqual([2n, 3n]);
      expect(ids(await view(jobs, 'get_worker_jobs', [worker.address, 0, 100]))).toEqual([1n, 3n, 4n, 5n]);
      expect(await view(jobs, 'get_worker_jobs', [stranger.address, 0, 100])).toEqual([]);
    });

    it('reports token, pool and timeout; set_default_timeout is admin only and non-zero', async () => {
      const { jobs, admin, stranger, client, chain } = get();
      expectAddress(await view(jobs, 'token'), chain.manifest.contracts.ciro_token.address);
      expectAddress(await view(jobs, 'cdc_pool'), chain.manifest.contracts.cdc_pool.address);
      expect(await view(jobs, 'default_timeout')).toBe(3600n);
      await expectTxRevert(stranger.account, call('set_default_timeout', [7200]), 'AC: missing role');
      await expectTxRevert(admin.account, call('set_default_timeout', [0]), 'JOB: timeout zero');
      const r = await send(admin.account, call('set_default_timeout', [7200]));
      expect(oneEvent(jobs, r, 'DefaultTimeoutUpdated').default_timeout).toBe(7200n);
      expect(await view(jobs, 'default_timeout')).toBe(7200n);
      await send(client.account, call('submit_job', [1, felt('input-6'), 0])); // job 6
      expect((await job(6)).timeout).toBe(7200n);
    });
  });

  describe('JobMgr pause (PAUSER_ROLE)', () => {
    it('pauses submit, assign and complete but not cancel', async () => {
      const { admin, client, worker, stranger, jobs } = get();
      await expectTxRevert(stranger.account, call('pause'), 'AC: missing role');
      await send(admin.account, call('pause'));
      expect(await view(jobs, 'is_paused')).toBe(true);
      await expectTxRevert(admin.account, call('pause'), 'PAUSE: already paused');
      await expectTxRevert(client.account, call('submit_job', [1, felt('x'), 0]), 'JOB: paused');
      await expectTxRevert(admin.account, call('assign_job', [6, worker.address]), 'JOB: paused');
      await expectTxRevert(worker.account, call('complete_job', [6, felt('x')]), 'JOB: paused');
      const r = await send(client.account, call('cancel_job', [6]));
      expect(oneEvent(jobs, r, 'JobCancelled').refund).toBe(PRICE);
      await expectTxRevert(stranger.account, call('unpause'), 'AC: missing role');
      await send(admin.account, call('unpause'));
      await expectTxRevert(admin.account, call('unpause'), 'PAUSE: not paused');
      expect(await view(jobs, 'is_paused')).toBe(false);
    });
  });
}

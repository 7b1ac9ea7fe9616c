/**
 * CdcPool privileged entry points (slash, job outcomes, admin setters, pause),
 * registered into cdc-pool.test.ts so they share its devnet. They expect the
 * state that file leaves behind: alice registered with 90 CIRO staked and
 * reputation 500, bob registered without stake, carol unregistered.
 */
import { describe, expect, it } from 'vitest';
import type { Contract } from 'starknet';
import type { LocalChain } from '../../scripts/local/chain.ts';
import type { KeyedAccount } from '../../scripts/local/accounts.ts';
import { CIRO, expectAddress, expectTxRevert, felt, oneEvent, POOL_WORKER_CALLS, populate, ROLES, send, view } from '../helpers/contracts.ts';

import type { WorkerInfo } from '../../scripts/ciro/worker.ts';
export type { WorkerInfo };

export interface PoolCtx {
  chain: LocalChain;
  pool: Contract;
  token: Contract;
  admin: KeyedAccount;
  alice: KeyedAccount;
  bob: KeyedAccount;
  carol: KeyedAccount;
}

export function describePoolPrivileged(get: () => PoolCtx): void {
  const worker = (a: KeyedAccount) => view<WorkerInfo>(get().pool, 'get_worker', [a.address]);
  const poolCall = (fn: string, args: unknown[] = []) => populate(get().pool, fn, args);
  const reason = felt('bad-result');

  describe('CdcPool slash (SLASHER_ROLE)', () => {
    it('rejects a non-slasher, a zero reason, an unregistered worker and a zero amount', async () => {
      const { admin, alice, bob, carol, pool } = get();
      expect(await view(pool, 'has_role', [ROLES.SLASHER, bob.address])).toBe(false);
      await expectTxRevert(bob.account, poolCall('slash', [alice.address, 1n, reason]), 'AC: missing role');
      await expectTxRevert(admin.account, poolCall('slash', [alice.address, 1n, 0]), 'CDC: reason required');
      await expectTxRevert(admin.account, poolCall('slash', [carol.address, 1n, reason]), 'CDC: not registered');
      await expectTxRevert(admin.account, poolCall('slash', [alice.address, 0n, reason]), 'CDC: amount zero');
    });

    it('takes stake first, then pending unstake, sends it to the treasury and costs 100 reputation', async () => {
      const { admin, alice, pool, token } = get();
      await send(alice.account, poolCall('request_unstake', [40n * CIRO])); // staked 50, pending 40
      const treasuryBefore = await view<bigint>(token, 'balance_of', [admin.address]);
      const r = await send(admin.account, poolCall('slash', [alice.address, 70n * CIRO, reason]));
      const ev = oneEvent(pool, r, 'Slashed');
      expectAddress(ev.worker, alice.address);
      expect(ev.amount).toBe(70n * CIRO);
      expect(BigInt(ev.reason as string)).toBe(BigInt(reason));
      expectAddress(ev.slasher, admin.address);
      const rep = oneEvent(pool, r, 'ReputationUpdated');
      expect([rep.old, rep.new]).toEqual([500n, 400n]);
      const w = await worker(alice);
      expect(w.staked).toBe(0n);
      expect(w.pending_unstake).toBe(20n * CIRO);
      expect(w.slashed_total).toBe(70n * CIRO);
      expect(w.reputation).toBe(400n);
      expect(await view<bigint>(token, 'balance_of', [admin.address])).toBe(treasuryBefore + 70n * CIRO);
    });
  });

  describe('CdcPool record_job_outcome (JOB_MANAGER_ROLE)', () => {
    it('rejects a caller without the role and an unregistered worker', async () => {
      const { admin, alice, bob, carol } = get();
      await expectTxRevert(bob.account, poolCall('record_job_outcome', [alice.address, true]), 'AC: missing role');
      await expectTxRevert(admin.account, poolCall('record_job_outcome', [carol.address, true]), 'CDC: not registered');
    });

    it('success adds 10 reputation, failure removes 50', async () => {
      const { admin, alice, pool } = get();
      const r = await send(admin.account, poolCall('record_job_outcome', [alice.address, true]));
      const ev = oneEvent(pool, r, 'ReputationUpdated');
      expect([ev.old, ev.new]).toEqual([400n, 410n]);
      await send(admin.account, poolCall('record_job_outcome', [alice.address, false]));
      const w = await worker(alice);
      expect(w.reputation).toBe(360n);
      expect(w.jobs_completed).toBe(1n);
      expect(w.jobs_failed).toBe(1n);
    });

    it('reputation is capped at 1000 and floored at 0', async () => {
      const { admin, bob } = get();
      const wins = Array.from({ length: 55 }, () => poolCall('record_job_outcome', [bob.address, true]));
      await send(admin.account, wins);
      expect((await worker(bob)).reputation).toBe(1000n);
      expect((await worker(bob)).jobs_completed).toBe(55n);
      const losses = Array.from({ length: 21 }, () => poolCall('record_job_outcome', [bob.address, false]));
      await send(admin.account, losses);
      expect((await worker(bob)).reputation).toBe(0n);
    });
  });

  describe('CdcPool admin setters (DEFAULT_ADMIN_ROLE)', () => {
    it.each([
      ['set_min_stake', 50n * CIRO, 'min_stake'],
      ['set_unstake_delay', 10n, 'unstake_delay'],
      ['set_heartbeat_timeout', 0n, 'heartbeat_timeout'],
    ])('%s updates the value and emits ConfigUpdated', async (fn, value, param) => {
      const { admin, bob, pool } = get();
      await expectTxRevert(bob.account, poolCall(fn, [value]), 'AC: missing role');
      const r = await send(admin.account, poolCall(fn, [value]));
      const ev = oneEvent(pool, r, 'ConfigUpdated');
      expect(BigInt(ev.param as string)).toBe(BigInt(felt(param)));
      expect(ev.value).toBe(value);
      expect(await view(pool, param)).toBe(value);
    });

    it('with heartbeat_timeout 0 every active worker is online', async () => {
      const { alice, pool, token } = get();
      await send(alice.account, [
        populate(token, 'approve', [pool.address, 50n * CIRO]),
        poolCall('stake', [50n * CIRO]),
      ]);
      expect(await view(pool, 'is_active_worker', [alice.address])).toBe(true); // 50 >= new min 50
      expect(await view(pool, 'is_online', [alice.address])).toBe(true);
    });

    it('set_treasury redirects slashes and rejects zero', async () => {
      const { admin, bob, carol, pool } = get();
      await expectTxRevert(bob.account, poolCall('set_treasury', [carol.address]), 'AC: missing role');
      await expectTxRevert(admin.account, poolCall('set_treasury', ['0x0']), 'CDC: zero address');
      const r = await send(admin.account, poolCall('set_treasury', [carol.address]));
      expect(oneEvent(pool, r, 'ConfigUpdated').value).toBe(BigInt(carol.address));
      expectAddress(await view(pool, 'treasury'), carol.address);
    });
  });

  describe('CdcPool pause (PAUSER_ROLE)', () => {
    it('only a pauser pauses; pausing twice reverts', async () => {
      const { admin, bob, pool } = get();
      await expectTxRevert(bob.account, poolCall('pause'), 'AC: missing role');
      const r = await send(admin.account, poolCall('pause'));
      expectAddress(oneEvent(pool, r, 'Paused').account, admin.address);
      expect(await view(pool, 'is_paused')).toBe(true);
      await expectTxRevert(admin.account, poolCall('pause'), 'PAUSE: already paused');
    });

    it.each([['register_worker', [1]], ...POOL_WORKER_CALLS])('%s reverts while paused', async (fn, args) => {
      const { alice, carol } = get();
      const who = fn === 'register_worker' ? carol : alice;
      await expectTxRevert(who.account, poolCall(fn, args), 'CDC: paused');
    });

    it('slash and record_job_outcome stay live while paused', async () => {
      const { admin, alice, carol, token } = get();
      const before = await view<bigint>(token, 'balance_of', [carol.address]);
      await send(admin.account, [
        poolCall('slash', [alice.address, 1n * CIRO, reason]),
        poolCall('record_job_outcome', [alice.address, true]),
      ]);
      expect(await view<bigint>(token, 'balance_of', [carol.address])).toBe(before + 1n * CIRO);
    });

    it('only a pauser unpauses; unpausing twice reverts; worker calls work again', async () => {
      const { admin, alice, bob, pool } = get();
      await expectTxRevert(bob.account, poolCall('unpause'), 'AC: missing role');
      const r = await send(admin.account, poolCall('unpause'));
      expectAddress(oneEvent(pool, r, 'Unpaused').account, admin.address);
      expect(await view(pool, 'is_paused')).toBe(false);
      await expectTxRevert(admin.account, poolCall('unpause'), 'PAUSE: not paused');
      await send(alice.account, poolCall('heartbeat'));
    });
  });
}

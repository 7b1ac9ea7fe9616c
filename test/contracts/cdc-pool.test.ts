/**
 * CdcPool on a real devnet: worker self-service, stake/unstake with the delay,
 * heartbeats, slashing, job outcomes, rewards, admin setters and pausing.
 * Tests run in order and build on each other's state.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Contract } from 'starknet';
import type { LocalChain } from '../../scripts/local/chain.ts';
import type { KeyedAccount } from '../../scripts/local/accounts.ts';
import { increaseTime } from '../../scripts/local/devnet.ts';
import {
  blockTime,
  expectBlockTime,
  CIRO,
  expectAddress,
  expectTxRevert,
  oneEvent,
  POOL_WORKER_CALLS,
  populate,
  send,
  useCiroChain,
  view,
} from '../helpers/contracts.ts';

import { describePoolPrivileged, type PoolCtx, type WorkerInfo } from './cdc-pool.privileged.ts';

const suite = useCiroChain();
let chain: LocalChain;
let pool: Contract;
let token: Contract;
let admin: KeyedAccount;
let alice: KeyedAccount; // main worker
let bob: KeyedAccount; // registered, never staked
let carol: KeyedAccount; // never registered

const worker = (a: KeyedAccount) => view<WorkerInfo>(pool, 'get_worker', [a.address]);
const ctx = (): PoolCtx => ({ chain, pool, token, admin, alice, bob, carol });
const bal = (who: string) => view<bigint>(token, 'balance_of', [who]);
const poolCall = (fn: string, args: unknown[] = []) => populate(pool, fn, args);

/** `who` sends `fn`; what its `event` says was paid out and how much `who`'s CIRO balance grew. */
async function payout(who: KeyedAccount, fn: string, event: string): Promise<{ amount: unknown; gained: bigint }> {
  const before = await bal(who.address);
  const r = await send(who.account, poolCall(fn));
  return { amount: oneEvent(pool, r, event).amount, gained: (await bal(who.address)) - before };
}

beforeAll(async () => {
  ({ chain, pool, token, admin } = suite);
  alice = chain.client;
  bob = chain.spare[0]!;
  carol = chain.spare[1]!;
  await send(admin.account, [
    populate(token, 'transfer', [alice.address, 1000n * CIRO]),
    populate(token, 'transfer', [bob.address, 1000n * CIRO]),
  ]);
});

describe('CdcPool configuration views', () => {
  it('reports the deploy parameters', async () => {
    expect(await view(pool, 'min_stake')).toBe(100n * CIRO);
    expect(await view(pool, 'unstake_delay')).toBe(3600n);
    expect(await view(pool, 'heartbeat_timeout')).toBe(600n);
    expectAddress(await view(pool, 'token'), token.address);
    expectAddress(await view(pool, 'treasury'), admin.address);
    expect(await view(pool, 'worker_count')).toBe(0n);
    expect(await view(pool, 'is_paused')).toBe(false);
  });
});

describe('CdcPool worker self-service', () => {
  it('register_worker records the worker with reputation 500', async () => {
    const r = await send(alice.account, poolCall('register_worker', [3]));
    const ev = oneEvent(pool, r, 'WorkerRegistered');
    expectAddress(ev.worker, alice.address);
    expect(ev.capabilities).toBe(3n);
    const w = await worker(alice);
    expect(w.registered).toBe(true);
    expect(w.capabilities).toBe(3n);
    expect(w.reputation).toBe(500n);
    expect(w.registered_at > 0n).toBe(true);
    expect(await view(pool, 'get_reputation', [alice.address])).toBe(500n);
    await send(bob.account, poolCall('register_worker', [1]));
    expect(await view(pool, 'worker_count')).toBe(2n);
    const all = await view<bigint[]>(pool, 'get_workers', [0, 10]);
    expect(all.map(BigInt)).toEqual([BigInt(alice.address), BigInt(bob.address)]);
    const page = await view<bigint[]>(pool, 'get_workers', [1, 10]);
    expect(page.map(BigInt)).toEqual([BigInt(bob.address)]);
    expect(await view<bigint[]>(pool, 'get_workers', [0, 1])).toHaveLength(1);
    expect(await view<bigint[]>(pool, 'get_workers', [5, 10])).toHaveLength(0);
  });

  it('rejects a second registration', async () => {
    await expectTxRevert(alice.account, poolCall('register_worker', [3]), 'CDC: already registered');
  });

  it.each(POOL_WORKER_CALLS)('%s by an unregistered address reverts', async (fn, args) => {
    await expectTxRevert(carol.account, poolCall(fn, args), 'CDC: not registered');
  });

  it('update_capabilities replaces the capability bits', async () => {
    const r = await send(alice.account, poolCall('update_capabilities', [7]));
    expect(oneEvent(pool, r, 'CapabilitiesUpdated').capabilities).toBe(7n);
    expect((await worker(alice)).capabilities).toBe(7n);
  });

  it('stake rejects zero and a missing approval', async () => {
    await expectTxRevert(alice.account, poolCall('stake', [0n]), 'CDC: amount zero');
    await expectTxRevert(alice.account, poolCall('stake', [1n]), 'ERC20: insufficient allowance');
  });

  it('stake pulls the tokens and makes the worker active', async () => {
    expect(await view(pool, 'is_active_worker', [alice.address])).toBe(false);
    const poolBefore = await bal(pool.address);
    const r = await send(alice.account, [
      populate(token, 'approve', [pool.address, 150n * CIRO]),
      poolCall('stake', [150n * CIRO]),
    ]);
    const ev = oneEvent(pool, r, 'Staked');
    expect(ev.amount).toBe(150n * CIRO);
    expect(ev.total).toBe(150n * CIRO);
    expect((await worker(alice)).staked).toBe(150n * CIRO);
    expect(await bal(pool.address)).toBe(poolBefore + 150n * CIRO);
    expect(await view(pool, 'is_active_worker', [alice.address])).toBe(true);
  });

  it('heartbeat makes an active worker online until the timeout passes', async () => {
    expect(await view(pool, 'is_online', [alice.address])).toBe(false);
    const r = await send(alice.account, poolCall('heartbeat'));
    const ts = oneEvent(pool, r, 'Heartbeat').timestamp as bigint;
    expect((await worker(alice)).last_heartbeat).toBe(ts);
    expect(await view(pool, 'is_online', [alice.address])).toBe(true);
    await increaseTime(chain.devnet.url, 601);
    expect(await view(pool, 'is_online', [alice.address])).toBe(false);
    await send(alice.account, poolCall('heartbeat'));
    expect(await view(pool, 'is_online', [alice.address])).toBe(true);
  });

  it('request_unstake rejects zero and more than staked', async () => {
    await expectTxRevert(alice.account, poolCall('request_unstake', [0n]), 'CDC: amount zero');
    await expectTxRevert(alice.account, poolCall('request_unstake', [151n * CIRO]), 'CDC: insufficient stake');
  });

  it('request_unstake moves stake to pending with the delay', async () => {
    const r = await send(alice.account, poolCall('request_unstake', [60n * CIRO]));
    const ev = oneEvent(pool, r, 'UnstakeRequested');
    expectBlockTime((ev.available_at as bigint) - 3600n, await blockTime(chain.provider, r));
    const w = await worker(alice);
    expect(w.staked).toBe(90n * CIRO);
    expect(w.pending_unstake).toBe(60n * CIRO);
    expect(w.unstake_available_at).toBe(ev.available_at);
    expect(await view(pool, 'is_active_worker', [alice.address])).toBe(false); // 90 < min 100
  });

  it('withdraw_unstaked is locked before the delay and needs something pending', async () => {
    await expectTxRevert(alice.account, poolCall('withdraw_unstaked'), 'CDC: unstake locked');
    await expectTxRevert(bob.account, poolCall('withdraw_unstaked'), 'CDC: nothing to withdraw');
  });

  it('withdraw_unstaked pays out after the delay', async () => {
    await increaseTime(chain.devnet.url, 3601);
    expect(await payout(alice, 'withdraw_unstaked', 'Unstaked')).toEqual({ amount: 60n * CIRO, gained: 60n * CIRO });
    const w = await worker(alice);
    expect(w.pending_unstake).toBe(0n);
    expect(w.unstake_available_at).toBe(0n);
    await expectTxRevert(alice.account, poolCall('withdraw_unstaked'), 'CDC: nothing to withdraw');
  });
});

describe('CdcPool rewards', () => {
  it('claim_rewards with nothing pending reverts', async () => {
    await expectTxRevert(alice.account, poolCall('claim_rewards'), 'CDC: no rewards');
  });

  it('credit_reward is JOB_MANAGER only and validates worker and amount', async () => {
    await expectTxRevert(bob.account, poolCall('credit_reward', [alice.address, 1n]), 'AC: missing role');
    await expectTxRevert(admin.account, poolCall('credit_reward', [carol.address, 1n]), 'CDC: not registered');
    await expectTxRevert(admin.account, poolCall('credit_reward', [alice.address, 0n]), 'CDC: amount zero');
    await expectTxRevert(admin.account, poolCall('credit_reward', [alice.address, 1n]), 'ERC20: insufficient allowance');
  });

  it('credit_reward pulls the tokens from the caller and credits the worker', async () => {
    const adminBefore = await bal(admin.address);
    const r = await send(admin.account, [
      populate(token, 'approve', [pool.address, 25n * CIRO]),
      poolCall('credit_reward', [alice.address, 25n * CIRO]),
    ]);
    const ev = oneEvent(pool, r, 'RewardCredited');
    expectAddress(ev.worker, alice.address);
    expect(ev.amount).toBe(25n * CIRO);
    expect(await bal(admin.address)).toBe(adminBefore - 25n * CIRO);
    expect(await view(pool, 'pending_rewards', [alice.address])).toBe(25n * CIRO);
  });

  it('claim_rewards pays the worker', async () => {
    expect(await payout(alice, 'claim_rewards', 'RewardsClaimed')).toEqual({ amount: 25n * CIRO, gained: 25n * CIRO });
    const w = await worker(alice);
    expect(w.pending_rewards).toBe(0n);
    expect(w.total_claimed).toBe(25n * CIRO);
  });
});

describePoolPrivileged(ctx);

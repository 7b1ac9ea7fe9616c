/**
 * Low: what the relay did when the network lost an answer, or a transaction
 * came back from the dead.
 * - Ambiguous submission: the node takes the transaction, the answer never
 *   arrives. The relay used to release the claim and the reservation, so a
 *   retry sent a second transaction. Now it knows the hash it sent, keeps
 *   both, and tracking finds the transaction: one claim, one transaction.
 * - Late inclusion: a transaction given up on (dropped) that lands after all
 *   is charged when it appears.
 * - A late landing beside its resend: a record sent again looked only at its
 *   newest hash; when the earlier one landed after all (the newer then reverts
 *   on the Paymaster's nonce), the earlier was never charged. Every hash is
 *   looked at now, and settlement waits until the newer one is final or gone.
 * - A resend lost: an instance dropped a record while another was sending
 *   it again, and the new hash was never looked at (its landing never
 *   charged). A record whose resend lease is held is now left to its holder,
 *   which records the new hash before letting the lease go.
 * - Holds given back on a drop: a dropped transaction gave back the
 *   account's quota and payment holds at once, though it could still land;
 *   the next one could then be sent past the quota or the balance, reverting
 *   on relayer gas. Holds now stay until it lands or the late watch ends.
 */
import { hash } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayStack, type RelayStack } from '../helpers/relay.ts';
import { randomFelt } from '../../relay/chain/felt.ts';
import { recheckDropped, refresh } from '../../relay/execution/settle.ts';
import { sweep } from '../../relay/execution/tracking.ts';
import { readTracking, saveTracking, transition, type TrackingRecord } from '../../relay/execution/trackingRecord.ts';
import type { ReservationLine } from '../../relay/sponsorship/request.ts';
import { Keys } from '../../relay/store/keys.ts';
import { relayerLedger, report, sign, sponsored } from './helpers.ts';

/** Set to make the next addInvokeTransaction reach the node but lose its answer. */
const fault = { dropNextInvokeAnswer: false };
let s: RelayStack;
beforeAll(async () => {
  s = await startRelayStack({
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      if (fault.dropNextInvokeAnswer && String(init?.body ?? '').includes('starknet_addInvokeTransaction')) {
        fault.dropNextInvokeAnswer = false;
        throw new TypeError('fetch failed: connection reset after the request was sent');
      }
      return res;
    },
  });
}, 300_000);
afterAll(async () => s?.stop());

const worker = () => s.chain.demo!.worker;
async function signedHeartbeat() {
  const calls = [{ to: s.chain.manifest.contracts.cdc_pool.address, selector: hash.getSelectorFromName('heartbeat'), calldata: [] }];
  const built = await s.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: worker().address, calls } }, parameters: sponsored });
  const td = built.body.result.typed_data;
  return { transaction: { type: 'invoke', invoke: { user_address: worker().address, typed_data: td, signature: sign(td, worker()) } }, parameters: sponsored };
}

/** A sponsored heartbeat sent through the relay and landed: its hash and the fee it paid. */
async function landedHeartbeat(): Promise<{ txHash: string; actualFee: bigint }> {
  const res = await s.rpc('paymaster_executeTransaction', await signedHeartbeat());
  const receipt = await s.chain.provider.waitForTransaction(res.body.result.transaction_hash);
  return { txHash: res.body.result.transaction_hash, actualFee: BigInt((receipt.value as { actual_fee: { amount: string } }).actual_fee.amount) };
}

/** A tracking record of the worker's, sponsored, through the first relayer. */
const recordOf = (id: string, txHash: string, lines: ReservationLine[], extra: Partial<TrackingRecord>): TrackingRecord => ({
  id, txHash, status: 'active', account: worker().address, tenant: 'test', relayer: s.chain.relayers[0]!.address, feeMode: 'sponsored',
  createdAt: Date.now() - 600_000, reservation: { lines }, ...extra,
});

describe('submission the network made ambiguous', () => {
  it('a lost answer keeps the claim: the retry gets the same transaction, and only one is sent', async () => {
    const params = await signedHeartbeat();
    const before = await relayerLedger(s);
    fault.dropNextInvokeAnswer = true;
    const first = await s.rpc('paymaster_executeTransaction', params);
    expect(first.body.result?.transaction_hash).toMatch(/^0x/);
    // The hash computed before sending is the transaction the node took.
    const receipt = await s.chain.provider.waitForTransaction(first.body.result.transaction_hash);
    expect(receipt.isSuccess()).toBe(true);
    const retry = await s.rpc('paymaster_executeTransaction', params);
    expect(retry.body.result).toEqual(first.body.result);
    const after = await relayerLedger(s);
    expect(after.txs - before.txs).toBe(1n);
    report('lost submission answer + client retry', `${after.txs - before.txs} transaction sent for one claim`);
    await expect
      .poll(async () => (await s.rpc('paymaster_trackingIdToLatestHash', { tracking_id: first.body.result.tracking_id })).body.result?.status, { timeout: 20_000 })
      .toBe('accepted');
  }, 120_000);

  it('a dropped transaction that lands after all is charged when it appears', async () => {
    const { txHash, actualFee } = await landedHeartbeat();
    const deps = s.relay.deps;
    // A record given up on for that transaction: dropped, its reservation (two probe counters) given back.
    const fee = Keys.sponsor('test', 'late-probe:fee');
    const txs = Keys.sponsor('test', 'late-probe:txs');
    // Its hold was kept through the drop, and is given back now that it landed.
    const hold = Keys.sponsor('test', 'late-probe:hold');
    await deps.store.reserve([{ key: hold, amount: 1n, limit: 1n }]);
    const id = randomFelt();
    const lines: ReservationLine[] = [{ key: fee, amount: '999', kind: 'fee' }, { key: txs, amount: '1', kind: 'count' }, { key: hold, amount: '1', kind: 'hold' }];
    await saveTracking(deps, recordOf(id, txHash, lines, { status: 'dropped', droppedAt: Date.now(), holdsKept: true }));
    await deps.store.removeFromSet(Keys.trackingActive, id);
    await deps.store.addToSet(Keys.trackingDropped, id);
    expect(await deps.store.amount(fee)).toBe(0n);

    // The sweeper sees it on chain and charges what settling it would have: the actual fee, and the count.
    await expect.poll(async () => (await readTracking(deps, id))?.status, { timeout: 20_000 }).toBe('accepted');
    expect(await deps.store.amount(fee)).toBe(actualFee);
    expect(await deps.store.amount(txs)).toBe(1n);
    expect(await deps.store.amount(hold)).toBe(0n);
    expect(await deps.store.members(Keys.trackingDropped)).not.toContain(id);
    report('late inclusion', `charged ${actualFee} fri when it appeared`);
  }, 120_000);

  it('a record sent again whose earlier hash lands after all settles on that one, once the newer is gone', async () => {
    const { txHash, actualFee } = await landedHeartbeat();
    const deps = s.relay.deps;
    const fee = Keys.sponsor('test', 'resend-probe:fee');
    await deps.store.reserve([{ key: fee, amount: 999n, limit: 10_000n }]);
    const newer = randomFelt();
    const id = randomFelt();
    const rec = (createdAt: number) => ({ ...recordOf(id, newer, [{ key: fee, amount: '999', kind: 'fee' }], { hashes: [txHash, newer] }), createdAt });
    // The newer hash unknown to the node but recent: it may still land (and revert on the nonce), so nothing settles yet.
    // One record object each time: refresh moves the record by compare-and-set against what it is given, so a
    // second Date.now() a millisecond later (a loaded machine) would be another record and settle nothing.
    const recent = rec(Date.now());
    await saveTracking(deps, recent);
    expect((await refresh(deps, recent)).status).toBe('active');
    // Past the drop horizon: the earlier one, which landed, is the outcome, and its fee is what is charged.
    const old = rec(Date.now() - 600_000);
    await saveTracking(deps, old);
    const settled = await refresh(deps, old);
    expect(settled).toMatchObject({ status: 'accepted', txHash, actualFee: actualFee.toString(), executionStatus: 'SUCCEEDED' });
    expect(await deps.store.amount(fee)).toBe(actualFee);
    report('late landing beside a resend', `settled on the earlier hash, charged ${actualFee} fri`);
  }, 120_000);

  it('a dropped transaction keeps its holds while it may land late, and gives them back once, when the watch ends', async () => {
    const deps = s.relay.deps;
    const fee = Keys.sponsor('test', 'drop-probe:fee');
    const hold = Keys.sponsor('test', 'drop-probe:hold');
    // Two in flight on the hold: this one and another of the account's.
    await deps.store.reserve([{ key: fee, amount: 999n, limit: 999n }, { key: hold, amount: 2n, limit: 2n }]);
    const id = randomFelt();
    // Sent long ago, unknown to the node, and with no window left to send it again: the sweeper drops it.
    const lines: ReservationLine[] = [{ key: fee, amount: '999', kind: 'fee' }, { key: hold, amount: '1', kind: 'hold' }];
    await saveTracking(deps, recordOf(id, randomFelt(), lines, { createdAt: Date.now() - 3_600_000 }));
    await expect.poll(async () => (await readTracking(deps, id))?.status, { timeout: 20_000 }).toBe('dropped');
    expect(await deps.store.amount(fee)).toBe(0n);
    expect(await deps.store.amount(hold)).toBe(2n);
    const dropped = (await readTracking(deps, id))!;
    expect(dropped.holdsKept).toBe(true);
    // An hour on, the watch ends. Two instances read the record at once: one gives its hold back, the other nothing.
    const ended = { ...dropped, droppedAt: Date.now() - 3_600_001 };
    expect(await transition(deps, dropped, ended)).toBe(true);
    await Promise.all([recheckDropped(deps, ended), recheckDropped(deps, ended)]);
    expect(await deps.store.amount(hold)).toBe(1n);
    expect(await deps.store.members(Keys.trackingDropped)).not.toContain(id);
    expect((await readTracking(deps, id))?.holdsKept).toBeUndefined();
    report('dropped transaction', 'its hold counted it until the late watch ended, then was given back once by two instances');
  }, 120_000);

  it("a late landing is charged even when another instance, its node behind, ended the watch a moment before", async () => {
    const { txHash, actualFee } = await landedHeartbeat();
    const deps = s.relay.deps;
    const fee = Keys.sponsor('test', 'race-probe:fee');
    const hold = Keys.sponsor('test', 'race-probe:hold');
    const id = randomFelt();
    const lines: ReservationLine[] = [{ key: fee, amount: '999', kind: 'fee' }, { key: hold, amount: '1', kind: 'hold' }];
    const rec = recordOf(id, txHash, lines, { status: 'dropped', droppedAt: Date.now(), holdsKept: true });
    // Not in the dropped set: only the two "instances" below look at it.
    await deps.store.set(Keys.tracking(id), JSON.stringify(rec));
    // Instance B saw nothing (its node behind) and ended the watch: its hold given back.
    const { holdsKept: _k, ...ended } = rec;
    expect(await transition(deps, rec, ended)).toBe(true);
    // Another transaction of the account holds a unit now.
    await deps.store.reserve([{ key: hold, amount: 1n, limit: 1n }]);
    // Instance A, reading the record from before, sees it landed: charged all the same, and no second give-back.
    await recheckDropped(deps, rec);
    expect((await readTracking(deps, id))?.status).toBe('accepted');
    expect(await deps.store.amount(fee)).toBe(actualFee);
    expect(await deps.store.amount(hold)).toBe(1n);
    report('late landing vs. a watch ended elsewhere', `charged ${actualFee} fri; the other transaction's hold kept`);
  }, 120_000);
  it('a record another instance is sending again is left to it, not dropped (its new hash would be lost)', async () => {
    const deps = s.relay.deps;
    const id = randomFelt();
    // Unknown to the node and old enough to drop, with its window still open: it would be sent again.
    const resend = { calls: [], tip: '0', maxFee: '1', executeBefore: Math.floor(Date.now() / 1000) + 3_600 };
    const rec = recordOf(id, randomFelt(), [], { createdAt: Date.now() - 3_600_000, resend });
    // Not in the active set: only the calls below look at it. Another instance holds the resend lease.
    await deps.store.set(Keys.tracking(id), JSON.stringify(rec));
    await deps.store.set(Keys.resendLease(id), 'another-instance');
    expect((await refresh(deps, rec)).status).toBe('active');
    expect((await readTracking(deps, id))?.status).toBe('active');
    // Once that instance is done (here: nothing was sent, and the window has closed), it drops as before.
    await deps.store.delete(Keys.resendLease(id));
    const closed = { ...rec, resend: { ...resend, executeBefore: 0 } };
    expect(await transition(deps, rec, closed)).toBe(true);
    expect((await refresh(deps, closed)).status).toBe('dropped');
    await deps.store.removeFromSet(Keys.trackingDropped, id);
  }, 120_000);
});

describe('the settlement sweeper', () => {
  it('skips a record it cannot read and settles the rest; runs one at a time', async () => {
    const deps = s.relay.deps;
    const res = await s.rpc('paymaster_executeTransaction', await signedHeartbeat());
    await s.chain.provider.waitForTransaction(res.body.result.transaction_hash);
    const broken = randomFelt();
    await deps.store.set(Keys.tracking(broken), '{ not json');
    await deps.store.addToSet(Keys.trackingActive, broken);
    const failing = randomFelt();
    // A record whose transaction hash the node refuses to parse: the node errors on it every time.
    await saveTracking(deps, {
      id: failing, txHash: '0xnothex', status: 'active', account: worker().address, tenant: 'test',
      relayer: s.chain.relayers[0]!.address, feeMode: 'sponsored', createdAt: Date.now(), reservation: { lines: [] },
    });
    const runs = await Promise.all([sweep(deps), sweep(deps)]);
    expect(runs).toContain(0);
    await expect.poll(async () => (await readTracking(deps, res.body.result.tracking_id))?.status, { timeout: 20_000 }).toBe('accepted');
    expect(await deps.store.members(Keys.trackingActive)).not.toContain(broken);
    // The failing one stays to be retried; it never blocked the good one.
    expect(await deps.store.members(Keys.trackingActive)).toContain(failing);
    await deps.store.removeFromSet(Keys.trackingActive, failing);
  }, 120_000);
});

/**
 * Sending a dropped transaction again, and a node that takes a transaction
 * but answers an error, on devnet (11-30 replay audit): every transaction the
 * relayers pay for is charged. The node transport is wrapped to lose an
 * answer, hold a send at the node, or answer UNEXPECTED_ERROR after the node
 * took it; the sweeper is driven by hand.
 * - A: the owner polls while the sweeper's resend is at the node and the
 *   window is closing: the poll leaves the record to the resend.
 * - B: the store fails right after the resend was sent: its hash is recorded all the same.
 * - C: two hashes of one record both landed: both fees are charged.
 * - D: the node answers 63 after taking the transaction: tracked, not released.
 * - E: the window runs down while the resend waits for a relayer: not sent, dropped and released.
 */
import { hash } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomFelt } from '../../relay/chain/felt.ts';
import { recheckDropped, refresh } from '../../relay/execution/settle.ts';
import { sweep } from '../../relay/execution/tracking.ts';
import { readTracking, saveTracking, type TrackingRecord } from '../../relay/execution/trackingRecord.ts';
import { dayOf, Keys } from '../../relay/store/keys.ts';
import { devnetCall } from '../../scripts/local/devnet.ts';
import { startRelayStack, type RelayStack } from '../helpers/relay.ts';
import { relayerLedger, report, sign } from './helpers.ts';

const fault = { lose: false, hold: false, entered: () => {}, gate: Promise.resolve(), sent: [] as string[], afterSend: () => {}, answer63: false };
let s: RelayStack;
beforeAll(async () => {
  s = await startRelayStack({
    sweepMs: 3_600_000,
    config: { trackingDropAfterMs: 1_000 },
    fetch: async (input, init) => {
      const body = String(init?.body ?? '');
      if (!body.includes('starknet_addInvokeTransaction')) return fetch(input, init);
      if (fault.lose) {
        fault.lose = false;
        throw new TypeError('fetch failed: connection reset'); // never reached the node
      }
      if (fault.hold) {
        fault.hold = false;
        fault.entered();
        await fault.gate;
      }
      const res = await fetch(input, init);
      const j = (await res.clone().json()) as { result?: { transaction_hash: string } };
      if (j.result) fault.sent.push(j.result.transaction_hash);
      fault.afterSend();
      if (!fault.answer63) return res;
      fault.answer63 = false;
      const id = (JSON.parse(body) as { id: unknown }).id;
      return Response.json({ jsonrpc: '2.0', id, error: { code: 63, message: 'An unexpected error occurred', data: 'gateway timeout' } });
    },
  });
}, 300_000);
afterAll(async () => s?.stop());

const worker = () => s.chain.demo!.worker;
const chainNow = async () => Number((await s.chain.provider.getBlock('latest')).timestamp);
const charged = async () => (await s.relay.deps.gate.usage('test', { day: dayOf(Date.now() / 1000) })).fee;
const feeOf = async (h: string) => BigInt(((await s.chain.provider.waitForTransaction(h)).value as { actual_fee: { amount: string } }).actual_fee.amount);

async function signed(executeBefore: number) {
  const now = await chainNow();
  const parameters = { version: '0x1', fee_mode: { mode: 'sponsored' }, time_bounds: { execute_after: now - 60, execute_before: executeBefore } };
  const calls = [{ to: s.chain.manifest.contracts.cdc_pool.address, selector: hash.getSelectorFromName('heartbeat'), calldata: [] }];
  const built = await s.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: worker().address, calls } }, parameters });
  expect(built.body.error).toBeUndefined();
  const td = built.body.result.typed_data;
  return { transaction: { type: 'invoke', invoke: { user_address: worker().address, typed_data: td, signature: sign(td, worker()) } }, parameters };
}

/** Executes with the first send lost on its way (nothing reaches the node), then waits past the drop horizon. */
async function lostThenDropped(executeBefore: number): Promise<string> {
  fault.lose = true;
  const res = await s.rpc('paymaster_executeTransaction', await signed(executeBefore));
  expect(res.body.error).toBeUndefined();
  await new Promise((r) => setTimeout(r, 1_200));
  return res.body.result.tracking_id as string;
}

describe('every transaction sent again is charged', () => {
  it('A: a poll while the resend is at the node and the window closes leaves the record to the resend', async () => {
    const executeBefore = (await chainNow()) + 120;
    const before = await charged();
    const id = await lostThenDropped(executeBefore);
    let open!: () => void;
    fault.gate = new Promise<void>((r) => (open = r));
    const entered = new Promise<void>((r) => (fault.entered = r));
    fault.hold = true;
    const sweeping = sweep(s.relay.deps);
    await entered;
    await devnetCall(s.chain.devnet.url, 'devnet_increaseTime', { time: executeBefore - 6 - (await chainNow()) });
    await new Promise((r) => setTimeout(r, 1_100));
    const poll = await s.rpc('paymaster_trackingIdToLatestHash', { tracking_id: id });
    // Before: 'dropped', the reservation released, and the resend's landing never charged.
    expect(poll.body.result.status).toBe('active');
    open();
    await sweeping;
    const h2 = fault.sent.at(-1)!;
    const fee = await feeOf(h2);
    await sweep(s.relay.deps);
    const rec = (await readTracking(s.relay.deps, id))!;
    expect(rec).toMatchObject({ status: 'accepted', txHash: h2 });
    expect((await charged()) - before).toBe(fee);
    report('resend-poll', `the owner's poll during the resend: ${poll.body.result.status}; the resend landed (fee ${fee}) and was charged ${(await charged()) - before}`);
  }, 180_000);

  it('B: the store fails right after the resend was sent: its hash is recorded and its landing charged', async () => {
    const before = await charged();
    const id = await lostThenDropped((await chainNow()) + 600);
    // The lease's commit writes the relayer's nonce with a compare-and-set: that write fails once.
    type Cas = (k: string, expected: string | null, v: string, t?: number) => boolean;
    const engine = (s.relay.deps.store as unknown as { engine: { compareAndSet: Cas } }).engine;
    const cas = engine.compareAndSet.bind(engine);
    let armed = false;
    let failed = 0;
    engine.compareAndSet = (k, expected, v, t) => {
      if (armed && failed === 0 && k.startsWith('relayer:nonce:')) {
        failed++;
        throw new Error('store unavailable (injected)');
      }
      return cas(k, expected, v, t);
    };
    try {
      fault.afterSend = () => (armed = true);
      await sweep(s.relay.deps);
    } finally {
      fault.afterSend = () => {};
      engine.compareAndSet = cas;
    }
    expect(failed).toBe(1);
    const h2 = fault.sent.at(-1)!;
    const fee = await feeOf(h2);
    await sweep(s.relay.deps);
    expect(await readTracking(s.relay.deps, id)).toMatchObject({ status: 'accepted', txHash: h2 });
    expect((await charged()) - before).toBe(fee);
  }, 180_000);

  it('C: two hashes of one record both landed: both fees are charged, whichever path settles it', async () => {
    const landed = async () => {
      const res = await s.rpc('paymaster_executeTransaction', await signed((await chainNow()) + 600));
      const h = res.body.result.transaction_hash as string;
      return { h, fee: await feeOf(h) };
    };
    const [a, b] = [await landed(), await landed()];
    const deps = s.relay.deps;
    for (const status of ['active', 'dropped'] as const) {
      const fee = Keys.sponsor('test', `resend-${status}:fee`);
      const id = randomFelt();
      const rec: TrackingRecord = {
        id, txHash: b.h, status, account: worker().address, tenant: 'test', relayer: s.chain.relayers[0]!.address, feeMode: 'sponsored',
        createdAt: Date.now() - 600_000, reservation: { lines: [{ key: fee, amount: status === 'active' ? '999' : '0', kind: 'fee' }] }, hashes: [a.h, b.h],
        ...(status === 'dropped' ? { droppedAt: Date.now() } : {}),
      };
      if (status === 'active') await deps.store.reserve([{ key: fee, amount: 999n, limit: 10n ** 30n }]);
      await saveTracking(deps, rec);
      await deps.store.removeFromSet(Keys.trackingActive, id);
      if (status === 'active') await refresh(deps, rec);
      else await recheckDropped(deps, rec);
      // Before: b's fee alone (the newest succeeded, so a was never looked at; recheck kept the last landed).
      expect(await deps.store.amount(fee), status).toBe(a.fee + b.fee);
    }
  }, 180_000);

  it('D: the node answers UNEXPECTED_ERROR after taking the transaction: tracked and charged, not released', async () => {
    const params = await signed((await chainNow()) + 600);
    await sweep(s.relay.deps); // the earlier tests' executions settled first: only this one moves the figures
    const [ledger, before] = [await relayerLedger(s), await charged()];
    fault.answer63 = true;
    const res = await s.rpc('paymaster_executeTransaction', params);
    // Before: submission_failed, with the reservation and the claim given back.
    expect(res.body.error).toBeUndefined();
    const h = fault.sent.at(-1)!;
    expect(res.body.result.transaction_hash).toBe(h);
    const fee = await feeOf(h);
    await sweep(s.relay.deps);
    expect(await readTracking(s.relay.deps, res.body.result.tracking_id)).toMatchObject({ status: 'accepted' });
    expect((await charged()) - before).toBe(fee);
    // The same signed request again is the same execution, not a second send.
    const again = await s.rpc('paymaster_executeTransaction', params);
    expect(again.body.result?.tracking_id ?? again.body.error?.data?.reason).toBe(res.body.result.tracking_id);
    expect((await relayerLedger(s)).txs - ledger.txs).toBe(1n);
  }, 180_000);

  it('E: the window runs down while the resend waits for a relayer: judged again, not sent, dropped and released', async () => {
    const min = s.relay.deps.config.timeBounds.minRemainingSeconds;
    const executeBefore = (await chainNow()) + min + 30;
    const id = await lostThenDropped(executeBefore);
    const [ledger, before] = [await relayerLedger(s), await charged()];
    // Every relayer busy for 3 s; meanwhile the chain's clock moves past the window's end.
    for (const r of s.chain.relayers) await s.relay.deps.store.set(Keys.relayer.lease(r.address), 'busy', { ttlMs: 3_000 });
    const sweeping = sweep(s.relay.deps);
    await new Promise((r) => setTimeout(r, 500));
    await devnetCall(s.chain.devnet.url, 'devnet_increaseTime', { time: executeBefore - (await chainNow()) + 5 });
    await new Promise((r) => setTimeout(r, 1_100));
    await sweeping;
    const after = await relayerLedger(s);
    report('resend-window', `a resend whose window ran down in the relayer wait: ${after.txs - ledger.txs} sent, relayers spent ${ledger.strk - after.strk} fri; record ${(await readTracking(s.relay.deps, id))?.status}`);
    // Before: sent after the wait with its window gone, reverted on the relayer's gas (and charged to the sponsor).
    expect(after).toEqual(ledger);
    expect(await readTracking(s.relay.deps, id)).toMatchObject({ status: 'dropped' });
    // Its reservation (held while it was in flight) given back, nothing charged in its place.
    expect(await charged()).toBeLessThan(before);
  }, 180_000);
});

/**
 * Redis killed mid-load: the real redis-server process gets SIGKILL while
 * sponsored executes are in flight, stays down a few seconds under load, and
 * comes back on the same port and data dir (appendonly yes).
 * - While it is down the relay fails closed: every request that started and
 *   ended in the outage is a typed error (no 5xx, no internal_error), and the
 *   relayers send nothing a client was not told about (on-chain transactions
 *   = successes, so nothing is sponsored outside the budget's count).
 * - It serves again by itself, within 5 s of the server answering.
 * - The AOF remembers: what was spent before the kill, and every fee paid
 *   since, is still counted; reservations of requests the outage cut off are
 *   given back once it answers (at most a couple may stay over-counted).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTracking } from '../../relay/execution/trackingRecord.ts';
import { Keys } from '../../relay/store/keys.ts';
import {
  isTypedError,
  receipts,
  recorded,
  relayerTxs,
  report,
  runLoad,
  settleAll,
  sponsorHeartbeat,
  startFaultStack,
  tally,
  type FaultStack,
  type Outcome,
} from './fixtures.ts';

let f: FaultStack;
beforeAll(async () => {
  f = await startFaultStack();
}, 300_000);
afterAll(async () => f?.stop());

type Phase = 'up' | 'down' | 'back';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Redis killed mid-load', () => {
  it('fails closed with typed errors while down, serves again by itself, and forgets no budget', async () => {
    const deps = f.relay.relay.deps;
    const worker = f.chain.demo!.worker;
    const one = () => sponsorHeartbeat(f.relay.rpc, f.chain, worker);
    const txs0 = await relayerTxs(f.chain);

    // Spending before the fault, settled: what the AOF must remember.
    const warm = await runLoad(30, 10, one);
    expect(warm.filter((o) => !o.ok)).toEqual([]);
    await settleAll(deps);
    const spentBefore = await recorded(deps);

    let phase: Phase = 'up';
    let stop = false;
    let backAt = 0;
    const seen: { o: Outcome; from: Phase; to: Phase; at: number; startedAt: number }[] = [];
    const load = runLoad(1_000_000, 20, async () => {
      const from = phase;
      const startedAt = Date.now();
      const o = await one();
      seen.push({ o, from, to: phase, startedAt, at: Date.now() });
      // A failing relay answers fast: pace the outage so it is measured, not flooded.
      if (!o.ok) await sleep(50);
    }, () => stop);

    const okIn = (p: Phase) => seen.filter((s) => s.o.ok && s.from === p).length;
    while (okIn('up') < 20) await sleep(50);
    await f.redis.crash();
    phase = 'down';
    await sleep(3_000);
    const spentDuringOutage = await recorded(deps).catch(() => 'unreadable');
    await f.redis.restart();
    backAt = Date.now();
    phase = 'back';
    // Long enough to see it serve past the 5 s bound.
    while (Date.now() < backAt + 8_000) await sleep(100);
    stop = true;
    await load;

    await settleAll(deps);
    const spentAfter = await recorded(deps);
    const ok = [...warm, ...seen.map((s) => s.o)].flatMap((o) => (o.ok ? [o] : []));
    const chain = await receipts(f.chain, ok.map((o) => o.txHash));
    const sent = (await relayerTxs(f.chain)) - txs0;
    const outage = seen.filter((s) => s.from === 'down' && s.to === 'down');
    const sample = (await readTracking(deps, ok[0]!.trackingId))!.reservation.lines.find((l) => l.key.endsWith(':all:fee'))!;
    const worstCase = BigInt(sample.amount);
    // Leases the outage kept the relay from giving back are given back once Redis answers, not when their TTL ends.
    const leases = await Promise.all(f.chain.relayers.map((r) => deps.store.get(Keys.relayer.lease(r.address))));
    const firstBack = seen.filter((s) => s.o.ok && s.startedAt >= backAt).sort((a, b) => a.at - b.at)[0];
    const restoredMs = firstBack ? firstBack.at - backAt : Infinity;
    const firstOkStart = firstBack ? firstBack.startedAt - backAt : Infinity;

    report(
      'redis killed',
      `${seen.length} requests under load; while down (3 s): ${tally(outage.map((s) => s.o))}, recorded spend ${spentDuringOutage}; ` +
        `back: first success answered ${restoredMs} ms after the server answered (started at +${firstOkStart} ms), ${tally(seen.filter((s) => s.from === 'back').map((s) => s.o))}; ` +
        `spent before kill ${spentBefore.fee} fri, after ${spentAfter.fee} fri; relayer txs ${sent} for ${ok.length} successes; ` +
        `leases left ${leases.filter((l) => l !== null).length}; recorded ${spentAfter.fee} vs receipts ${chain.fee} (over-count ${spentAfter.fee - chain.fee}, a worst-case reservation ${worstCase})`,
    );
    expect(outage.length).toBeGreaterThan(0);
    expect(outage.filter((s) => !isTypedError(s.o))).toEqual([]);
    expect(sent).toBe(BigInt(ok.length));
    expect(leases).toEqual(f.chain.relayers.map(() => null));
    // Restored by itself within 5 s: nothing started 5 s after the server came back fails.
    // (When the first success lands is reported, not asserted: it includes that request's own latency.)
    expect(seen.filter((s) => s.startedAt > backAt + 5_000 && !s.o.ok).slice(0, 3)).toEqual([]);
    expect(seen.filter((s) => s.startedAt > backAt + 5_000).length).toBeGreaterThan(0);
    // Nothing forgotten: the spend before the kill and every fee paid since are counted.
    expect(spentBefore.fee).toBe((await receipts(f.chain, warm.flatMap((o) => (o.ok ? [o.txHash] : [])))).fee);
    expect(spentAfter.fee).toBeGreaterThanOrEqual(chain.fee);
    expect(spentAfter.txs).toBeGreaterThanOrEqual(ok.length);
    // Reservations the outage cut off are given back once Redis answers (sponsorship/corrections.ts); what may
    // stay is a request caught between its submission and its bookkeeping: a couple at most, not the ~15 in line.
    expect(spentAfter.fee - chain.fee).toBeLessThanOrEqual(2n * worstCase);
  }, 300_000);
});

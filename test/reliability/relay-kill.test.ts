/**
 * Relay killed mid-load: two instances on one Redis, one of them a real Node
 * process (the entry, configured by env) that gets SIGKILL while requests are
 * in flight on both. The in-process instance keeps serving, a restarted
 * process joins it, and between them every transaction the dead one sent
 * settles: each tracking id it answered or logged ends accepted, no tracking
 * id stays active, and every relayer transaction on chain is counted in the
 * tenant's spend (reservations the dead process had made but never sent stay
 * counted too: the figure reports that over-count).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keys } from '../../relay/store/keys.ts';
import { startChildRelay, type ChildRelay } from './childRelay.ts';
import {
  httpRpc,
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
const children: ChildRelay[] = [];
beforeAll(async () => {
  f = await startFaultStack();
}, 300_000);
afterAll(async () => {
  for (const c of children) await c.kill();
  await f?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every relayer transaction in blocks after `from`: what the relay as a whole has sent. */
async function relayerHashes(f: FaultStack, from: number): Promise<string[]> {
  const relayers = new Set(f.chain.relayers.map((r) => BigInt(r.address)));
  const latest = await f.chain.provider.getBlockNumber();
  const blocks = await runLoad(latest - from, 8, (i) => f.chain.provider.getBlockWithTxs(from + 1 + i));
  return blocks.flatMap((b) => (b.transactions as { transaction_hash: string; sender_address?: string }[]).filter((t) => t.sender_address && relayers.has(BigInt(t.sender_address))).map((t) => t.transaction_hash));
}

describe('relay killed mid-load', () => {
  it('the other instance and a restarted one settle every transaction the killed one sent', async () => {
    const deps = f.relay.relay.deps;
    const worker = f.chain.demo!.worker;
    const block0 = await f.chain.provider.getBlockNumber();
    const txs0 = await relayerTxs(f.chain);
    const dead = await startChildRelay(f);
    children.push(dead);
    const deadRpc = httpRpc(dead.url, dead.apiKey);

    let killed = false;
    let stop = false;
    const byDead: Outcome[] = [];
    const bySurvivor: Outcome[] = [];
    // Half the clients use the process that will die, half the in-process instance.
    const load = runLoad(1_000_000, 20, async (i) => {
      if (i % 2 === 0 && !killed) byDead.push(await sponsorHeartbeat(deadRpc, f.chain, worker));
      else bySurvivor.push(await sponsorHeartbeat(f.relay.rpc, f.chain, worker));
    }, () => stop);
    while (byDead.filter((o) => o.ok).length < 25) await sleep(50);
    await dead.kill();
    killed = true;
    await sleep(3_000);
    const restarted = await startChildRelay(f);
    children.push(restarted);
    await sleep(3_000);
    stop = true;
    await load;

    // Both survivors sweep on their own timers; the in-process one is also driven here.
    await settleAll(deps, 120_000);
    const deadIds = new Set([...byDead.flatMap((o) => (o.ok ? [o.trackingId] : [])), ...dead.submitted.map((s) => s.trackingId)]);
    const viaRestarted = httpRpc(restarted.url, restarted.apiKey);
    const states = await runLoad(deadIds.size, 8, async (i) => (await viaRestarted('paymaster_trackingIdToLatestHash', { tracking_id: [...deadIds][i] })).body.result?.status);
    const hashes = await relayerHashes(f, block0);
    const chain = await receipts(f.chain, hashes);
    const spent = await recorded(deps);
    const ok = [...byDead, ...bySurvivor].filter((o) => o.ok).length;
    const active = await deps.store.members(Keys.trackingActive);

    report(
      'relay killed',
      `killed one of two instances after ${byDead.filter((o) => o.ok).length} of its successes: it answered ${tally(byDead)}, logged ${dead.submitted.length} submissions; ` +
        `survivor ${tally(bySurvivor)}; its ${deadIds.size} tracking ids settled by the others: ${tally(states.map((s) => ({ ok: false, status: 0, code: 0, reason: String(s) })))}; ` +
        `relayer txs on chain ${hashes.length} (${ok} answered ok), active left ${active.length}; recorded ${spent.fee} vs receipts ${chain.fee} fri (over-count ${spent.fee - chain.fee})`,
    );
    expect(BigInt(hashes.length)).toBe((await relayerTxs(f.chain)) - txs0);
    expect(states.filter((s) => s !== 'accepted')).toEqual([]);
    expect(active).toEqual([]);
    expect(chain.succeeded).toBe(hashes.length);
    // Every fee paid is counted, whichever instance sent it and whether or not it lived to answer.
    expect(spent.fee).toBeGreaterThanOrEqual(chain.fee);
    expect(spent.txs).toBeGreaterThanOrEqual(hashes.length);
  }, 300_000);
});

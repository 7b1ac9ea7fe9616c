/**
 * Load: sponsored executes through the real app on a real Redis, over 4
 * relayers, 50 in flight, alternating between two relay instances on that
 * Redis (each with its own deps, app and settlement sweeper, as in a
 * deployment: two sweepers racing to settle is part of the load). Every request must get a transaction (0 lost), each
 * exactly one (0 double executions: the relayers' nonces grew by exactly the
 * number of successes), with no stale relayer nonce ever reaching the node,
 * and the fee the relay recorded must equal the sum of the receipts' fees.
 * RELIABILITY_LOAD sets the count (default sized for CI; the figure
 * is 1000: RELIABILITY_LOAD=1000 npm run test:reliability).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeAndWait } from '../../scripts/local/accounts.ts';
import { call } from '../../scripts/local/seed.ts';
import {
  nonceErrors,
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
} from './fixtures.ts';

const COUNT = Number(process.env.RELIABILITY_LOAD ?? 300);
const IN_FLIGHT = 50;

let f: FaultStack;
beforeAll(async () => {
  f = await startFaultStack();
  // The Paymaster's own per-account quota (1000 a day by default) would refuse the last of 1000
  // heartbeats from one worker on chain; that is the contract's limit, not what this test measures.
  await executeAndWait(f.chain.deployer.account, call(f.chain.manifest.contracts.paymaster.address, 'set_tier', [0, 1_000_000, 86_400]));
}, 300_000);
afterAll(async () => f?.stop());

describe('load', () => {
  it(`${COUNT} sponsored executes over 4 relayers, ${IN_FLIGHT} in flight: none lost, none doubled, budgets exact`, async () => {
    const deps = f.relay.relay.deps;
    const worker = f.chain.demo!.worker;
    const before = { txs: await relayerTxs(f.chain), spent: await recorded(deps) };

    const t0 = performance.now();
    const other = await f.another();
    const out = await runLoad(COUNT, IN_FLIGHT, (i) => sponsorHeartbeat((i % 2 ? other : f.relay).rpc, f.chain, worker));
    const secs = (performance.now() - t0) / 1000;
    const ok = out.flatMap((o) => (o.ok ? [o] : []));

    await settleAll(deps);
    const states = await runLoad(ok.length, 16, async (i) => (await f.relay.rpc('paymaster_trackingIdToLatestHash', { tracking_id: ok[i]!.trackingId })).body.result?.status);
    const sent = (await relayerTxs(f.chain)) - before.txs;
    const chain = await receipts(f.chain, ok.map((o) => o.txHash));
    const spent = await recorded(deps);
    const fee = spent.fee - before.spent.fee;

    report(
      'load',
      `${COUNT} executes, ${IN_FLIGHT} in flight, 4 relayers, 2 instances, ${secs.toFixed(1)} s (${(COUNT / secs).toFixed(1)} tx/s): ${tally(out)}; ` +
        `relayer txs ${sent}, nonce errors ${nonceErrors(f)}, accepted ${states.filter((s) => s === 'accepted').length}, ` +
        `recorded fee ${fee} fri vs receipts ${chain.fee} fri (diff ${fee - chain.fee})`,
    );
    expect(out.filter((o) => !o.ok).slice(0, 3)).toEqual([]); // the first few, with their details
    expect(nonceErrors(f)).toBe(0);
    // One transaction per request, and no other: nothing executed twice, nothing sent unrecorded.
    expect(sent).toBe(BigInt(COUNT));
    expect(new Set(ok.map((o) => o.txHash)).size).toBe(COUNT);
    expect(chain.reverts).toEqual([]);
    expect(chain.succeeded).toBe(COUNT);
    expect(states.every((s) => s === 'accepted')).toBe(true);
    expect(spent.txs - before.spent.txs).toBe(COUNT);
    expect(fee).toBe(chain.fee);
  }, 600_000);
});

/**
 * Transactions that survive the network: a tracking id follows the user's
 * request across transactions. On devnet:
 * - the block holding a sponsored transaction is aborted: the relay sends the
 *   same signed execution again, the tracking id answers the new hash, and
 *   the reservation settles on the one that lands;
 * - a relayer's nonce is taken by another transaction behind the relay's back;
 * - the relay is killed between submission and receipt, and another instance
 *   on the same Redis settles what it left.
 */
import { hash } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweep } from '../../../relay/execution/tracking.ts';
import { readTracking } from '../../../relay/execution/trackingRecord.ts';
import { dayOf } from '../../../relay/store/keys.ts';
import { startRedis, type TestRedis } from '../../helpers/redis.ts';
import { startRelayStack, type RelayStack } from '../../helpers/relay.ts';
import { executeAndWait } from '../../../scripts/local/accounts.ts';
import { devnetCall } from '../../../scripts/local/devnet.ts';
import { startLocalChain, type LocalChain } from '../../../scripts/local/chain.ts';
import { call } from '../../../scripts/local/seed.ts';
import { sign } from '../../security/helpers.ts';

let chain: LocalChain;
let redis: TestRedis;
let s: RelayStack;
beforeAll(async () => {
  // Aborting blocks needs devnet's full state archive.
  [chain, redis] = await Promise.all([startLocalChain({ seed: true, devnet: { args: ['--state-archive-capacity', 'full'] } }), startRedis()]);
  s = await startRelayStack({
    existingChain: chain,
    // Settlement is driven by the test; a transaction unseen for 1 s counts as dropped.
    sweepMs: 3_600_000,
    config: { trackingDropAfterMs: 1_000, store: { kind: 'redis', url: redis.url, prefix: 'survive:' } },
  });
}, 300_000);
afterAll(async () => {
  await s?.stop();
  await chain?.stop();
  await redis?.stop();
});

const worker = () => chain.demo!.worker;
const sponsored = { version: '0x1', fee_mode: { mode: 'sponsored' } };
async function executeHeartbeat(stack: RelayStack) {
  const calls = [{ to: chain.manifest.contracts.cdc_pool.address, selector: hash.getSelectorFromName('heartbeat'), calldata: [] }];
  const built = await stack.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: worker().address, calls } }, parameters: sponsored });
  const td = built.body.result.typed_data;
  const res = await stack.rpc('paymaster_executeTransaction', { transaction: { type: 'invoke', invoke: { user_address: worker().address, typed_data: td, signature: sign(td, worker()) } }, parameters: sponsored });
  expect(res.body.error).toBeUndefined();
  return res.body.result as { tracking_id: string; transaction_hash: string };
}
const latest = async (stack: RelayStack, id: string) => (await stack.rpc('paymaster_trackingIdToLatestHash', { tracking_id: id })).body.result;

describe('a tracking id follows the request', () => {
  it('sends the same signed execution again when its block is aborted, and settles the one that lands', async () => {
    const { tracking_id, transaction_hash: first } = await executeHeartbeat(s);
    const receipt = (await chain.provider.waitForTransaction(first)) as unknown as { value: { block_hash: string } };
    await devnetCall(chain.devnet.url, 'devnet_abortBlocks', { starting_block_id: { block_hash: receipt.value.block_hash } });
    await new Promise((r) => setTimeout(r, 1_200));

    // Gone from the chain with its block.
    await expect(chain.provider.getTransactionStatus(first)).rejects.toBeDefined();
    await sweep(s.relay.deps);
    const again = await latest(s, tracking_id);
    const rec = (await readTracking(s.relay.deps, tracking_id))!;
    // Sent a second time. Same relayer, nonce and bounds give the same hash; the id answers the newest either way.
    expect(rec.hashes).toHaveLength(2);
    expect(rec.hashes![0]).toBe(first);
    expect(again.transaction_hash).toBe(rec.hashes![1]);
    expect((await chain.provider.waitForTransaction(again.transaction_hash)).isSuccess()).toBe(true);
    await sweep(s.relay.deps);
    expect(await latest(s, tracking_id)).toEqual({ transaction_hash: again.transaction_hash, status: 'accepted' });
    // Settled once, on the transaction that landed.
    const usage = await s.relay.deps.gate.usage('test', { day: dayOf(Date.now() / 1000), sender: worker().address });
    expect(usage.txs).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('recovers when another transaction takes a relayer nonce behind the relay', async () => {
    // Every relayer sends one transaction of its own: each cached nonce is now stale.
    for (const r of chain.relayers) await executeAndWait(r.account, call(chain.manifest.contracts.ciro_token.address, 'approve', [r.address, 0, 0]));
    const { transaction_hash } = await executeHeartbeat(s);
    expect((await chain.provider.waitForTransaction(transaction_hash)).isSuccess()).toBe(true);
  }, 120_000);

  it('settles after a restart: another instance on the same Redis finishes what a killed one left', async () => {
    const { tracking_id, transaction_hash } = await executeHeartbeat(s);
    await chain.provider.waitForTransaction(transaction_hash);
    expect((await readTracking(s.relay.deps, tracking_id))!.status).toBe('active');
    await s.relay.close();
    const next = await startRelayStack({ existingChain: chain, config: { store: { kind: 'redis', url: redis.url, prefix: 'survive:' } } });
    try {
      await expect.poll(async () => (await readTracking(next.relay.deps, tracking_id))?.status, { timeout: 20_000 }).toBe('accepted');
      expect(await latest(next, tracking_id)).toEqual({ transaction_hash, status: 'accepted' });
    } finally {
      await next.stop();
    }
  }, 120_000);
});

/**
 * A send whose answer is lost may or may not have reached the node, so the
 * relayer's nonce it used is unknown; submit asks the node for the hash once.
 * - The node never saw it: the nonce is free. Counting it used (the cache one
 *   ahead) would, on a node that queues future nonces (Starknet 0.14), hold
 *   every later transaction of the relayer behind it; devnet refuses them,
 *   which hides it. So no cached nonce may be ahead of the chain's.
 * - The node took it: the nonce is used, though a lagging node's nonce read
 *   (pre_confirmed, behind its mempool) does not show it yet. Read again, it
 *   would be sent twice. Here the node's nonce reads lag on purpose, and the
 *   next transaction must still go out.
 * One relayer, so the next transaction is that relayer's.
 */
import { hash } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keys } from '../../../relay/store/keys.ts';
import { startRelayStack, type RelayStack } from '../../helpers/relay.ts';
import { buildSigned } from '../../security/helpers.ts';

const node = { lose: false, take: false, lagging: undefined as string | undefined, lost: 0 };
let s: RelayStack;
beforeAll(async () => {
  s = await startRelayStack({
    chain: { relayerCount: 1 },
    fetch: async (input, init) => {
      const body = String(init?.body ?? '');
      const msg = JSON.parse(body) as { id?: unknown; method?: string };
      if (msg.method === 'starknet_addInvokeTransaction' && (node.lose || node.take)) {
        node.lost++;
        if (node.take) await fetch(input, init); // the node takes it; its answer is lost on the way back
        throw new TypeError('fetch failed');
      }
      // A node whose nonce reads lag its mempool answers the nonce from before the lost send.
      if (msg.method === 'starknet_getNonce' && node.lagging !== undefined) {
        return new Response(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: node.lagging }), { headers: { 'content-type': 'application/json' } });
      }
      return fetch(input, init);
    },
  });
}, 300_000);
afterAll(async () => s?.stop());

const relayer = () => s.relay.deps.config.relayers[0]!.address;
const heartbeat = () => [{ to: s.chain.manifest.contracts.cdc_pool.address, selector: hash.getSelectorFromName('heartbeat'), calldata: [] }];
const send = async () => s.rpc('paymaster_executeTransaction', (await buildSigned(s, s.chain.demo!.worker, heartbeat())).params);

describe('a relayer send whose answer is lost', () => {
  it("that the node never saw leaves no cached nonce ahead of the chain, and the next transaction goes out", async () => {
    node.lose = true;
    const sent = await send().finally(() => (node.lose = false));
    expect(node.lost).toBe(1);
    // Tracked as unconfirmed: the relay has a hash to look up, and never sends it twice.
    expect(sent.body.result?.tracking_id).toBeDefined();
    const cached = await s.relay.deps.store.get(Keys.relayer.nonce(relayer()));
    const onChain = BigInt(await s.chain.provider.getNonceForAddress(relayer(), 'pre_confirmed'));
    expect(cached === null || BigInt(cached) <= onChain, `cached ${cached}, chain ${onChain}`).toBe(true);
    const ok = await send();
    expect((await s.chain.provider.waitForTransaction(ok.body.result.transaction_hash)).isSuccess()).toBe(true);
  }, 180_000);

  it('that the node took keeps its nonce used, though the node reads it as free', async () => {
    const before = BigInt(await s.chain.provider.getNonceForAddress(relayer(), 'pre_confirmed'));
    node.take = true;
    const sent = await send().finally(() => (node.take = false));
    await s.chain.provider.waitForTransaction(sent.body.result.transaction_hash);
    node.lagging = '0x' + before.toString(16);
    const next = await send().finally(() => (node.lagging = undefined));
    expect(next.body.error).toBeUndefined();
    expect((await s.chain.provider.waitForTransaction(next.body.result.transaction_hash)).isSuccess()).toBe(true);
    expect(BigInt(await s.chain.provider.getNonceForAddress(relayer(), 'pre_confirmed'))).toBe(before + 2n);
  }, 180_000);
});

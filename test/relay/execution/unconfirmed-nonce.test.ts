/**
 * A send whose answer is lost may or may not have reached the node, so the
 * relayer's nonce it used is unknown. Counting it used (the cache one ahead)
 * would, on a node that queues future nonces (Starknet 0.14), leave every
 * later transaction of that relayer waiting behind one never sent; devnet
 * refuses them instead, which hides it. So the cached nonce is dropped, and
 * the next lease reads the chain's: here the node never sees the send, and
 * no relayer's cached nonce may be ahead of its nonce on chain.
 */
import { hash } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keys } from '../../../relay/store/keys.ts';
import { startRelayStack, type RelayStack } from '../../helpers/relay.ts';
import { buildSigned } from '../../security/helpers.ts';

const lose = { on: false, lost: 0 };
let s: RelayStack;
beforeAll(async () => {
  s = await startRelayStack({
    fetch: async (input, init) => {
      if (lose.on && String(init?.body ?? '').includes('starknet_addInvokeTransaction')) {
        lose.lost++;
        throw new TypeError('fetch failed'); // the connection reset before the node read it
      }
      return fetch(input, init);
    },
  });
}, 300_000);
afterAll(async () => s?.stop());

describe('a relayer send whose answer is lost', () => {
  it("leaves no relayer's cached nonce ahead of the chain, and the next transaction goes out", async () => {
    const w = s.chain.demo!.worker;
    const heartbeat = [{ to: s.chain.manifest.contracts.cdc_pool.address, selector: hash.getSelectorFromName('heartbeat'), calldata: [] }];
    const first = await buildSigned(s, w, heartbeat);
    lose.on = true;
    const sent = await s.rpc('paymaster_executeTransaction', first.params);
    lose.on = false;
    // Tracked as unconfirmed: the relay has a hash to look up, and never sends it twice.
    expect(lose.lost).toBe(1);
    expect(sent.body.result?.tracking_id).toBeDefined();
    for (const r of s.relay.deps.config.relayers) {
      const cached = await s.relay.deps.store.get(Keys.relayer.nonce(r.address));
      const onChain = BigInt(await s.chain.provider.getNonceForAddress(r.address, 'pre_confirmed'));
      expect(cached === null || BigInt(cached) <= onChain, `${r.address}: cached ${cached}, chain ${onChain}`).toBe(true);
    }
    const next = await buildSigned(s, w, heartbeat);
    const ok = await s.rpc('paymaster_executeTransaction', next.params);
    expect((await s.chain.provider.waitForTransaction(ok.body.result.transaction_hash)).isSuccess()).toBe(true);
  }, 180_000);
});

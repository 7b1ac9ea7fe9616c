/**
 * Build estimates the user's calls with the user's nonce, kept in the store:
 * a paymaster's user seldom sends on its own (outside executions leave its
 * nonce alone), so builds after the first skip the node's nonce read. When
 * the user has sent on its own, the kept nonce fails the estimate; build reads
 * it again and estimates once more, and the wallet never sees the difference.
 */
import { hash } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeAndWait } from '../../../scripts/local/accounts.ts';
import { call } from '../../../scripts/local/seed.ts';
import { startRelayStack, type RelayStack } from '../../helpers/relay.ts';

const reads = { nonce: 0, estimates: 0 };
let s: RelayStack;
beforeAll(async () => {
  s = await startRelayStack({
    // Counts what reaches the node, without changing it.
    fetch: async (input, init) => {
      const method = (JSON.parse(String(init?.body ?? '{}')) as { method?: string }).method;
      if (method === 'starknet_getNonce') reads.nonce++;
      if (method === 'starknet_estimateFee') reads.estimates++;
      return fetch(input, init);
    },
  });
}, 300_000);
afterAll(async () => s?.stop());

describe("build's kept user nonce", () => {
  it('reads the nonce once, and again only after the user sent a transaction of its own', async () => {
    const user = s.chain.spare[0]!;
    const c = s.chain.manifest.contracts;
    const approve = (n: number) => ({ to: c.ciro_token.address, selector: hash.getSelectorFromName('approve'), calldata: [c.job_mgr.address, `0x${n.toString(16)}`, '0x0'] });
    // n calls each time: a sponsored build of a shape already estimated would reuse that estimate (estimate.ts).
    const build = async (n: number) => {
      reads.nonce = reads.estimates = 0;
      const calls = Array.from({ length: n }, (_, i) => approve(n * 10 + i));
      const res = await s.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: user.address, calls } }, parameters: { version: '0x1', fee_mode: { mode: 'sponsored' } } });
      expect(res.body.error).toBeUndefined();
      expect(res.body.result.typed_data).toBeDefined();
      return { ...reads };
    };
    expect(await build(1)).toEqual({ nonce: 1, estimates: 1 });
    expect(await build(2)).toEqual({ nonce: 0, estimates: 1 });

    // The user sends on its own: the kept nonce is now stale.
    const before = BigInt(await s.chain.provider.getNonceForAddress(user.address));
    await executeAndWait(user.account, call(c.ciro_token.address, 'approve', [c.job_mgr.address, '7', '0']));
    expect(BigInt(await s.chain.provider.getNonceForAddress(user.address))).toBe(before + 1n);
    expect(await build(3)).toEqual({ nonce: 1, estimates: 2 });
    expect(await build(4)).toEqual({ nonce: 0, estimates: 1 });
  }, 120_000);
});

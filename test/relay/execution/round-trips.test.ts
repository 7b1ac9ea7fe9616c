/**
 * The node round trips on a sponsored transaction's critical path, counted
 * by JSON-RPC method on devnet (bench/latency.ts times them). Once a sender
 * and its call shape are known, a build asks the node nothing, and an
 * execute asks it twice: the simulation of the relayer's transaction and the
 * invoke. Every relayer's first send included: starknet.js would otherwise
 * read its account class (getClassAt) inside that request.
 */
import { hash } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayStack, type RelayStack } from '../../helpers/relay.ts';
import { sign, sponsored } from '../../security/helpers.ts';

const calls = new Map<string, number>();
let s: RelayStack;
beforeAll(async () => {
  s = await startRelayStack({
    // A sweeper slower than the test, so only requests reach the node.
    sweepMs: 600_000,
    fetch: async (input, init) => {
      const method = String((JSON.parse(String(init?.body ?? '{}')) as { method?: string }).method);
      calls.set(method, (calls.get(method) ?? 0) + 1);
      return fetch(input, init);
    },
  });
}, 300_000);
afterAll(async () => s?.stop());

/** The node calls `run` made, by method. */
async function counted(run: () => Promise<void>): Promise<Record<string, number>> {
  calls.clear();
  await run();
  return Object.fromEntries(calls);
}

describe("a sponsored transaction's node round trips", () => {
  it('a known shape builds with none; each execute simulates and sends, on every relayer, with no account-class read', async () => {
    const user = s.chain.spare[0]!;
    const c = s.chain.manifest.contracts;
    const approve = (n: number) => ({ to: c.ciro_token.address, selector: hash.getSelectorFromName('approve'), calldata: [c.job_mgr.address, `0x${n.toString(16)}`, '0x0'] });
    const build = async (n: number) => {
      const r = await s.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: user.address, calls: [approve(n)] } }, parameters: sponsored });
      expect(r.body.error).toBeUndefined();
      return r.body.result.typed_data;
    };
    await build(1); // learns the account, its nonce and the shape's estimate
    const relayers = new Set<string>();
    for (let n = 2; n < 2 + 2 * s.chain.relayers.length; n++) {
      let td: unknown;
      expect(await counted(async () => void (td = await build(n)))).toEqual({});
      const sent = await counted(async () => {
        const r = await s.rpc('paymaster_executeTransaction', { transaction: { type: 'invoke', invoke: { user_address: user.address, typed_data: td, signature: sign(td, user) } }, parameters: sponsored });
        expect(r.body.error).toBeUndefined();
        const tx = await s.chain.provider.getTransactionByHash(r.body.result.transaction_hash);
        relayers.add(BigInt((tx as { sender_address: string }).sender_address).toString(16));
      });
      expect(sent.starknet_getClassAt ?? 0).toBe(0);
      expect(sent.starknet_estimateFee).toBe(1);
      expect(sent.starknet_addInvokeTransaction).toBe(1);
    }
    // Every relayer sent at least once, so each one's first send was counted.
    expect(relayers.size).toBe(s.chain.relayers.length);
  }, 180_000);
});

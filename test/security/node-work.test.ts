/**
 * Medium: node work was never rate-limited. A failed execute (bad signature,
 * a revert) costs a node simulation and pays nobody, so a public key could
 * keep the node busy for free. Now every request counts before its first
 * node call, and refusals after node work count against a small allowance:
 * the attacker is stopped, and the node sees a bounded number of simulations.
 */
import { hash } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayStack, type RelayStack } from '../helpers/relay.ts';
import { relayerLedger, report, sponsored } from './helpers.ts';

const REFUSALS = 3;
const simulations = { n: 0 };
const classReads = { n: 0 };
let s: RelayStack;
beforeAll(async () => {
  s = await startRelayStack({
    config: { nodeWork: { perApiKeyPerMinute: 0, perSenderPerMinute: 0, refusalsPerApiKeyPerHour: 0, refusalsPerSenderPerHour: REFUSALS } },
    // Counts what reaches the node, without changing it.
    fetch: async (input, init) => {
      // Execute's simulation estimates a relayer's (or the simulation account's) transaction; build estimates the user's own calls.
      const rpc = JSON.parse(String(init?.body ?? '{}')) as { method?: string; params?: { request?: { sender_address?: string }[] } };
      const relayers = s ? [...s.chain.relayers, s.chain.simulator].map((r) => BigInt(r.address)) : [];
      const relayed = () => (rpc.params?.request ?? []).some((tx) => relayers.includes(BigInt(tx.sender_address ?? 0)));
      if (rpc.method === 'starknet_simulateTransactions' || (rpc.method === 'starknet_estimateFee' && relayed())) simulations.n++;
      if (rpc.method === 'starknet_getClass') classReads.n++;
      return fetch(input, init);
    },
  });
}, 300_000);
afterAll(async () => s?.stop());

describe('node work bought with a public key', () => {
  it(`stops an account sending bad signatures after ${REFUSALS} refusals, before the node`, async () => {
    // A registered worker's own account: everything about the request is fine but the signature.
    const attacker = s.chain.demo!.worker;
    const heartbeat = { to: s.chain.manifest.contracts.cdc_pool.address, selector: hash.getSelectorFromName('heartbeat'), calldata: [] };
    const before = await relayerLedger(s);
    const reasons: string[] = [];
    for (let i = 0; i < REFUSALS + 5; i++) {
      const built = await s.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: attacker.address, calls: [heartbeat] } }, parameters: sponsored });
      if (built.body.error) {
        reasons.push(built.body.error.data.reason);
        continue;
      }
      const bad = { type: 'invoke', invoke: { user_address: attacker.address, typed_data: built.body.result.typed_data, signature: ['0x1', '0x2'] } };
      reasons.push((await s.rpc('paymaster_executeTransaction', { transaction: bad, parameters: sponsored })).body.error.data.reason);
    }
    const after = await relayerLedger(s);
    report('bad-signature loop', `${reasons.filter((r) => r === 'invalid_signature').length} simulations refused, then ${reasons.filter((r) => r !== 'invalid_signature').length} requests stopped before the node; ${simulations.n} simulations in all, relayers spent ${before.strk - after.strk} fri`);
    expect(reasons.slice(0, REFUSALS)).toEqual(Array(REFUSALS).fill('invalid_signature'));
    // Builds are node work too: once over the allowance, they stop as well.
    expect(reasons.slice(REFUSALS)).toEqual(Array(5).fill('rate_limited'));
    expect(simulations.n).toBe(REFUSALS);
    expect(after.txs).toBe(before.txs);
    expect(after.strk).toBe(before.strk);
  }, 180_000);

  it('refuses a contract of a class the relay does not accept before asking the node for that class', async () => {
    // Any contract can stand in for an account; each new class would cost the node a whole-class read.
    const token = s.chain.manifest.contracts.ciro_token.address;
    classReads.n = 0;
    const built = await s.rpc('paymaster_buildTransaction', {
      transaction: { type: 'invoke', invoke: { user_address: token, calls: [{ to: token, selector: hash.getSelectorFromName('approve'), calldata: [token, '0x1', '0x0'] }] } },
      parameters: sponsored,
    });
    expect(built.body.error?.data?.reason).toBe('account_class_not_supported');
    expect(classReads.n).toBe(0);
  });
});

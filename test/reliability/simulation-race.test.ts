/**
 * A simulation that keeps losing the race for its relayer's nonce. Execute
 * simulates the relayer's transaction with the nonce it just read; when that
 * relayer lands another transaction first, the node refuses the nonce and the
 * relay reads it again and retries (8 attempts). Found by the throughput bench
 * (1 relayer, 16 users): when every attempt lost, the refusal was reported as
 * `execution_reverted` ("the calls revert on chain"), which blamed the user's
 * calls for the relayers' traffic. Here a transaction of the relayer's own
 * lands in front of every simulation: without a simulation account the
 * answer must be `relayers_busy`, a retryable refusal, after exactly 8
 * simulations, with nothing submitted; with one (config.simulator, an
 * account registered as a relayer that never sends) the relayer's traffic
 * cannot touch the simulation's nonce: one simulation, submitted.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeAndWait } from '../../scripts/local/accounts.ts';
import { startLocalChain, type LocalChain } from '../../scripts/local/chain.ts';
import { call } from '../../scripts/local/seed.ts';
import { startRelayStack, type RelayStack } from '../helpers/relay.ts';
import { buildSigned } from '../security/helpers.ts';

let chain: LocalChain;
let s: RelayStack;
let withSim: RelayStack;
let racing = false;
let simulations = 0;

beforeAll(async () => {
  chain = await startLocalChain({ seed: true });
  const relayer = chain.relayers[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'ciro-race-'));
  writeFileSync(join(dir, 'approve.json'), JSON.stringify({
    schemaVersion: 1, id: 'approve', name: 'approve', enabled: true,
    rules: { allow: [{ contract: 'ciro_token', selectors: ['approve'] }] },
  }));
  const simulators = [relayer.address, chain.simulator.address].map(BigInt);
  const racingFetch: typeof fetch = async (input, init) => {
    const rpc = JSON.parse(String(init?.body ?? '{}')) as { method?: string; params?: { request?: { sender_address?: string }[] } };
    const simulation = rpc.method === 'starknet_estimateFee' && simulators.includes(BigInt(rpc.params?.request?.[0]?.sender_address ?? 0));
    if (racing && simulation) {
      simulations++;
      // The relayer's own transaction lands first, taking the nonce a relayer's simulation was built with.
      await executeAndWait(relayer.account, call(chain.manifest.contracts.ciro_token.address, 'approve', [relayer.address, 0, 0]));
    }
    return fetch(input, init);
  };
  const stack = (simulator: string | undefined) =>
    startRelayStack({ existingChain: chain, policyDir: dir, policies: ['approve'], config: { relayers: [{ address: relayer.address, privateKey: relayer.privateKey }], simulator }, fetch: racingFetch });
  s = await stack(undefined);
  withSim = await stack(chain.simulator.address);
}, 300_000);
afterAll(async () => {
  await s?.stop();
  await withSim?.stop();
  await chain?.stop();
});

describe('a simulation that loses every race for its relayer nonce', () => {
  it('is refused as relayers_busy (retryable) after 8 simulations, nothing submitted', async () => {
    const c = chain.manifest.contracts;
    const who = chain.spare[0]!;
    const approve = { to: c.ciro_token.address, selector: hash.getSelectorFromName('approve'), calldata: [c.job_mgr.address, '0x7', '0x0'] };
    const { params } = await buildSigned(s, who, [approve]);
    const nonce0 = BigInt(await chain.provider.getNonceForAddress(chain.relayers[0]!.address));
    racing = true;
    const res = await s.rpc('paymaster_executeTransaction', params);
    racing = false;
    const sent = BigInt(await chain.provider.getNonceForAddress(chain.relayers[0]!.address)) - nonce0;
    console.log(`[reliability] simulation race: ${simulations} simulations, answer ${res.body.error?.data?.reason}; relayer transactions ${sent}, all its own`);
    expect(res.body.error?.data).toMatchObject({ reason: 'relayers_busy', retry_after: 1 });
    expect(simulations).toBe(8);
    expect(sent).toBe(8n);
    // Once the relayer is left alone, the same signed execution goes through.
    const again = await s.rpc('paymaster_executeTransaction', params);
    expect(again.body.result?.transaction_hash).toMatch(/^0x/);
  }, 240_000);

  it('with a simulation account, the same race costs one simulation and the execution is sent; the account never sends', async () => {
    const c = chain.manifest.contracts;
    const who = chain.spare[1]!;
    const approve = { to: c.ciro_token.address, selector: hash.getSelectorFromName('approve'), calldata: [c.job_mgr.address, '0x8', '0x0'] };
    const { params } = await buildSigned(withSim, who, [approve]);
    simulations = 0;
    racing = true;
    const res = await withSim.rpc('paymaster_executeTransaction', params);
    racing = false;
    console.log(`[reliability] simulation race, simulation account: ${simulations} simulation(s), answer ${res.body.result ? 'submitted' : res.body.error?.data?.reason}`);
    expect(res.body.result?.transaction_hash).toMatch(/^0x/);
    expect(simulations).toBe(1);
    expect(BigInt(await chain.provider.getNonceForAddress(chain.simulator.address))).toBe(0n);
  }, 240_000);
});

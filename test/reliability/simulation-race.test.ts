/**
 * A simulation that keeps losing the race for its relayer's nonce. Execute
 * simulates the relayer's transaction with the nonce it just read; when that
 * relayer lands another transaction first, the node refuses the nonce and the
 * relay reads it again and retries (8 attempts). Found by the throughput bench
 * (1 relayer, 16 users): when every attempt lost, the refusal was reported as
 * `execution_reverted` ("the calls revert on chain"), which blamed the user's
 * calls for the relayers' traffic. Here a transaction of the relayer's own
 * lands in front of every simulation: the answer must be `relayers_busy`, a
 * retryable refusal, after exactly 8 simulations, with nothing submitted.
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
  s = await startRelayStack({
    existingChain: chain,
    policyDir: dir,
    policies: ['approve'],
    config: { relayers: [{ address: relayer.address, privateKey: relayer.privateKey }] },
    fetch: async (input, init) => {
      const rpc = JSON.parse(String(init?.body ?? '{}')) as { method?: string; params?: { request?: { sender_address?: string }[] } };
      const ofRelayer = rpc.method === 'starknet_estimateFee' && BigInt(rpc.params?.request?.[0]?.sender_address ?? 0) === BigInt(relayer.address);
      if (racing && ofRelayer) {
        simulations++;
        // The relayer's own transaction lands first, taking the nonce this simulation was built with.
        await executeAndWait(relayer.account, call(chain.manifest.contracts.ciro_token.address, 'approve', [relayer.address, 0, 0]));
      }
      return fetch(input, init);
    },
  });
}, 300_000);
afterAll(async () => {
  await s?.stop();
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
});

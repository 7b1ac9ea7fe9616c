/**
 * Medium: a user's own call decides a simulation's revert text. The relay
 * retries a simulation that lost a relayer-nonce race, and it used to
 * recognise that race partly by the trace's text: a call reverting with
 * "Invalid transaction nonce" could buy up to 8 node simulations for one
 * refused request. Now only the node's error code or the relayer's nonce
 * moving on chain means a race. The attacker signs, with its own key, an
 * execution whose call reverts with exactly that text (MockReverter,
 * allowed by the policy and by the Paymaster): one simulation, refused.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash, shortString } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../../scripts/local/artifacts.ts';
import { executeAndWait } from '../../scripts/local/accounts.ts';
import { startLocalChain, type LocalChain } from '../../scripts/local/chain.ts';
import { call } from '../../scripts/local/seed.ts';
import { startRelayStack, type RelayStack } from '../helpers/relay.ts';
import { attackerAccount, estimateKind, relayerLedger, report, sign, sponsored } from './helpers.ts';

const REASON = 'Invalid transaction nonce';
let chain: LocalChain;
let s: RelayStack;
let reverter: string;
const simulations = { n: 0 };
const userReads = { estimates: 0, nonces: 0 };

beforeAll(async () => {
  chain = await startLocalChain({ seed: true });
  const { sierra, casm } = loadArtifact('MockReverter');
  const declared = await chain.deployer.account.declareIfNot({ contract: sierra, casm });
  if (declared.transaction_hash) await chain.provider.waitForTransaction(declared.transaction_hash);
  const deployed = await chain.deployer.account.deployContract({ classHash: declared.class_hash, constructorCalldata: [] });
  await chain.provider.waitForTransaction(deployed.transaction_hash);
  reverter = deployed.contract_address;
  await executeAndWait(chain.deployer.account, call(chain.manifest.contracts.paymaster.address, 'set_allowed_call', [reverter, hash.getSelectorFromName('fail'), 1]));
  const dir = mkdtempSync(join(tmpdir(), 'ciro-revert-'));
  writeFileSync(join(dir, 'open.json'), JSON.stringify({
    schemaVersion: 1, id: 'open', name: 'open', enabled: true,
    rules: { allow: [{ contract: 'ciro_token', selectors: ['approve'] }, { contract: reverter, selectors: ['fail'] }] },
  }));
  s = await startRelayStack({
    existingChain: chain,
    policyDir: dir,
    policies: ['open'],
    // Counts the relay's simulations: estimates of a relayer's transaction (build estimates the user's own calls).
    fetch: async (input, init) => {
      const kind = estimateKind(chain, init?.body);
      if (kind === 'relayer') simulations.n++;
      if (kind === 'user') userReads.estimates++;
      if ((JSON.parse(String(init?.body ?? '{}')) as { method?: string }).method === 'starknet_getNonce') userReads.nonces++;
      return fetch(input, init);
    },
  });
}, 300_000);
afterAll(async () => {
  await s?.stop();
  await chain?.stop();
});

describe('a revert reason chosen by the user', () => {
  it(`"${REASON}" from the user's own call costs one simulation and is refused as a revert`, async () => {
    const attacker = await attackerAccount(s);
    // Build passes on a harmless call; the attacker then signs its own execution calling the reverter instead.
    const approve = { to: chain.manifest.contracts.ciro_token.address, selector: hash.getSelectorFromName('approve'), calldata: [reverter, '0x1', '0x0'] };
    const built = await s.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: attacker.address, calls: [approve] } }, parameters: sponsored });
    const td = built.body.result.typed_data;
    td.message.Calls = [{ To: reverter, Selector: hash.getSelectorFromName('fail'), Calldata: [shortString.encodeShortString(REASON)] }];
    const before = await relayerLedger(s);
    simulations.n = 0;
    const res = await s.rpc('paymaster_executeTransaction', { transaction: { type: 'invoke', invoke: { user_address: attacker.address, typed_data: td, signature: sign(td, attacker) } }, parameters: sponsored });
    const after = await relayerLedger(s);
    report('crafted revert reason', `refused as ${res.body.error?.data?.reason} ('${res.body.error?.data?.revert_reason}') after ${simulations.n} simulation(s); relayers sent ${after.txs - before.txs} transactions`);
    expect(res.body.error?.data?.reason).toBe('execution_reverted');
    expect(res.body.error?.data?.revert_reason).toBe(REASON);
    expect(simulations.n).toBe(1);
    expect(after.txs).toBe(before.txs);
    expect(after.strk).toBe(before.strk);
  }, 120_000);

  it(`"${REASON}" at build, with the user's nonce kept: one estimate and one nonce read, refused, not retried`, async () => {
    const attacker = await attackerAccount(s);
    const approve = { to: chain.manifest.contracts.ciro_token.address, selector: hash.getSelectorFromName('approve'), calldata: [reverter, '0x1', '0x0'] };
    const build = (calls: unknown[]) => s.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: attacker.address, calls } }, parameters: sponsored });
    const first = await build([approve]);
    expect(first.body.result, JSON.stringify(first.body.error)).toBeDefined(); // keeps the nonce
    userReads.estimates = userReads.nonces = 0;
    const fail = { to: reverter, selector: hash.getSelectorFromName('fail'), calldata: [shortString.encodeShortString(REASON)] };
    const res = await build([fail]);
    report('crafted revert reason at build', `refused as ${res.body.error?.data?.reason} after ${userReads.estimates} estimate(s) and ${userReads.nonces} nonce read(s)`);
    expect(res.body.error?.data?.reason).toBe('execution_reverted');
    // The kept nonce is checked once (it has not moved), so the estimate is not made again.
    expect(userReads).toEqual({ estimates: 1, nonces: 1 });
  }, 120_000);
});

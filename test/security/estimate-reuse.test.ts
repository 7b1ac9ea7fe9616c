/**
 * A sponsored build reuses the sender's estimate of the same call shape for
 * 30 s (execution/estimate.ts), so it binds nothing. These tests show what
 * that may and may not change:
 * - a repeated shape is built without a node estimate, per sender;
 * - default mode always estimates (its fee transfer is signed);
 * - a shape the node refused is never kept, and a kept estimate is the
 *   tenant's own and never refuses a build (anyone may build for any address);
 * - the attack: keep a shape's estimate with a call that succeeds, then build
 *   the same shape when it reverts (here, a transfer of more CIRO than the
 *   account holds). The build passes on the kept estimate, but execute
 *   simulates the signed transaction first: refused, nothing sent, the
 *   relayers lose nothing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeAndWait } from '../../scripts/local/accounts.ts';
import { startLocalChain, type LocalChain } from '../../scripts/local/chain.ts';
import { call } from '../../scripts/local/seed.ts';
import { keepEstimate, shapeOf } from '../../relay/execution/estimate.ts';
import { Keys } from '../../relay/store/keys.ts';
import { startRelayStack, type RelayStack } from '../helpers/relay.ts';
import { attackerAccount, estimateKind, relayerLedger, report, sign, sponsored } from './helpers.ts';

let chain: LocalChain;
let s: RelayStack;
/** The node's estimates of a user's own calls (build's), not of a relayer's transaction (execute's). */
const userEstimates = { n: 0 };

beforeAll(async () => {
  chain = await startLocalChain({ seed: true });
  const token = chain.manifest.contracts.ciro_token.address;
  await executeAndWait(chain.deployer.account, call(chain.manifest.contracts.paymaster.address, 'set_allowed_call', [token, hash.getSelectorFromName('transfer'), 1]));
  const dir = mkdtempSync(join(tmpdir(), 'ciro-reuse-'));
  writeFileSync(join(dir, 'open.json'), JSON.stringify({
    schemaVersion: 1, id: 'open', name: 'open', enabled: true,
    rules: { allow: [{ contract: 'ciro_token', selectors: ['approve', 'transfer'] }], feeModes: ['sponsored', 'default'] },
  }));
  s = await startRelayStack({
    existingChain: chain,
    policyDir: dir,
    policies: ['open'],
    tenants: { other: ['open'] },
    fetch: async (input, init) => {
      if (estimateKind(chain, init?.body) === 'user') userEstimates.n++;
      return fetch(input, init);
    },
  });
}, 300_000);
afterAll(async () => {
  await s?.stop();
  await chain?.stop();
});

const c = () => chain.manifest.contracts;
const approve = (n: bigint) => ({ to: c().ciro_token.address, selector: hash.getSelectorFromName('approve'), calldata: [c().job_mgr.address, `0x${n.toString(16)}`, '0x0'] });
const transfer = (n: bigint) => ({ to: c().ciro_token.address, selector: hash.getSelectorFromName('transfer'), calldata: [c().job_mgr.address, `0x${n.toString(16)}`, '0x0'] });
const build = (user: string, calls: unknown[], parameters: unknown = sponsored, key = s.apiKey) =>
  s.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: user, calls } }, parameters }, { 'x-paymaster-api-key': key });
/** The node estimates `run` made. */
async function estimates(run: () => Promise<unknown>): Promise<number> {
  userEstimates.n = 0;
  await run();
  return userEstimates.n;
}

describe("a sponsored build's estimate, reused", () => {
  it('a repeated shape is built without an estimate; another shape or another sender is estimated', async () => {
    const a = await attackerAccount(s);
    const b = await attackerAccount(s);
    let first: any;
    let again: any;
    expect(await estimates(async () => (first = await build(a.address, [approve(1n)])))).toBe(1);
    expect(await estimates(async () => (again = await build(a.address, [approve(99n)])))).toBe(0);
    expect(again.body.result.fee).toEqual(first.body.result.fee);
    // The typed data is the new request's own, whatever estimate it carries.
    expect(again.body.result.typed_data.message.Calls[0].Calldata[1]).toBe('0x63');
    expect(await estimates(() => build(a.address, [approve(1n), approve(2n)]))).toBe(1);
    expect(await estimates(() => build(b.address, [approve(1n)]))).toBe(1);
    // Kept per tenant: another tenant's build of the same account and shape estimates for itself.
    expect(await estimates(() => build(a.address, [approve(3n)], sponsored, s.keys.other))).toBe(1);
  }, 120_000);

  it("attack: an estimate kept by someone else's build for this account can't get the account's builds refused", async () => {
    const victim = await attackerAccount(s);
    const honest = await build(victim.address, [approve(1n)]);
    // Anyone may build for any address: say an earlier build of this shape was kept at an absurd size.
    await keepEstimate(s.relay.deps.store, 'test', victim.address, [approve(2n)], { fee: 10n ** 30n, l2GasPrice: 10n ** 9n, l2Gas: 10n ** 15n });
    let again: any;
    expect(await estimates(async () => (again = await build(victim.address, [approve(5n)])))).toBe(1);
    report('poisoned build estimate', again.body.error ? `refused: ${again.body.error.data?.reason}` : 'built on a fresh estimate');
    expect(again.body.error).toBeUndefined();
    expect(again.body.result.fee).toEqual(honest.body.result.fee);
    // The fresh estimate replaced the absurd one.
    expect(await estimates(() => build(victim.address, [approve(6n)]))).toBe(0);
    // A kept value this code did not write is no estimate: estimated afresh, no 500.
    await s.relay.deps.store.set(Keys.buildEstimate(victim.address, 'test', shapeOf([approve(7n)])), 'not:an:estimate');
    let odd: any;
    expect(await estimates(async () => (odd = await build(victim.address, [approve(7n)])))).toBe(1);
    expect(odd.body.result.fee).toEqual(honest.body.result.fee);
  }, 120_000);

  it('default mode estimates every build: the fee transfer is signed', async () => {
    const a = await attackerAccount(s, 10n ** 20n);
    const feeMode = { version: '0x1', fee_mode: { mode: 'default', gas_token: c().ciro_token.address } };
    for (const n of [1n, 2n]) {
      let r: any;
      const n0 = await estimates(async () => (r = await build(a.address, [approve(n)], feeMode)));
      expect(r.body.result, JSON.stringify(r.body.error)).toBeDefined();
      expect(n0).toBe(1);
    }
  }, 120_000);

  it('a shape the node refused is not kept: each build is estimated and refused', async () => {
    const a = await attackerAccount(s);
    for (let i = 0; i < 2; i++) {
      let r: any;
      expect(await estimates(async () => (r = await build(a.address, [transfer(10n ** 24n), transfer(1n)])))).toBe(1);
      expect(r.body.error?.data?.reason).toBe('execution_reverted');
    }
  }, 120_000);

  it('attack: a kept estimate for a call that now reverts is built, but execute refuses it before sending', async () => {
    const attacker = await attackerAccount(s, 10n ** 18n);
    expect((await build(attacker.address, [transfer(1n)])).body.result).toBeDefined();
    let built: any;
    expect(await estimates(async () => (built = await build(attacker.address, [transfer(10n ** 24n)])))).toBe(0);
    const td = built.body.result.typed_data;
    const before = await relayerLedger(s);
    const res = await s.rpc('paymaster_executeTransaction', { transaction: { type: 'invoke', invoke: { user_address: attacker.address, typed_data: td, signature: sign(td, attacker) } }, parameters: sponsored });
    const after = await relayerLedger(s);
    report('reused build estimate, reverting execute', `refused as ${res.body.error?.data?.reason}; relayers sent ${after.txs - before.txs} transactions and lost ${before.strk - after.strk} fri`);
    expect(res.body.error?.data?.reason).toBe('execution_reverted');
    expect(after).toEqual(before);
  }, 120_000);
});

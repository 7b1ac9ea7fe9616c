/**
 * High: the Paymaster contract allows each account a number of relayed
 * transactions per period, but the relay did not know it. An account with
 * one transaction left sends many executes at once: each simulates against
 * the same on-chain count and passes, and every one past the quota would
 * revert at the Paymaster ('PM: quota exceeded') on the relayers' gas. Now
 * each execute holds one unit of the quota per transaction in flight, and one
 * that finds others in flight reads what the quota has left (the simulation
 * cannot see them): the rest are refused before submission. Every
 * tenant's sponsor key is public and all relay through the one Paymaster, so
 * the attacker spreads its requests over two tenants: the hold is the
 * account's, not a tenant's. A quota read then vouches for a bound on the
 * holds taken (sponsorship/quotaHold.ts), so executes back to back read it
 * once, not each time.
 */
import { hash } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeAndWait } from '../../scripts/local/accounts.ts';
import { call } from '../../scripts/local/seed.ts';
import { accountQuotaLeft } from '../../relay/chain/paymaster.ts';
import { Keys } from '../../relay/store/keys.ts';
import { startRelayStack, type RelayStack } from '../helpers/relay.ts';
import { attackerAccount, buildSigned, relayerLedger, report } from './helpers.ts';

const ALLOWANCE = 2;
const CONCURRENT = 8;
const QUOTA_LEFT = BigInt(hash.getSelectorFromName('quota_left'));
const quotaReads = { n: 0 };
let s: RelayStack;
beforeAll(async () => {
  s = await startRelayStack({
    chain: { relayerCount: 4 },
    tenants: { other: ['worker-rewards', 'job-submission'] },
    // Counts the relay's reads of the Paymaster's quota_left view, without changing them.
    fetch: async (input, init) => {
      const rpc = JSON.parse(String(init?.body ?? '{}')) as { method?: string; params?: { request?: { entry_point_selector?: string } } };
      if (rpc.method === 'starknet_call' && BigInt(rpc.params?.request?.entry_point_selector ?? 0) === QUOTA_LEFT) quotaReads.n++;
      return fetch(input, init);
    },
  });
}, 300_000);
afterAll(async () => s?.stop());

describe("the Paymaster's per-account quota", () => {
  it(`${CONCURRENT} concurrent executes through two tenants from an account with ${ALLOWANCE} transactions left: ${ALLOWANCE} land, none reverts`, async () => {
    const c = s.chain.manifest.contracts;
    const attacker = await attackerAccount(s);
    const left = () => accountQuotaLeft(s.chain.provider, c.paymaster.address, attacker.address);
    // A fresh account has no allowance of its own (None): its tier's maximum applies, the contract's default 1000.
    expect(await left()).toBe(1000n);
    await executeAndWait(s.chain.deployer.account, call(c.paymaster.address, 'set_account_allowance', [attacker.address, ALLOWANCE]));
    expect(await left()).toBe(BigInt(ALLOWANCE));

    const approve = (n: number) => ({ to: c.ciro_token.address, selector: hash.getSelectorFromName('approve'), calldata: [c.job_mgr.address, `0x${n.toString(16)}`, '0x0'] });
    // Alone in flight, the execute's simulation vouches for its own unit: no quota read. The next one is 1 left.
    quotaReads.n = 0;
    const alone = await s.rpc('paymaster_executeTransaction', (await buildSigned(s, attacker, [approve(99)])).params);
    expect((await s.chain.provider.waitForTransaction(alone.body.result.transaction_hash)).isSuccess()).toBe(true);
    expect(quotaReads.n).toBe(0);
    // Settlement gives its hold back (until then it counts as in flight).
    await expect.poll(() => s.relay.deps.store.amount(Keys.quotaHold(attacker.address)), { timeout: 20_000 }).toBe(0n);
    await executeAndWait(s.chain.deployer.account, call(c.paymaster.address, 'set_account_allowance', [attacker.address, ALLOWANCE + 1]));
    expect(await left()).toBe(BigInt(ALLOWANCE));

    const signed = [];
    const keyOf = (i: number) => (i % 2 === 0 ? s.keys.test! : s.keys.other!);
    for (let i = 0; i < CONCURRENT; i++) signed.push((await buildSigned(s, attacker, [approve(i + 1)], undefined, keyOf(i))).params);
    const before = await relayerLedger(s);
    const results = await Promise.all(signed.map((p, i) => s.rpc('paymaster_executeTransaction', p, { 'x-paymaster-api-key': keyOf(i) })));
    const sent = results.filter((r) => r.body.result);
    const refusals = results.filter((r) => r.body.error).map((r) => r.body.error.data.reason as string);
    // Refused before submission: held against the quota, or (once those landed) refused by the Paymaster in simulation.
    for (const reason of refusals) expect(['account_quota_exhausted', 'paymaster_refused']).toContain(reason);
    expect(refusals).toContain('account_quota_exhausted');

    const receipts = await Promise.all(sent.map((r) => s.chain.provider.waitForTransaction(r.body.result.transaction_hash)));
    const after = await relayerLedger(s);
    const reverted = receipts.filter((r) => !r.isSuccess()).length;
    report('account quota race', `${sent.length} of ${CONCURRENT} submitted with ${ALLOWANCE} left, ${reverted} reverted on chain, ${refusals.length} refused before submission, ${quotaReads.n} quota reads`);
    // Only executes that found another of the account's in flight read the quota (one node call each, as before).
    expect(quotaReads.n).toBeGreaterThan(0);
    expect(quotaReads.n).toBeLessThan(CONCURRENT);
    expect(reverted).toBe(0);
    expect(sent.length).toBe(ALLOWANCE);
    expect(after.txs - before.txs).toBe(BigInt(ALLOWANCE));
    expect(await left()).toBe(0n);

    // Settlement gives the holds back once the chain has counted the transactions: with the allowance raised, two more land.
    await executeAndWait(s.chain.deployer.account, call(c.paymaster.address, 'set_account_allowance', [attacker.address, ALLOWANCE * 2 + 1]));
    for (let i = 0; i < ALLOWANCE; i++) {
      const { params } = await buildSigned(s, attacker, [approve(100 + i)]);
      let res = await s.rpc('paymaster_executeTransaction', params);
      for (let tries = 0; res.body.error?.data.reason === 'account_quota_exhausted' && tries < 40; tries++) {
        await new Promise((r) => setTimeout(r, 250));
        res = await s.rpc('paymaster_executeTransaction', params);
      }
      expect(res.body.error).toBeUndefined();
      expect((await s.chain.provider.waitForTransaction(res.body.result.transaction_hash)).isSuccess()).toBe(true);
    }
    expect(await left()).toBe(0n);
  }, 300_000);

  it('executes back to back, each beside the last still in flight, read the quota once: the read vouches for the next ones', async () => {
    const c = s.chain.manifest.contracts;
    const user = await attackerAccount(s);
    const approve = (n: number) => ({ to: c.ciro_token.address, selector: hash.getSelectorFromName('approve'), calldata: [c.job_mgr.address, `0x${n.toString(16)}`, '0x0'] });
    const SENDS = 6;
    quotaReads.n = 0;
    let inFlightSeen = 0;
    const hashes: string[] = [];
    for (let i = 0; i < SENDS; i++) {
      const { params } = await buildSigned(s, user, [approve(i + 1)]);
      if ((await s.relay.deps.store.amount(Keys.quotaHold(user.address))) > 0n) inFlightSeen++;
      const res = await s.rpc('paymaster_executeTransaction', params);
      expect(res.body.error).toBeUndefined();
      hashes.push(res.body.result.transaction_hash);
    }
    const receipts = await Promise.all(hashes.map((h) => s.chain.provider.waitForTransaction(h)));
    report('account quota, back to back', `${SENDS} executes, ${inFlightSeen} beside another in flight, ${quotaReads.n} quota read(s), ${receipts.filter((r) => !r.isSuccess()).length} reverted`);
    expect(receipts.every((r) => r.isSuccess())).toBe(true);
    // Settlement runs every few seconds, so the sends found others in flight; before the bound, each of those read the quota.
    // One read at most: the first execute beside another reads (none, if settlement won every race), the rest fit its bound.
    expect(inFlightSeen).toBeGreaterThan(1);
    expect(quotaReads.n).toBeLessThanOrEqual(1);
    if (quotaReads.n === 1) expect(await s.relay.deps.store.get(Keys.quotaCleared(user.address))).not.toBeNull();
  }, 120_000);
});

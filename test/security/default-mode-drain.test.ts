/**
 * Critical: default fee mode used to let reverts drain the relayers. An
 * account funded for one fee sends 20 executes at once, each with its own
 * SNIP-9 nonce; all would simulate against the same balance, and every one
 * after the first would revert at the fee transfer, on the relayer's gas.
 * Now one payment per sender is in flight at a time: at most one lands, the
 * rest are refused before submission, and the relayers lose nothing beyond
 * the one fee the user paid for.
 *
 * The tip is not part of what the user signs (SNIP-29 puts it in the
 * parameters), so a caller could build with none and execute with the
 * largest the relay allows: the relayer would pay it on top of a payment
 * quoted without it. The payment must now cover the fee with the tip.
 *
 * The hold was per tenant: the same account paying through two tenants' keys
 * at once had both submitted, and one reverted on the relayer's gas. A
 * payment now needs the account to itself, whichever tenant relays it.
 *
 * That hold refused the payment's own retry (the same signed request sent
 * again when its answer was lost): a retry now gets the first's ids back
 * (12-01 spending review).
 */
import { hash } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balanceOf, startRelayStack, type RelayStack } from '../helpers/relay.ts';
import { attackerAccount, buildSigned, relayerLedger, report } from './helpers.ts';

let s: RelayStack;
beforeAll(async () => {
  // A second tenant with the same policies: the same account's payments through two public keys.
  s = await startRelayStack({ tenants: { other: ['worker-rewards', 'job-submission'] } });
}, 300_000);
afterAll(async () => s?.stop());

/** A default-mode approve paying in CIRO, the contracts it names. */
function scene() {
  const c = s.chain.manifest.contracts;
  const feeMode = { version: '0x1', fee_mode: { mode: 'default', gas_token: c.ciro_token.address } };
  const approve = { to: c.ciro_token.address, selector: hash.getSelectorFromName('approve'), calldata: [c.job_mgr.address, '0x1', '0x0'] };
  return { c, feeMode, approve };
}

/** Learns the fee from a well-funded account, then funds an attacker for one and a half of them. */
async function fundedForOneFee() {
  const { feeMode, approve } = scene();
  const probe = await buildSigned(s, await attackerAccount(s, 100n * 10n ** 18n), [approve], feeMode);
  const fee = BigInt(probe.fee.suggested_max_fee_in_gas_token);
  return attackerAccount(s, fee + fee / 2n);
}

describe('default-mode revert drain', () => {
  it('20 concurrent default-mode executes from an account funded for one fee: at most one is submitted', async () => {
    const { c, feeMode, approve } = scene();

    const attacker = await fundedForOneFee();
    const signed = [];
    for (let i = 0; i < 20; i++) signed.push((await buildSigned(s, attacker, [approve], feeMode)).params);

    const before = await relayerLedger(s);
    const pmBefore = await balanceOf(s.chain.provider, c.ciro_token.address, c.paymaster.address);
    const results = await Promise.all(signed.map((p) => s.rpc('paymaster_executeTransaction', p)));
    const landed = results.filter((r) => r.body.result);
    const refusals = results.filter((r) => r.body.error).map((r) => r.body.error.data.reason);
    expect(landed.length).toBeLessThanOrEqual(1);
    expect(landed.length + refusals.length).toBe(20);
    // Refused before submission: waiting for the payment in flight, or (once it landed) not enough left to pay.
    for (const reason of refusals) expect(['payment_in_flight', 'fee_payment_too_low', 'execution_reverted']).toContain(reason);

    const receipts = await Promise.all(landed.map((r) => s.chain.provider.waitForTransaction(r.body.result.transaction_hash)));
    const after = await relayerLedger(s);
    expect(after.txs - before.txs).toBe(BigInt(landed.length));
    const legit = receipts.reduce((sum, r) => sum + BigInt((r.value as { actual_fee: { amount: string } }).actual_fee.amount), 0n);
    const lost = before.strk - after.strk - legit;
    report('default-mode drain (20 concurrent, funded for one fee)', `${landed.length} submitted, ${refusals.length} refused before submission; relayers lost ${lost} fri beyond the legitimate fee`);
    expect(lost).toBe(0n);
    // The one that landed paid its fee in CIRO to the Paymaster.
    if (landed.length === 1) {
      expect(receipts[0]!.isSuccess()).toBe(true);
      expect(await balanceOf(s.chain.provider, c.ciro_token.address, c.paymaster.address)).toBeGreaterThan(pmBefore);
    }
  }, 300_000);
});

describe('default-mode tip raised at execute', () => {
  it('building without a tip and executing with the largest allowed is refused before submission, the payment judged against the fee with the tip', async () => {
    const { feeMode, approve } = scene();
    const attacker = await attackerAccount(s, 100n * 10n ** 18n);
    const { params } = await buildSigned(s, attacker, [approve], feeMode);
    const tipped = { ...params, parameters: { ...feeMode, fee_mode: { ...feeMode.fee_mode, tip: { custom: 10_000_000_000 } } } };
    const before = await relayerLedger(s);
    const refused = await s.rpc('paymaster_executeTransaction', tipped);
    const data = refused.body.error?.data as { reason: string; required: string; paid: string };
    expect(data.reason).toBe('fee_payment_too_low');
    // Not a near miss: the tip on every unit of L2 gas is several times the fee the payment was quoted for.
    expect(BigInt(data.required)).toBeGreaterThan(3n * BigInt(data.paid));
    expect((await relayerLedger(s)).txs).toBe(before.txs);
    report('default-mode tip raised at execute (built with none, executed with 1e10 fri per L2 gas)', `refused ${data.reason} before submission: required ${BigInt(data.required)}, paid ${BigInt(data.paid)} (gas-token units); 0 relayer transactions`);
  }, 300_000);
});

describe('default-mode payments through two tenants', () => {
  it('an account funded for one fee, executing through two tenants at once: one is submitted, nothing reverts', async () => {
    const { feeMode, approve } = scene();
    const attacker = await fundedForOneFee();
    const viaTest = await buildSigned(s, attacker, [approve], feeMode, s.keys.test);
    const viaOther = await buildSigned(s, attacker, [approve], feeMode, s.keys.other);

    const before = await relayerLedger(s);
    const results = await Promise.all([
      s.rpc('paymaster_executeTransaction', viaTest.params, { 'x-paymaster-api-key': s.keys.test! }),
      s.rpc('paymaster_executeTransaction', viaOther.params, { 'x-paymaster-api-key': s.keys.other! }),
    ]);
    const landed = results.filter((r) => r.body.result);
    const refusals = results.filter((r) => r.body.error).map((r) => r.body.error.data.reason);
    const receipts = await Promise.all(landed.map((r) => s.chain.provider.waitForTransaction(r.body.result.transaction_hash)));
    const reverted = receipts.filter((r) => !r.isSuccess()).length;
    const after = await relayerLedger(s);
    report('default-mode payment through two tenants at once (funded for one fee)', `${landed.length} submitted, ${reverted} reverted, refused: ${refusals.join(', ') || 'none'}; relayer transactions +${after.txs - before.txs}`);
    expect(landed).toHaveLength(1);
    // Refused before submission either way: at its reservation, the other's payment still in flight; or, when its
    // check ran before the other reserved and its simulation after the other landed (devnet mines at once), by
    // that simulation, the account's balance spent.
    expect(refusals).toHaveLength(1);
    expect(['payment_in_flight', 'execution_reverted']).toContain(refusals[0]);
    expect(reverted).toBe(0);
    expect(after.txs - before.txs).toBe(1n);
  }, 300_000);
});

describe('a default-mode execute sent again (its answer lost)', () => {
  it("gets the first's tracking id and hash, not its own payment_in_flight; one relayer transaction", async () => {
    const { feeMode, approve } = scene();
    const payer = await attackerAccount(s, 100n * 10n ** 18n);
    const { params } = await buildSigned(s, payer, [approve], feeMode);
    const before = await relayerLedger(s);
    const first = await s.rpc('paymaster_executeTransaction', params);
    expect(first.body.error).toBeUndefined();
    // At once, before settlement gives the payment's hold back (the sweeper runs every 2 s).
    const again = await s.rpc('paymaster_executeTransaction', params);
    // Before: refused payment_in_flight by the hold its own first send took, and counted as a refusal against the sender.
    expect(again.body.error?.data?.reason).toBeUndefined();
    expect(again.body.result).toEqual(first.body.result);
    expect((await s.chain.provider.waitForTransaction(first.body.result.transaction_hash)).isSuccess()).toBe(true);
    expect((await relayerLedger(s)).txs - before.txs).toBe(1n);
  }, 300_000);
});

/**
 * Medium, open in part: a sender's concurrent sponsored executes all simulate
 * against one state, so all but one can revert on relayer gas before the
 * 3-a-day pause counts any (sponsored reverts count at settlement). Found
 * with it, and fixed: the pause was per tenant, so once paused through one
 * dapp's public key the same sender started again at 0 through another's.
 * The burst here is the attack: an account holding one job's CIRO submits
 * the job several times at once (one build; only the SNIP-9 nonce changed
 * and re-signed). Each submission is held until every simulation has
 * answered, the way a mempool holds transactions the pre_confirmed state
 * does not show yet. Every revert is charged to the tenant's budgets; after
 * settlement the sender is paused through both tenants.
 */
import { hash } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayStack, type RelayStack } from '../helpers/relay.ts';
import { attackerAccount, buildSigned, estimateKind, relayerLedger, report, sign } from './helpers.ts';

const N = 4;
const held = { on: false, sims: 0, waiters: [] as (() => void)[] };
let s: RelayStack;
beforeAll(async () => {
  s = await startRelayStack({
    tenants: { other: ['worker-rewards', 'job-submission'] },
    sweepMs: 500,
    fetch: async (input, init) => {
      const body = String(init?.body ?? '{}');
      if (held.on && s && estimateKind(s.chain, body) === 'relayer') {
        const res = await fetch(input, init);
        if (++held.sims >= N) for (const w of held.waiters.splice(0)) w();
        return res;
      }
      if (held.on && body.includes('starknet_addInvokeTransaction') && held.sims < N) {
        await new Promise<void>((r) => {
          held.waiters.push(r);
          setTimeout(r, 10_000);
        });
      }
      return fetch(input, init);
    },
  });
}, 300_000);
afterAll(async () => s?.stop());

describe('sponsored revert burst', () => {
  it('reverts on relayer gas beyond the pause while in flight, then pauses the sender through every tenant', async () => {
    const c = s.chain.manifest.contracts;
    const price = 10n * 10n ** 18n;
    const attacker = await attackerAccount(s, price);
    const sel = hash.getSelectorFromName;
    const calls = [
      { to: c.ciro_token.address, selector: sel('approve'), calldata: [c.job_mgr.address, '0x' + price.toString(16), '0x0'] },
      { to: c.job_mgr.address, selector: sel('submit_job'), calldata: ['0x' + BigInt(s.chain.demo!.modelId).toString(16), '0x77', '0x0'] },
    ];
    const { params } = await buildSigned(s, attacker, calls);
    const td = params.transaction.invoke.typed_data;
    const signed = Array.from({ length: N }, (_, i) => {
      const t = structuredClone(td);
      t.message.Nonce = '0x' + (0x5000 + i).toString(16);
      return { ...params, transaction: { type: 'invoke', invoke: { user_address: attacker.address, typed_data: t, signature: sign(t, attacker) } } };
    });
    const before = await relayerLedger(s);
    held.on = true;
    const results = await Promise.all(signed.map((p) => s.rpc('paymaster_executeTransaction', p)));
    held.on = false;
    const sent = results.flatMap((r) => (r.body.result ? [r.body.result] : []));
    const receipts = await Promise.all(sent.map((r) => s.chain.provider.waitForTransaction(r.transaction_hash)));
    const reverted = receipts.filter((r) => !r.isSuccess()).length;
    const after = await relayerLedger(s);
    // Settled by the sweeper: each revert counted against the sender.
    await expect.poll(async () => Promise.all(sent.map(async (r) => (await s.rpc('paymaster_trackingIdToLatestHash', { tracking_id: r.tracking_id })).body.result?.status)), { timeout: 30_000 }).toEqual(sent.map(() => 'accepted'));
    const build = (key: string) => s.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: attacker.address, calls } }, parameters: params.parameters }, { 'x-paymaster-api-key': key });
    const [viaTest, viaOther] = [await build(s.apiKey), await build(s.keys.other!)];
    report('sponsored revert burst (one job funded, submitted 4 times at once)', `${sent.length} submitted, ${reverted} reverted on relayer gas (${before.strk - after.strk} fri spent in all); then paused through its tenant (${viaTest.body.error?.data.reason}) and another (${viaOther.body.error?.data.reason})`);
    // Open: the burst goes out before any revert counts (see test/security/README.md).
    expect(sent).toHaveLength(N);
    expect(reverted).toBe(N - 1);
    expect(viaTest.body.error?.data.reason).toBe('too_many_reverts');
    expect(viaOther.body.error?.data.reason).toBe('too_many_reverts');
  }, 300_000);
});

/**
 * A signed execution sent after its window has run down reverts in the
 * account (`execute_before` passed), on the relayer's gas, and costs the
 * sender nothing. plan() judges the window once, before the webhook and
 * the wait for a relayer (up to relayerAcquireTimeoutMs), so a window just
 * past the minimum when the execute came in could be sent already expired:
 * anyone holding the public key could repeat it with a fresh SNIP-9 nonce
 * each time, on any policy. The window is judged again once a relayer is
 * held, right before the send; one run down meanwhile is refused (157,
 * `time_bounds_expired`), nothing sent, its reservation given back.
 *
 * Every relayer is held busy for a few seconds while the chain's clock moves
 * on (devnet_increaseTime), standing in for a queue of other executes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTypedData } from '../../relay/chain/snip9.ts';
import { Keys } from '../../relay/store/keys.ts';
import { chainNow } from '../../scripts/local/outside.ts';
import { increaseTime } from '../../scripts/local/devnet.ts';
import { heartbeatCall, startRelayStack, type RelayStack } from '../helpers/relay.ts';
import { relayerLedger, report, sign, sponsored } from './helpers.ts';

let s: RelayStack;
beforeAll(async () => {
  s = await startRelayStack({ policies: ['worker-rewards'] });
}, 300_000);
afterAll(async () => s?.stop());

describe('a window that runs down while the execute waits for a relayer', () => {
  it('is judged again right before the send: refused with nothing sent or charged, where it used to revert on relayer gas', async () => {
    const worker = s.chain.demo!.worker;
    const min = s.relay.deps.config.timeBounds.minRemainingSeconds;
    const now = await chainNow(s.chain.provider);
    // Open for 5 s more than the minimum when the execute comes in: plan() lets it through.
    const td = buildTypedData(await s.chain.provider.getChainId(), {
      caller: s.chain.manifest.contracts.paymaster.address,
      nonce: '0x' + Date.now().toString(16),
      executeAfter: now - 60,
      executeBefore: now + min + 5,
      calls: [heartbeatCall(s)],
    });
    const tenant = (await s.relay.deps.tenants.directory.tenant('test'))!;
    const ceiling = async () => (await s.relay.deps.gate.limits(tenant)).ceiling.used;
    const [ledger0, ceiling0] = [await relayerLedger(s), await ceiling()];
    // Every relayer busy for 4 s: the execute waits in acquire().
    for (const r of s.chain.relayers) await s.relay.deps.store.set(Keys.relayer.lease(r.address), 'busy', { ttlMs: 4_000 });
    const answer = s.rpc('paymaster_executeTransaction', { transaction: { type: 'invoke', invoke: { user_address: worker.address, typed_data: td, signature: sign(td, worker) } }, parameters: sponsored });
    // Meanwhile the chain moves past the window's end.
    await new Promise((r) => setTimeout(r, 1_000));
    await increaseTime(s.chain.devnet.url, min + 10);
    const r = await answer;
    const ledger1 = await relayerLedger(s);
    report('window run down in the relayer wait', `${r.body.error ? `refused ${r.body.error.code} ${r.body.error.data?.reason}` : `sent ${r.body.result?.transaction_hash}`}; relayers sent ${ledger1.txs - ledger0.txs} txs, spent ${ledger0.strk - ledger1.strk} fri`);
    expect(r.body.error).toMatchObject({ code: 157, data: { reason: 'time_bounds_expired' } });
    expect(r.body.error.data.details).toMatch(/build and sign a new one/);
    expect(ledger1).toEqual(ledger0);
    // The reservation was given back: the tenant's day shows nothing spent on it.
    expect(await ceiling()).toBe(ceiling0);
  }, 120_000);
});

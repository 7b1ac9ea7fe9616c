/**
 * High: a sponsored `deploy` needs no signature. Anyone with the public
 * sponsor key could loop deploys with fresh salts; each new address is a
 * fresh sender with fresh per-sender limits, and the deploys never touch the
 * Paymaster contract. Now each API key (and client network) has a deployment
 * quota, and no deployment is relayed while the Paymaster is paused.
 */
import { ec, hash, stark } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayStack, type RelayStack } from '../helpers/relay.ts';
import { executeAndWait } from '../../scripts/local/accounts.ts';
import { call } from '../../scripts/local/seed.ts';
import { relayerLedger, report, sponsored } from './helpers.ts';

const QUOTA = 3;
let s: RelayStack;
beforeAll(async () => {
  s = await startRelayStack({ config: { deployQuota: { perApiKeyPerDay: QUOTA, perClientPerHour: 0 } } });
}, 300_000);
afterAll(async () => s?.stop());

function freshDeployment() {
  const pk = ec.starkCurve.getStarkKey(stark.randomAddress());
  const classHash = s.chain.manifest.accountClassHashes[0]!;
  const address = hash.calculateContractAddressFromHash(pk, classHash, [pk], 0);
  return { address, class_hash: classHash, salt: pk, calldata: [pk], version: 1 };
}

const deploy = () => s.rpc('paymaster_executeTransaction', { transaction: { type: 'deploy', deployment: freshDeployment() }, parameters: sponsored });

describe('signature-free deploy loop', () => {
  it(`stops at the per-key quota (${QUOTA}) with a clear refusal`, async () => {
    const before = await relayerLedger(s);
    const results = [];
    for (let i = 0; i < QUOTA + 4; i++) results.push(await deploy());
    const landed = results.filter((r) => r.body.result);
    expect(landed).toHaveLength(QUOTA);
    for (const r of results.slice(QUOTA)) {
      expect(r.body.error).toMatchObject({ code: -32002, data: { reason: 'deploy_quota_exhausted' } });
      expect(r.body.error.data.retry_after).toBeGreaterThan(0);
    }
    await Promise.all(landed.map((r) => s.chain.provider.waitForTransaction(r.body.result.transaction_hash)));
    const after = await relayerLedger(s);
    expect(after.txs - before.txs).toBe(BigInt(QUOTA));
    report('deploy loop (fresh salts, one public key)', `${landed.length} of ${results.length} relayed, relayers spent ${before.strk - after.strk} fri in all (bounded by the quota)`);
    // The build is refused too, before any node work.
    const built = await s.rpc('paymaster_buildTransaction', { transaction: { type: 'deploy', deployment: freshDeployment() }, parameters: sponsored });
    expect(built.body.error?.data?.reason).toBe('deploy_quota_exhausted');
  }, 180_000);

  it('refuses deployments while the Paymaster is paused', async () => {
    const pm = s.chain.manifest.contracts.paymaster.address;
    const other = await startRelayStack({ existingChain: s.chain });
    try {
      await executeAndWait(s.chain.deployer.account, call(pm, 'pause'));
      const r = await other.rpc('paymaster_executeTransaction', { transaction: { type: 'deploy', deployment: freshDeployment() }, parameters: sponsored });
      expect(r.body.error).toMatchObject({ code: -32003, data: { reason: 'paymaster_paused' } });
    } finally {
      await executeAndWait(s.chain.deployer.account, call(pm, 'unpause'));
      await other.stop();
    }
  }, 180_000);
});

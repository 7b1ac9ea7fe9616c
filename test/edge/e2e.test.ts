/**
 * The relay as a Cloudflare Worker, end to end, offline: `wrangler dev` runs
 * relay/entry/worker.ts on local workerd with its state in Durable Objects,
 * against the local devnet. A wallet (starknet.js PaymasterRpc over real
 * HTTP) gets a sponsored claim and a deploy_and_invoke; a refusal carries its
 * reason; a replay is idempotent; tracking reaches accepted.
 */
import { Account, PaymasterRpc, ec, hash, stark } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../relay/tenants/auth.ts';
import type { EdgeRelay } from '../../scripts/edge.ts';
import { startLocalChain, type LocalChain } from '../../scripts/local/chain.ts';
import { executeAndWait } from '../../scripts/local/accounts.ts';
import { CIRO, call, u256 } from '../../scripts/local/seed.ts';
import { startChainEdge } from '../helpers/edge.ts';
import { balanceOf, STRK } from '../helpers/relay.ts';
import { sign } from '../security/helpers.ts';

let chain: LocalChain;
let edge: EdgeRelay;
let apiKey: string;
let operatorKey: string;
beforeAll(async () => {
  chain = await startLocalChain({ seed: true });
  operatorKey = (await newApiKey('bootstrap-op')).key;
  const key = await newApiKey('test');
  apiKey = key.key;
  edge = await startChainEdge(
    chain,
    { tenants: [{ id: 'test', name: 'Test', apiKeys: [{ id: 'test', secretHash: key.secretHash, scope: 'sponsor' }], policies: ['worker-rewards', 'job-submission'] }] },
    // A fresh deployment's first operator key, as `wrangler secret put CIRO_OPERATOR_KEY` gives it.
    { env: { CIRO_OPERATOR_KEY: operatorKey } },
  );
}, 300_000);
afterAll(async () => {
  await edge?.stop();
  await chain?.stop();
});

const c = () => chain.manifest.contracts;
const paymaster = () => new PaymasterRpc({ nodeUrl: edge.url, headers: { 'x-paymaster-api-key': apiKey } });
const wallet = (address: string, privateKey: string) => new Account({ provider: chain.provider, address, signer: privateKey, paymaster: paymaster() });
async function rpc(method: string, params?: unknown) {
  const res = await fetch(edge.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-paymaster-api-key': apiKey }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  expect(res.status).toBe(200);
  return (await res.json()) as { result?: any; error?: any };
}

describe('the relay on workerd (wrangler dev), state in Durable Objects', () => {
  it('sponsors a worker claim_rewards sent by starknet.js PaymasterRpc', async () => {
    const w = chain.demo!.worker;
    const { transaction_hash } = await wallet(w.address, w.privateKey).executePaymasterTransaction(
      [{ contractAddress: c().cdc_pool.address, entrypoint: 'claim_rewards', calldata: [] }],
      { feeMode: { mode: 'sponsored' } },
    );
    expect((await chain.provider.waitForTransaction(transaction_hash)).isSuccess()).toBe(true);
    expect(await balanceOf(chain.provider, c().ciro_token.address, w.address)).toBe(BigInt(chain.demo!.reward));
    expect(await balanceOf(chain.provider, STRK, w.address)).toBe(0n);
  });

  it('deploys a fresh account and runs its first calls (deploy_and_invoke)', async () => {
    const privateKey = stark.randomAddress();
    const publicKey = ec.starkCurve.getStarkKey(privateKey);
    const classHash = chain.manifest.accountClassHashes[0]!;
    const address = hash.calculateContractAddressFromHash(publicKey, classHash, [publicKey], 0);
    await executeAndWait(chain.deployer.account, call(c().ciro_token.address, 'transfer', [address, ...u256(50n * CIRO)]));
    const { transaction_hash } = await wallet(address, privateKey).executePaymasterTransaction(
      [
        { contractAddress: c().ciro_token.address, entrypoint: 'approve', calldata: [c().job_mgr.address, ...u256(10n * CIRO)] },
        { contractAddress: c().job_mgr.address, entrypoint: 'submit_job', calldata: ['1', '0x99', '0'] },
      ],
      { feeMode: { mode: 'sponsored' }, deploymentData: { address, class_hash: classHash, salt: publicKey, calldata: [publicKey], version: 1 } },
    );
    expect((await chain.provider.waitForTransaction(transaction_hash)).isSuccess()).toBe(true);
    expect(BigInt(await chain.provider.getClassHashAt(address))).toBe(BigInt(classHash));
  });

  it('refuses what no policy sponsors, with the reason and the policy', async () => {
    const w = chain.demo!.worker;
    const r = await rpc('paymaster_buildTransaction', {
      transaction: { type: 'invoke', invoke: { user_address: w.address, calls: [{ to: c().cdc_pool.address, selector: hash.getSelectorFromName('request_unstake'), calldata: ['0x1', '0x0'] }] } },
      parameters: { version: '0x1', fee_mode: { mode: 'sponsored' } },
    });
    expect(r.error).toMatchObject({ code: -32002, data: { reason: expect.any(String), policy: expect.any(String) } });
  });

  it('answers a replayed execution with the same transaction, and tracks it to accepted', async () => {
    const w = chain.demo!.worker;
    const built = await rpc('paymaster_buildTransaction', {
      transaction: { type: 'invoke', invoke: { user_address: w.address, calls: [{ to: c().cdc_pool.address, selector: hash.getSelectorFromName('heartbeat'), calldata: [] }] } },
      parameters: { version: '0x1', fee_mode: { mode: 'sponsored' } },
    });
    const td = built.result.typed_data;
    const params = { transaction: { type: 'invoke', invoke: { user_address: w.address, typed_data: td, signature: sign(td, w) } }, parameters: { version: '0x1', fee_mode: { mode: 'sponsored' } } };
    const [a, b] = await Promise.all([rpc('paymaster_executeTransaction', params), rpc('paymaster_executeTransaction', params)]);
    expect(a.result).toBeDefined();
    expect(b.result).toEqual(a.result);
    expect((await rpc('paymaster_executeTransaction', params)).result).toEqual(a.result);
    await chain.provider.waitForTransaction(a.result.transaction_hash);
    await expect.poll(async () => (await rpc('paymaster_trackingIdToLatestHash', { tracking_id: a.result.tracking_id })).result?.status, { timeout: 20_000 }).toBe('accepted');
  });

  it('bootstraps from the CIRO_OPERATOR_KEY secret: the operator creates a tenant whose admin key works', async () => {
    const admin = (method: string, path: string, key: string, body?: unknown) =>
      fetch(`${edge.url}${path}`, { method, headers: { 'content-type': 'application/json', 'x-paymaster-api-key': key }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const wrong = await admin('POST', '/v1/tenants', `bootstrap-op.${'0'.repeat(48)}`, { id: 'edge-co', name: 'Edge Co' });
    expect(wrong.status).toBe(401);
    const created = await admin('POST', '/v1/tenants', operatorKey, { id: 'edge-co', name: 'Edge Co', policies: ['job-submission'] });
    expect(created.status).toBe(201);
    const { adminKey } = (await created.json()) as { adminKey: { key: string } };
    const tenant = await admin('GET', '/v1/tenant', adminKey.key);
    expect(await tenant.json()).toMatchObject({ id: 'edge-co', policies: ['job-submission'] });
  });

  it('serves the console and its assets from workerd, with the CSP, the same bytes as on Node', async () => {
    const page = await fetch(`${edge.url}/console`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    const assets = [...html.matchAll(/\/console\/assets\/([\w.-]+)/g)].map((m) => m[1]!);
    expect(assets).toHaveLength(2);
    const { ASSETS } = await import('../../relay/console/assets.generated.ts');
    for (const name of assets) {
      const res = await fetch(`${edge.url}/console/assets/${name}`);
      expect(res.status, name).toBe(200);
      expect(await res.text()).toBe(ASSETS[name]!.body);
    }
  });

  it('runs its housekeeping on the cron trigger: settlement and the relayers\' balances', async () => {
    const res = await fetch(`${edge.url}/__scheduled?cron=*+*+*+*+*`);
    expect(res.status).toBe(200);
    await expect.poll(() => /"event":"cron.housekeeping","settled":\d+,"outOfRotation":\[\]/.test(edge.output()), { timeout: 20_000 }).toBe(true);
  });
});

/**
 * Two Worker instances sharing one set of Durable Objects, on local workerd
 * against devnet: worker A (wrangler.toml) owns the StoreShard objects;
 * worker B is a second `wrangler dev` whose STORE binding names A's script,
 * so every store call B makes runs in A's live objects (through a dev
 * registry of their own). Each instance keeps its own isolate and caches, as
 * two Cloudflare isolates of one Worker would. A budget policy created
 * through A is enforced by B; 50 concurrent sponsored executes split across
 * both are granted exactly what the budget holds, and the tenant's usage,
 * read through either instance, equals the sum of the receipts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../relay/tenants/auth.ts';
import { startEdge, type EdgeRelay } from '../../scripts/edge.ts';
import { startLocalChain, type LocalChain } from '../../scripts/local/chain.ts';
import { repoRoot } from '../../scripts/local/toolchain.ts';
import { sign } from '../security/helpers.ts';

const HEARTBEAT = { contract: 'cdc_pool', selectors: ['heartbeat'] };
const policy = (id: string, rules: Record<string, unknown> = {}) => ({ schemaVersion: 1, id, name: id, enabled: true, rules: { allow: [HEARTBEAT], ...rules } });
const sponsored = { version: '0x1', fee_mode: { mode: 'sponsored' } };
const CONCURRENT = 50;

let chain: LocalChain;
let a: EdgeRelay;
let b: EdgeRelay;
const keys: Record<'probe' | 'sponsor' | 'admin', string> = { probe: '', sponsor: '', admin: '' };

/** Worker B: the same script under another name, its STORE bound to worker A's StoreShard class. */
function secondWorkerConfig(dir: string): string {
  const main = readFileSync(join(repoRoot, 'wrangler.toml'), 'utf8');
  const field = (name: string) => new RegExp(`^${name} = "([^"]+)"`, 'm').exec(main)![1]!;
  const path = join(dir, 'wrangler-b.toml');
  writeFileSync(
    path,
    [
      `name = "${field('name')}-b"`,
      `main = ${JSON.stringify(join(repoRoot, field('main')))}`,
      `compatibility_date = "${field('compatibility_date')}"`,
      '[[durable_objects.bindings]]',
      'name = "STORE"',
      'class_name = "StoreShard"',
      `script_name = "${field('name')}"`,
    ].join('\n') + '\n',
  );
  return path;
}

beforeAll(async () => {
  chain = await startLocalChain({ seed: true, relayerCount: 4 });
  const [probe, sponsor, admin] = await Promise.all([newApiKey('probe'), newApiKey('budget'), newApiKey('budget-admin')]);
  Object.assign(keys, { probe: probe.key, sponsor: sponsor.key, admin: admin.key });
  const dir = mkdtempSync(join(tmpdir(), 'ciro-two-workers-'));
  const options = {
    config: {
      rpcUrl: chain.devnet.url,
      manifest: chain.manifest,
      relayers: chain.relayers.map((r) => ({ address: r.address, privateKey: r.privateKey })),
      relayerTip: '0',
      relayerAcquireTimeoutMs: 120_000,
      // One sender sends every transaction here; the per-sender node-work limits are not under test.
      nodeWork: { perApiKeyPerMinute: 0, perClientPerMinute: 0, perSenderPerMinute: 0, refusalsPerApiKeyPerHour: 0, refusalsPerClientPerHour: 0, refusalsPerSenderPerHour: 0 },
      tenants: [
        { id: 'probe', name: 'Probe', apiKeys: [{ id: 'probe', secretHash: probe.secretHash, scope: 'sponsor' as const }], policies: ['heartbeats'] },
        {
          id: 'budget',
          name: 'Budget',
          apiKeys: [
            { id: 'budget', secretHash: sponsor.secretHash, scope: 'sponsor' as const },
            { id: 'budget-admin', secretHash: admin.secretHash, scope: 'admin' as const },
          ],
          policies: [],
        },
      ],
    },
    policies: [policy('heartbeats')],
    registryPath: join(dir, 'registry'),
  };
  a = await startEdge(options);
  b = await startEdge({ ...options, wranglerConfig: secondWorkerConfig(dir) });
}, 300_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await chain?.stop();
});

const worker = () => chain.demo!.worker;
async function rpc(url: string, key: string, method: string, params: unknown) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-paymaster-api-key': key }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return { status: res.status, body: (await res.json()) as { result?: any; error?: any } };
}
async function admin(url: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}/v1${path}`, { method, headers: { 'content-type': 'application/json', 'x-paymaster-api-key': keys.admin }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}
/** build → sign: executeTransaction params for one heartbeat of the demo worker. */
async function signedHeartbeat(url: string, key: string) {
  const calls = [{ to: chain.manifest.contracts.cdc_pool.address, selector: hash.getSelectorFromName('heartbeat'), calldata: [] }];
  const built = await rpc(url, key, 'paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: worker().address, calls } }, parameters: sponsored });
  expect(built.body.error).toBeUndefined();
  const td = built.body.result.typed_data;
  return { transaction: { type: 'invoke', invoke: { user_address: worker().address, typed_data: td, signature: sign(td, worker()) } }, parameters: sponsored };
}
const actualFee = async (txHash: string) => BigInt(((await chain.provider.waitForTransaction(txHash)) as unknown as { actual_fee: { amount: string } }).actual_fee.amount);
const usage = async (url: string) => {
  const r = await admin(url, 'GET', '/usage?policy=p-budget');
  expect(r.status).toBe(200);
  return { txs: r.body.total.txs as number, fee: BigInt(r.body.total.fee) };
};

describe('two Worker instances sharing the Durable Objects (wrangler dev, dev registry)', () => {
  it('share one store: what A writes, B reads', async () => {
    const created = await admin(a.url, 'POST', '/policies', { ...policy('p-shared'), enabled: false });
    expect(created.status).toBe(201);
    const seen = await admin(b.url, 'GET', '/policies/p-shared');
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ id: 'p-shared', version: 1 });
  });

  it(`grant exactly what a budget holds under ${CONCURRENT} concurrent executes split across both, and account it exactly`, async () => {
    // Size the budget from a real fee: room for about sixteen heartbeats.
    const probe = await rpc(a.url, keys.probe, 'paymaster_executeTransaction', await signedHeartbeat(a.url, keys.probe));
    expect(probe.body.error).toBeUndefined();
    const budget = 16n * (await actualFee(probe.body.result.transaction_hash));
    // Created through A; B learns of it from the store alone.
    const created = await admin(a.url, 'POST', '/policies', policy('p-budget', { budgets: { global: { maxFee: budget.toString(), period: 'day' } } }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    const instances = Array.from({ length: CONCURRENT }, (_, i) => (i % 2 ? b : a));
    const params = [];
    for (let i = 0; i < CONCURRENT; i += 10) params.push(...(await Promise.all(instances.slice(i, i + 10).map((r) => signedHeartbeat(r.url, keys.sponsor)))));
    const results = await Promise.all(params.map((p, i) => rpc(instances[i]!.url, keys.sponsor, 'paymaster_executeTransaction', p)));

    expect(results.map((r) => r.status)).toEqual(Array(CONCURRENT).fill(200));
    const granted = results.flatMap((r, i) => (r.body.result ? [{ ...r.body.result, via: instances[i]! }] : []));
    const refused = results.filter((r) => r.body.error);
    expect(granted.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    expect(granted.length + refused.length).toBe(CONCURRENT);
    expect(new Set(refused.map((r) => r.body.error.data.reason))).toEqual(new Set(['budget_exhausted']));

    // Reserved, before any settlement: within the budget, with no room left for one more of the same.
    const reserved = await usage(b.url);
    expect(reserved.txs).toBe(granted.length);
    expect(reserved.fee).toBeLessThanOrEqual(budget);
    expect(reserved.fee + reserved.fee / BigInt(granted.length)).toBeGreaterThan(budget);
    console.log(`[two instances] budget ${budget} fri: ${granted.length} of ${CONCURRENT} granted (${granted.filter((g) => g.via === a).length} via A), ${reserved.fee} reserved`);

    let spent = 0n;
    for (const g of granted) spent += await actualFee(g.transaction_hash);
    // Each tracking id polled on the other instance than the one that sent it: that settles it, once.
    for (const g of granted) {
      const other = g.via === a ? b : a;
      await expect
        .poll(async () => (await rpc(other.url, keys.sponsor, 'paymaster_trackingIdToLatestHash', { tracking_id: g.tracking_id })).body.result?.status, { timeout: 30_000 })
        .toBe('accepted');
    }
    expect(await usage(a.url)).toEqual({ txs: granted.length, fee: spent });
    expect(await usage(b.url)).toEqual({ txs: granted.length, fee: spent });
    expect(spent).toBeLessThanOrEqual(budget);
  }, 600_000);
});

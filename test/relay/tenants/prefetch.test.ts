/**
 * Authentication names the tenant it expects before reading the key, so the
 * tenant's policy revision leaves with the key record in one Redis round
 * trip: an admin dry run makes two round trips where it made three. The
 * prefetched read is taken once; a lookup no authentication preceded reads
 * afresh, so a policy written in between is always seen. On a real
 * redis-server, counting its MGETs.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeRelay, type NodeRelay } from '../../../relay/entry/node.ts';
import { parseConfig } from '../../../relay/config.ts';
import { newApiKey } from '../../../relay/tenants/auth.ts';
import { LivePolicies } from '../../../relay/tenants/livePolicies.ts';
import { PolicyStore } from '../../../relay/tenants/policyStore.ts';
import { startRedis, type TestRedis } from '../../helpers/redis.ts';
import { MANIFEST, sel } from '../admin/helpers.ts';

let redis: TestRedis;
let relay: NodeRelay;
let admin: { key: string; secretHash: string };
let stats: ReturnType<typeof createClient>;

beforeAll(async () => {
  redis = await startRedis();
  admin = await newApiKey('pf-admin');
  const config = parseConfig({
    rpcUrl: 'http://127.0.0.1:9/rpc',
    manifest: MANIFEST,
    relayers: [{ address: '0x777', privateKey: '0x999' }],
    store: { kind: 'redis', url: redis.url },
    tenants: [{ id: 'pf', name: 'Prefetch', apiKeys: [{ id: 'pf-admin', secretHash: admin.secretHash, scope: 'admin' }], policies: [] }],
  });
  relay = await createNodeRelay(config, {});
  stats = createClient({ url: redis.url });
  await stats.connect();
}, 60_000);
afterAll(async () => {
  await relay?.close();
  if (stats?.isOpen) await stats.quit();
  await redis?.stop();
});

const call = async (method: string, path: string, body?: unknown) => {
  const res = await relay.app.request(path, { method, headers: { 'content-type': 'application/json', 'x-paymaster-api-key': admin.key }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const policy = (enabled: boolean) => ({ schemaVersion: 1, id: 'jobs', name: 'Jobs', enabled, rules: { allow: [{ contract: 'job_mgr', selectors: ['submit_job'] }] } });
const dryRun = () => call('POST', '/v1/dry-run', { sender: '0xa11ce', calls: [{ to: MANIFEST.contracts.job_mgr.address, selector: sel('submit_job'), calldata: [] }], feeMode: 'sponsored', maxFee: '1000' });
async function mgets(): Promise<number> {
  const info = await stats.info('commandstats');
  return Number(/cmdstat_mget:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

describe('the policy revision read with the key', () => {
  it('decides an admin dry run in two round trips, and sees a policy written just before', async () => {
    expect((await call('POST', '/v1/policies', policy(true))).status).toBe(201);
    expect((await dryRun()).body.allow).toBe(true);
    const before = await mgets();
    const N = 20;
    for (let i = 0; i < N; i++) expect((await dryRun()).body.allow).toBe(true);
    const perRequest = ((await mgets()) - before - 1) / N;
    // Key record + revision, then the counters: 2 (it was 3: key, then revision, then counters).
    expect(perRequest).toBeLessThanOrEqual(2);
    expect(perRequest).toBeGreaterThan(1);
    // A write between two decisions is seen by the next one, prefetch or not.
    expect((await call('PUT', '/v1/policies/jobs', policy(false))).status).toBe(200);
    expect((await dryRun()).body.allow).toBe(false);
    const decided = await relay.deps.gate.decide({
      tenant: relay.deps.config.tenants[0]!, apiKeyId: 'pf-admin', sender: '0xa11ce', feeMode: 'sponsored', maxFee: 1000n, phase: 'build',
      calls: [{ to: MANIFEST.contracts.job_mgr.address, selector: sel('submit_job'), calldata: [] }],
    });
    expect(decided.decision.allow).toBe(false);
  });

  it('takes a prefetched revision once: the lookup after it reads again and sees a write in between', async () => {
    const live = new LivePolicies(relay.deps.store);
    const store = new PolicyStore(relay.deps.store);
    const by = { tenant: 'pf2', keyId: 'k' };
    const named = (name: string) => ({ ...policy(true), name }) as never;
    await store.write({ tenantId: 'pf2', id: 'jobs', op: 'create', policy: named('one'), by });
    live.prefetch('pf2');
    expect((await live.get('pf2')).policies.map((p) => p.name)).toEqual(['one']);
    // Another instance's write, then a lookup within the prefetch's 25 ms that no authentication preceded.
    await store.write({ tenantId: 'pf2', id: 'jobs', op: 'update', policy: named('two'), by });
    expect((await live.get('pf2')).policies.map((p) => p.name)).toEqual(['two']);
  });
});

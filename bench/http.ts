/**
 * The decision path over HTTP: requests/s of the admin dry run (auth, the
 * tenant's effective policies, the gate's decide() with rate-limit, tier and
 * budget reads from a real redis-server) against a bare Hono hello-world on
 * the same runtime, both served by @hono/node-server in this process and
 * loaded by autocannon with the same connections and duration.
 *
 *   npx tsx bench/http.ts             # BENCH_SECONDS=5 BENCH_CONNECTIONS=32
 */
import autocannon from 'autocannon';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { createNodeRelay, listen } from '../relay/entry/node.ts';
import { parseConfig } from '../relay/config.ts';
import { newApiKey } from '../relay/tenants/auth.ts';
import { MANIFEST, sel } from '../test/relay/admin/helpers.ts';
import { startRedis } from '../test/helpers/redis.ts';
import { writeReport } from './report.ts';
import { BENCH_POLICY } from './fixtures/policy.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

async function load(url: string, opts: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = {}) {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, ...opts });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return r.requests.average;
}

const redis = await startRedis();
const admin = await newApiKey('bench-admin');
const policy = BENCH_POLICY;
const config = parseConfig({
  rpcUrl: 'http://127.0.0.1:9/rpc',
  manifest: MANIFEST,
  relayers: [{ address: '0x777', privateKey: '0x999' }],
  store: { kind: 'redis', url: redis.url },
  tenants: [{ id: 'bench', name: 'Bench', apiKeys: [{ id: 'bench-admin', secretHash: admin.secretHash, scope: 'admin' }], policies: [] }],
});
const relay = await createNodeRelay(config, {});
const { url, server } = await listen(relay, 0);
const hello = new Hono().get('/', (c) => c.text('hello'));
const bare = await new Promise<{ url: string; close: () => void }>((resolve) => {
  const s = serve({ fetch: hello.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve({ url: `http://127.0.0.1:${info.port}/`, close: () => s.close() }));
});
try {
  const headers = { 'content-type': 'application/json', 'x-paymaster-api-key': admin.key };
  const created = await fetch(`${url}/v1/policies`, { method: 'POST', headers, body: JSON.stringify(policy) });
  if (created.status !== 201) throw new Error(`policy: ${created.status} ${await created.text()}`);
  const body = JSON.stringify({ sender: '0xa11ce', calls: [{ to: MANIFEST.contracts.job_mgr.address, selector: sel('submit_job'), calldata: [] }], feeMode: 'sponsored', maxFee: '1000' });
  const probe = (await (await fetch(`${url}/v1/dry-run`, { method: 'POST', headers, body })).json()) as { allow?: boolean };
  if (probe.allow !== true) throw new Error(`the dry run should allow: ${JSON.stringify(probe)}`);
  const baseline = await load(bare.url);
  const measured = await load(`${url}/v1/dry-run`, { method: 'POST', headers, body });
  writeReport('http', 'Decision path over HTTP (Node, Redis store)', [
    { what: `dry run with a realistic policy on Redis (${CONNECTIONS} connections, ${SECONDS} s)`, measured, baseline, unit: 'req/s', ratio: measured / baseline, ratioMeans: 'of a bare Hono hello-world', goal: '≥ 0.5×' },
  ]);
} finally {
  server.close();
  bare.close();
  await relay.close();
  await redis.stop();
}

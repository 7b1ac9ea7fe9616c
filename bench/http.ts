/**
 * The decision path over HTTP: requests/s of the admin dry run (auth, the
 * tenant's effective policies, the gate's decide() with rate-limit, tier and
 * budget reads from a real redis-server) against a bare Hono hello-world on
 * the same runtime, both served by @hono/node-server in this process and
 * loaded by autocannon with the same connections and duration. Each load is
 * warmed up first and run twice, alternating with the others, so JIT warm-up
 * and drift land on every side alike.
 *
 * Three more rows, against the same baseline, say where the dry run's cost
 * lies: a bare Hono POST that parses the same JSON body (what any JSON API
 * pays); the floor of any Redis-backed decision, a bare Hono POST that
 * validates that body with zod and makes the dry run's three Redis round
 * trips (the key's record, the tenant's policy revision, then the counters,
 * each needing the one before) and nothing else, and again with all of them
 * in one round trip; GET /v1/contracts
 * through the relay's own middleware (the request's scope, trace, metrics and
 * access log; no key, no store); and the dry run's route alone: the admin
 * API's own OpenAPI route and schemas validating the same body and answering
 * the same decision, with no key, store, gate, or observability behind it.
 *
 * The relay is loaded from its sources (tsx) like every other bench; one row
 * loads the same dry run through the production bundle instead (what
 * docker/build-node.mjs makes and the container runs), beside it on the same
 * Redis.
 *
 * autocannon runs in this process, on the servers' thread, so each request's
 * cost includes the load generator's, the same on both sides: that narrows
 * every ratio toward 1. A last row loads the dry run and the hello-world
 * from a worker thread instead (the servers alone on theirs; on a 2-core
 * machine the relay's Redis then shares a core with the load generator).
 *
 *   npx tsx bench/http.ts             # BENCH_SECONDS=5 BENCH_CONNECTIONS=32
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { createClient } from 'redis';
import { z } from 'zod';
import type { AddressInfo } from 'node:net';
import { createNodeRelay, listen } from '../relay/entry/node.ts';
import { parseConfig } from '../relay/config.ts';
import { newApiKey } from '../relay/tenants/auth.ts';
import { DryRunRequestSchema, DryRunResultSchema, json } from '../relay/admin/schemas.ts';
import { validationHook } from '../relay/errors/http.ts';
import { MANIFEST, sel } from '../test/relay/admin/helpers.ts';
import { startRedis } from '../test/helpers/redis.ts';
import { writeReport } from './report.ts';
import { BENCH_POLICY } from './fixtures/policy.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

type LoadOpts = { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; duration?: number; workers?: number };
async function load(url: string, opts: LoadOpts = {}) {
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
const bundleDir = mkdtempSync(join(tmpdir(), 'ciro-bench-bundle-'));
const bundlePath = join(bundleDir, 'relay.mjs');
execFileSync(process.execPath, [join(import.meta.dirname, '..', 'docker', 'build-node.mjs'), 'relay/entry/node.ts', bundlePath], { stdio: 'ignore' });
const bundled = (await import(bundlePath)) as typeof import('../relay/entry/node.ts');
const relayB = await bundled.createNodeRelay(config, {});
const { url: urlB, server: serverB } = await bundled.listen(relayB, 0);
// The floor's own connection, so its reads queue behind nothing of the relay's.
const floorRedis = createClient({ url: redis.url });
await floorRedis.connect();
const Body = z.object({
  sender: z.string().regex(/^0x[0-9a-fA-F]{1,64}$/),
  calls: z.array(z.object({ to: z.string(), selector: z.string(), calldata: z.array(z.string()) })),
  feeMode: z.enum(['sponsored', 'default']),
  maxFee: z.string(),
});
const hello = new Hono()
  .get('/', (c) => c.text('hello'))
  .post('/echo', async (c) => c.json(await c.req.json()))
  .post('/floor', async (c) => {
    const b = Body.parse(await c.req.json());
    await floorRedis.mGet(['floor:key']);
    await floorRedis.mGet(['floor:rev']);
    const counters = await floorRedis.mGet([1, 2, 3, 4, 5, 6, 7].map((i) => `floor:${b.sender}:${i}`));
    return c.json({ allow: true, read: counters.length });
  })
  .post('/floor1', async (c) => {
    const b = Body.parse(await c.req.json());
    const all = await floorRedis.mGet(['floor:key', 'floor:rev', ...[1, 2, 3, 4, 5, 6, 7].map((i) => `floor:${b.sender}:${i}`)]);
    return c.json({ allow: true, read: all.length });
  });
// Set to the relay's own answer once it has given one.
let decided: Record<string, unknown> = {};
const route = new OpenAPIHono({ defaultHook: validationHook }).openapi(
  createRoute({ method: 'post', path: '/route', request: { body: { required: true, ...json(DryRunRequestSchema, 'The transaction') } }, responses: { 200: json(DryRunResultSchema, 'The decision') } }),
  (c) => (c.req.valid('json'), c.json(decided as never, 200)),
);
hello.route('/', route);
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
  decided = probe;
  const probeB = (await (await fetch(`${urlB}/v1/dry-run`, { method: 'POST', headers, body })).json()) as { allow?: boolean };
  if (probeB.allow !== true) throw new Error(`the bundle's dry run should allow: ${JSON.stringify(probeB)}`);
  const loads = {
    hello: (duration = SECONDS) => load(bare.url, { duration }),
    echo: (duration = SECONDS) => load(`${bare.url}echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duration }),
    floor: (duration = SECONDS) => load(`${bare.url}floor`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duration }),
    floor1: (duration = SECONDS) => load(`${bare.url}floor1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duration }),
    contracts: (duration = SECONDS) => load(`${url}/v1/contracts`, { duration }),
    route: (duration = SECONDS) => load(`${bare.url}route`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duration }),
    dryRun: (duration = SECONDS) => load(`${url}/v1/dry-run`, { method: 'POST', headers, body, duration }),
    dryRunBundle: (duration = SECONDS) => load(`${urlB}/v1/dry-run`, { method: 'POST', headers, body, duration }),
    // The load generator on a thread of its own: the servers no longer pay for it, the relay's Redis shares a core with it.
    helloApart: (duration = SECONDS) => load(bare.url, { duration, workers: 1 }),
    dryRunApart: (duration = SECONDS) => load(`${url}/v1/dry-run`, { method: 'POST', headers, body, duration, workers: 1 }),
  };
  const got: Record<keyof typeof loads, number[]> = { hello: [], echo: [], floor: [], floor1: [], contracts: [], route: [], dryRun: [], dryRunBundle: [], helloApart: [], dryRunApart: [] };
  for (const warm of Object.values(loads)) await warm(1);
  for (let round = 0; round < 2; round++) for (const [name, run] of Object.entries(loads)) got[name as keyof typeof loads].push(await run());
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const baseline = mean(got.hello);
  const row = (what: string, xs: number[], goal?: string, base = baseline) => ({ what, measured: mean(xs), baseline: base, unit: 'req/s', ratio: mean(xs) / base, ratioMeans: 'of a bare Hono hello-world', ...(goal ? { goal } : {}) });
  writeReport('http', 'Decision path over HTTP (Node, Redis store)', [
    row(`dry run with a realistic policy on Redis (${CONNECTIONS} connections, ${SECONDS} s, mean of 2 runs)`, got.dryRun, '≥ 0.5×'),
    row('the same dry run through the production bundle (docker/build-node.mjs: what the container runs), on the same Redis', got.dryRunBundle),
    row('where the cost lies: a bare Hono POST parsing the same JSON body', got.echo),
    row("the floor of a Redis-backed decision: that POST validated with zod, plus the dry run's three dependent Redis round trips, nothing else", got.floor),
    row("the same floor with every key read in one round trip (a bare server's gain; the relay's reads already share one MGET across requests)", got.floor1),
    row("where the cost lies: GET /v1/contracts through the relay's middleware (no key, no store)", got.contracts),
    row("where the cost lies: the dry run's route alone (the admin API's OpenAPI route and zod schemas validating the same body, answering the same decision; no key, store, gate or observability)", got.route),
    row('the dry run with autocannon on its own thread (a worker), against the hello-world loaded the same way: the servers no longer share their thread with the load generator, which flatters every row above', got.dryRunApart, undefined, mean(got.helloApart)),
  ], { runs: got });
} finally {
  server.close();
  serverB.close();
  bare.close();
  await floorRedis.quit();
  await relay.close();
  await relayB.close();
  await redis.stop();
  rmSync(bundleDir, { recursive: true, force: true });
}

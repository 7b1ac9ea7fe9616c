/**
 * The relay on Cloudflare Workers, measured locally:
 * - the Worker bundle, gzipped, as `wrangler deploy --dry-run` builds it from
 *   wrangler.toml (what a deploy uploads), against a bare Hono hello-world
 *   Worker built the same way (bench/fixtures/hello-worker.ts);
 * - the admin dry run's requests/s on `wrangler dev` (workerd, state in
 *   Durable Objects) against the Node entry with the same config (state in a
 *   real redis-server), the same tenant, key, policy and body as bench/http.ts,
 *   both loaded by autocannon with the same connections and duration. Both
 *   servers share this machine with the load generator; wrangler dev also
 *   puts its local proxy in front of workerd, which a deployed Worker has not,
 *   so the hello-world Worker on wrangler dev is measured too: the local
 *   runtime's own ceiling, against which the relay's share can be read.
 *
 *   npx tsx bench/edge.ts             # BENCH_SECONDS=5 BENCH_CONNECTIONS=32
 */
import autocannon from 'autocannon';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseConfig } from '../relay/config.ts';
import { createNodeRelay, listen } from '../relay/entry/node.ts';
import { newApiKey } from '../relay/tenants/auth.ts';
import { startEdge } from '../scripts/edge.ts';
import { repoRoot } from '../scripts/local/toolchain.ts';
import { startRedis } from '../test/helpers/redis.ts';
import { MANIFEST, sel } from '../test/relay/admin/helpers.ts';
import { writeReport, type BenchRow } from './report.ts';
import { BENCH_POLICY } from './fixtures/policy.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' };

/** `wrangler deploy --dry-run` of wrangler.toml (optionally with another entry): the bundle's bytes and gzipped bytes. */
function bundle(entry?: string): { bytes: number; gzip: number } {
  const out = mkdtempSync(join(tmpdir(), 'ciro-bench-bundle-'));
  const args = ['deploy', '--dry-run', ...(entry ? [entry] : []), '--outdir', join(out, 'dist'), '--metafile', join(out, 'meta.json')];
  const r = spawnSync(join(repoRoot, 'node_modules', '.bin', 'wrangler'), args, { cwd: repoRoot, encoding: 'utf8', env: wranglerEnv, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed (${r.status}):\n${r.stdout}${r.stderr}`);
  const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')) as { outputs: Record<string, unknown> };
  const js = Object.keys(meta.outputs).find((o) => o.endsWith('.js'))!;
  const code = readFileSync(join(repoRoot, js));
  return { bytes: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

async function load(url: string, opts: { method?: 'POST'; headers?: Record<string, string>; body?: string } = {}): Promise<number> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, ...opts });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return r.requests.average;
}

const relaySize = bundle();
const helloSize = bundle('bench/fixtures/hello-worker.ts');
console.log(`worker bundle: ${relaySize.gzip} B gzipped (${relaySize.bytes} B); hello-world: ${helloSize.gzip} B gzipped`);

// The same tenant, key, policy and request as bench/http.ts.
const admin = await newApiKey('bench-admin');
const policy = BENCH_POLICY;
const input = {
  rpcUrl: 'http://127.0.0.1:9/rpc',
  manifest: MANIFEST,
  relayers: [{ address: '0x777', privateKey: '0x999' }],
  tenants: [{ id: 'bench', name: 'Bench', apiKeys: [{ id: 'bench-admin', secretHash: admin.secretHash, scope: 'admin' as const }], policies: [] }],
};
const headers = { 'content-type': 'application/json', 'x-paymaster-api-key': admin.key };
const body = JSON.stringify({ sender: '0xa11ce', calls: [{ to: MANIFEST.contracts.job_mgr.address, selector: sel('submit_job'), calldata: [] }], feeMode: 'sponsored', maxFee: '1000' });

/** Creates the policy, checks the dry run allows, then loads it. */
async function dryRunRate(url: string): Promise<number> {
  const created = await fetch(`${url}/v1/policies`, { method: 'POST', headers, body: JSON.stringify(policy) });
  if (created.status !== 201) throw new Error(`policy: ${created.status} ${await created.text()}`);
  const probe = (await (await fetch(`${url}/v1/dry-run`, { method: 'POST', headers, body })).json()) as { allow?: boolean };
  if (probe.allow !== true) throw new Error(`the dry run should allow: ${JSON.stringify(probe)}`);
  return load(`${url}/v1/dry-run`, { method: 'POST', headers, body });
}

const redis = await startRedis();
const relay = await createNodeRelay(parseConfig({ ...input, store: { kind: 'redis', url: redis.url } }), {});
const node = await listen(relay, 0);
const edge = await startEdge({ config: input, policies: [] }).catch(async (e: unknown) => {
  node.server.close();
  await relay.close();
  await redis.stop();
  throw e;
});
// The hello-world Worker on wrangler dev: wrangler.toml with only its entry changed.
const helloToml = join(mkdtempSync(join(tmpdir(), 'ciro-bench-hello-')), 'wrangler.toml');
writeFileSync(helloToml, readFileSync(join(repoRoot, 'wrangler.toml'), 'utf8').replace(/^main = .*$/m, `main = ${JSON.stringify(join(repoRoot, 'bench/fixtures/hello-worker.ts'))}`));
try {
  const onNode = await dryRunRate(node.url);
  const onEdge = await dryRunRate(edge.url);
  await edge.stop();
  const hello = await startEdge({ config: input, policies: [], wranglerConfig: helloToml });
  const helloOnEdge = await load(`${hello.url}/`).finally(() => hello.stop());
  const rows: BenchRow[] = [
    {
      what: 'Worker bundle, gzipped (wrangler deploy --dry-run)', measured: relaySize.gzip / 1024, baseline: helloSize.gzip / 1024, unit: 'KiB',
      ratio: relaySize.gzip / helloSize.gzip, ratioMeans: 'times a bare Hono hello-world Worker', goal: '< 3 MiB (Workers Free limit; Paid 10 MiB)',
      note: `${(relaySize.bytes / 1024).toFixed(0)} KiB uncompressed, gzip level 9; ${((relaySize.gzip / (3 * 2 ** 20)) * 100).toFixed(1)}% of the Free plan's 3 MiB`,
    },
    {
      what: `dry run on wrangler dev (Durable Objects) vs the Node entry (Redis), ${CONNECTIONS} connections, ${SECONDS} s`, measured: onEdge, baseline: onNode, unit: 'req/s',
      ratio: onEdge / onNode, ratioMeans: 'of the Node entry with the same config',
    },
    {
      what: `dry run on wrangler dev vs a hello-world Worker on wrangler dev, ${CONNECTIONS} connections, ${SECONDS} s`, measured: onEdge, baseline: helloOnEdge, unit: 'req/s',
      ratio: onEdge / helloOnEdge, ratioMeans: 'of the hello-world Worker on the same local runtime',
    },
  ];
  writeReport('edge', 'The relay on Workers: bundle size and the dry run on wrangler dev', rows, { bundle: { relay: relaySize, hello: helloSize } });
} finally {
  await edge.stop();
  node.server.close();
  await relay.close();
  await redis.stop();
}

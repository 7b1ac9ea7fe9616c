/**
 * The Worker bundle's import graph, as `wrangler deploy --dry-run` builds it
 * from wrangler.toml (same esbuild settings, conditions and nodejs_compat
 * handling as a deploy): no `redis` client, no `@hono/node-server`, no Node
 * built-in reaches it, and nothing is left external but the Workers runtime
 * module. The same check run on the bundle a worker importing the Node entry
 * would get shows it finds each of them. Also reports the bundle's size.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/local/toolchain.ts';

interface Metafile {
  inputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
  outputs: Record<string, { bytes: number; imports: { path: string; external?: boolean }[] }>;
}

/** `wrangler deploy --dry-run` of wrangler.toml, optionally with another entry; the bundle, its metafile and wrangler's output. */
function dryRun(entry?: string) {
  const out = mkdtempSync(join(tmpdir(), 'ciro-worker-bundle-'));
  const bin = join(repoRoot, 'node_modules', '.bin');
  const args = ['deploy', '--dry-run', ...(entry ? [entry] : []), '--outdir', join(out, 'dist'), '--metafile', join(out, 'meta.json')];
  const r = spawnSync(join(bin, 'wrangler'), args, {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1', PATH: `${bin}:${process.env.PATH}` },
    timeout: 120_000,
  });
  const output = `${r.stdout}${r.stderr}`;
  if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed (${r.status}):\n${output}`);
  const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')) as Metafile;
  const [js] = Object.keys(meta.outputs).filter((o) => o.endsWith('.js'));
  return { meta, output, code: readFileSync(join(repoRoot, js!)) };
}

/** What must never be in the Worker: each offending module or import, by kind. */
function forbidden(meta: Metafile) {
  const inputs = Object.keys(meta.inputs);
  const imports = [...Object.values(meta.inputs), ...Object.values(meta.outputs)].flatMap((f) => f.imports.map((i) => i.path));
  const externals = new Set(Object.values(meta.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path)));
  return {
    redis: inputs.filter((i) => /(^|\/)node_modules\/(redis|@redis\/[^/]+)\//.test(i)),
    nodeServer: inputs.filter((i) => /(^|\/)node_modules\/@hono\/node-server\//.test(i)),
    nodeBuiltins: [...new Set([...inputs, ...imports].filter((p) => p.startsWith('node:') || isBuiltin(p)))],
    externals: [...externals].filter((p) => p !== 'cloudflare:workers'),
  };
}

describe('the Worker bundle (wrangler deploy --dry-run)', () => {
  it('holds no redis, @hono/node-server or Node built-in, and leaves only cloudflare:workers external', () => {
    const { meta, output, code } = dryRun();
    expect(Object.keys(meta.inputs)).toContain('relay/entry/worker.ts');
    expect(Object.keys(meta.inputs)).toContain('relay/store/durable/shard.ts');
    expect(forbidden(meta)).toEqual({ redis: [], nodeServer: [], nodeBuiltins: [], externals: [] });

    const wrangler = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(output);
    expect(wrangler, output).not.toBeNull();
    const gzipKiB = gzipSync(code).length / 1024;
    console.log(`[worker bundle] ${(code.length / 1024).toFixed(2)} KiB, gzip ${gzipKiB.toFixed(2)} KiB; wrangler: ${wrangler![1]} KiB / gzip ${wrangler![2]} KiB`);
    // Workers Free plan limit: 3 MiB compressed (Paid: 10 MiB).
    expect(Number(wrangler![2])).toBeLessThan(3 * 1024);
  });

  it('would catch them: a worker importing the Node entry bundles all three', () => {
    const found = forbidden(dryRun('test/edge/fixtures/leaky-worker.ts').meta);
    expect(found.redis).toEqual(expect.arrayContaining([expect.stringMatching(/node_modules\/@redis\/client\//)]));
    expect(found.nodeServer.length).toBeGreaterThan(0);
    expect(found.nodeBuiltins).toEqual(expect.arrayContaining(['node:http', 'node:net']));
    expect(found.externals.length).toBeGreaterThan(0);
  });
});

/**
 * The relay's shape, as the design fixes it: folders in the order a request
 * travels, entry → app → observability → rpc → sessions → execution | admin → sponsorship → tenants →
 * chain | relayers → store, and nothing importing upward or sideways between
 * siblings. `config.ts` and `deps.ts` are contracts every layer may read as
 * types; `errors/` sits under everything. Imports are resolved by
 * dependency-cruiser (a real parser), not by grepping. Also: the core
 * bundles for a worker-like platform with no Node built-ins, and no file
 * grows past 250 lines.
 */
import { build } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/local/toolchain.ts';

/** Rank of each layer: a module may import only strictly higher ranks (or its own folder). */
const RANK: [RegExp, number, string][] = [
  [/^relay\/entry\//, 0, 'entry'],
  [/^relay\/(app|createDeps)\.ts$/, 1, 'app'],
  // What app and createDeps wrap around the core (request scopes and traces, logs, metrics, alerts): only entries,
  // app and createDeps import it; the core records through deps.ts's interfaces and never imports it.
  [/^relay\/observability\//, 1.2, 'observability'],
  [/^relay\/deps\.ts$/, 1.5, 'deps'],
  [/^relay\/rpc\//, 2, 'rpc'],
  // The console: static assets the app serves (its browser code calls /v1 over HTTP, never imports the relay).
  [/^relay\/console\//, 2, 'console'],
  // Session keys sit above execution: co-signing holds a session transaction to execute's own checks.
  [/^relay\/sessions\//, 2.5, 'sessions'],
  [/^relay\/execution\//, 3, 'execution'],
  [/^relay\/admin\//, 3, 'admin'],
  [/^relay\/sponsorship\//, 4, 'sponsorship'],
  [/^relay\/tenants\//, 5, 'tenants'],
  [/^relay\/config\.ts$/, 5.5, 'config'],
  [/^relay\/chain\//, 6, 'chain'],
  [/^relay\/relayers\//, 6, 'relayers'],
  [/^relay\/store\//, 7, 'store'],
  [/^relay\/errors\//, 8, 'errors'],
  [/^policies\//, 9, 'policies'],
];
/** Read by every layer as types only: the contracts between them. */
const CONTRACTS = new Set(['relay/config.ts', 'relay/deps.ts']);

const layerOf = (path: string) => {
  const hit = RANK.find(([re]) => re.test(path));
  return hit && { rank: hit[1], name: hit[2] };
};

let modules: ICruiseResult['modules'];
beforeAll(async () => {
  const res = await cruise(['relay'], { tsPreCompilationDeps: true, doNotFollow: { path: 'node_modules' } }, {}, {});
  modules = (res.output as ICruiseResult).modules.filter((m) => m.source.startsWith('relay/'));
}, 60_000);

describe('relay layout', () => {
  it('puts every relay file in a layer', () => {
    expect(modules.length).toBeGreaterThan(60);
    const unplaced = modules.filter((m) => !m.source.endsWith('.d.ts') && !layerOf(m.source)).map((m) => m.source);
    expect(unplaced).toEqual([]);
  });

  it('never imports upward, nor between sibling layers', () => {
    const bad: string[] = [];
    for (const m of modules) {
      const from = layerOf(m.source);
      if (!from) continue;
      for (const d of m.dependencies) {
        const to = layerOf(d.resolved);
        if (!to || to.name === from.name) continue;
        const typeOnly = d.dependencyTypes.includes('type-only');
        if (CONTRACTS.has(d.resolved) && typeOnly) continue;
        if (to.rank <= from.rank) bad.push(`${m.source} (${from.name}) → ${d.resolved} (${to.name})${typeOnly ? ' [type]' : ''}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('has no import cycles between relay files', () => {
    const cyclic = modules.flatMap((m) => m.dependencies.filter((d) => d.circular).map((d) => `${m.source} → ${d.resolved}`));
    expect(cyclic).toEqual([]);
  });

  it('keeps Node-only code in relay/entry and the Redis store', () => {
    const nodeOnly = modules
      .filter((m) => !/^relay\/(entry|store\/redis)\//.test(m.source))
      .flatMap((m) => m.dependencies.filter((d) => d.coreModule || /^(redis|@hono\/node-server)$/.test(d.module)).map((d) => `${m.source} → ${d.module}`));
    expect(nodeOnly).toEqual([]);
  });

  it('keeps every relay and policies file under 250 lines (generated ones excepted)', () => {
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : /\.tsx?$/.test(e.name) && !e.name.endsWith('.generated.ts') ? [join(dir, e.name)] : []));
    const long = ['relay', 'policies']
      .flatMap((d) => walk(join(repoRoot, d)))
      .map((f) => [relative(repoRoot, f), readFileSync(f, 'utf8').split('\n').length] as const)
      .filter(([, n]) => n > 250);
    expect(long).toEqual([]);
  });
});

describe('core portability', () => {
  it('bundles app and createDeps for a worker platform: no Node built-ins, no Redis, no rate-limiter-flexible root', async () => {
    const res = await build({
      entryPoints: ['relay/app.ts', 'relay/createDeps.ts', 'relay/store/memory.ts'].map((e) => join(repoRoot, e)),
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      outdir: '/tmp/ciro-portability',
      logLevel: 'silent',
      metafile: true,
    });
    expect(res.errors).toEqual([]);
    const inputs = Object.keys(res.metafile!.inputs);
    expect(inputs.some((i) => i.includes('relay/sponsorship/gate.ts'))).toBe(true);
    expect(inputs.filter((i) => i.startsWith('node:') || /relay\/entry\/|relay\/store\/redis|node_modules\/redis\//.test(i))).toEqual([]);
    // The package root loads node:cluster; only its store-agnostic files may be bundled.
    expect(inputs.filter((i) => /rate-limiter-flexible\/(index|lib\/index)\.js$/.test(i))).toEqual([]);
  });
});

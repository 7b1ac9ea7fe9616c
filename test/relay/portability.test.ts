/**
 * The relay core must run unchanged in a Cloudflare Worker: bundling it for a
 * browser-like platform fails on any Node built-in. Only relay/entry/* and the
 * Redis store may touch Node; this bundles everything else's entry points.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/local/toolchain.ts';

const coreEntries = ['relay/app.ts', 'relay/store/memory.ts', 'relay/relayers/pool.ts', 'policies/index.ts'];

describe('core portability', () => {
  it('bundles for a worker platform with no Node built-ins', async () => {
    const res = await build({
      entryPoints: coreEntries.map((e) => join(repoRoot, e)),
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
    expect(inputs.some((i) => i.includes('relay/entry/'))).toBe(false);
    expect(inputs.some((i) => /relay\/store\/redis/.test(i))).toBe(false);
    expect(inputs.filter((i) => i.startsWith('node:'))).toEqual([]);
  });
});

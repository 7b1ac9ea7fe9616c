/**
 * relay/admin and relay/tenants run in Cloudflare Workers later: no file
 * there may import a Node built-in, and both bundle for a browser-like
 * platform with no `node:` input. The JSON diff the audit log relies on is
 * checked here too, being pure.
 */
import { build } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonDiff } from '../../../relay/tenants/diff.ts';

const ROOT = join(import.meta.dirname, '../../..');
const DIRS = ['relay/admin', 'relay/tenants'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('Workers portability', () => {
  it('imports nothing Node-only', () => {
    const files = DIRS.flatMap((d) => tsFiles(join(ROOT, d)));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const src = readFileSync(f, 'utf8');
      for (const m of src.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)) {
        expect(m[1], `${relative(ROOT, f)} imports ${m[1]}`).not.toMatch(/^node:|^(fs|path|os|crypto|http|net|child_process)$|\/entry\/|\/files\.ts$|redis/);
      }
    }
  });

  it('bundles for a browser-like platform', async () => {
    const res = await build({
      entryPoints: [join(ROOT, 'relay/admin/api.ts'), join(ROOT, 'relay/tenants/index.ts')],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      outdir: '/tmp/ciro-admin-portability',
      logLevel: 'silent',
      metafile: true,
    });
    expect(res.errors).toEqual([]);
    expect(Object.keys(res.metafile!.inputs).filter((i) => i.startsWith('node:'))).toEqual([]);
  });
});

describe('jsonDiff', () => {
  it('reports adds, removes and replacements with JSON Pointer paths', () => {
    const a = { name: 'x', rules: { allow: [{ c: 'a' }, { c: 'b' }], 'a/b': 1 }, gone: true };
    const b = { name: 'y', rules: { allow: [{ c: 'a' }], 'a/b': 2, feeModes: ['sponsored'] } };
    expect(jsonDiff(a, b)).toEqual([
      { op: 'remove', path: '/gone', from: true },
      { op: 'replace', path: '/name', from: 'x', value: 'y' },
      { op: 'replace', path: '/rules/a~1b', from: 1, value: 2 },
      { op: 'remove', path: '/rules/allow/1', from: { c: 'b' } },
      { op: 'add', path: '/rules/feeModes', value: ['sponsored'] },
    ]);
  });

  it('is empty for equal documents and whole-document for create and delete', () => {
    expect(jsonDiff({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toEqual([]);
    expect(jsonDiff(null, { a: 1 })).toEqual([{ op: 'add', path: '', value: { a: 1 } }]);
    expect(jsonDiff({ a: 1 }, null)).toEqual([{ op: 'remove', path: '', from: { a: 1 } }]);
    expect(jsonDiff({ a: { b: 1 } }, { a: [1] })).toEqual([{ op: 'replace', path: '/a', from: { b: 1 }, value: [1] }]);
  });
});

/**
 * The policy runtime runs in Cloudflare Workers too: apart from the file
 * loader, nothing in relay/policies may import Node built-ins, nor the
 * rate-limiter-flexible package root (it loads node:cluster).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const DIR = join(import.meta.dirname, '../../../relay/policies');
const NODE_ONLY = new Set(['files.ts']);

it('keeps Node-only imports out of the Workers-safe runtime', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !NODE_ONLY.has(f));
  expect(files.length).toBeGreaterThan(5);
  for (const f of files) {
    const src = readFileSync(join(DIR, f), 'utf8');
    const imports = [...src.matchAll(/^\s*import\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)].filter((m) => !m[1]).map((m) => m[2]!);
    for (const spec of imports) {
      expect(spec, `${f} imports ${spec}`).not.toMatch(/^node:|^(fs|path|os|crypto|http|net|cluster|child_process)$/);
      expect(spec, `${f} imports the rate-limiter-flexible root`).not.toBe('rate-limiter-flexible');
    }
  }
  expect(readFileSync(join(DIR, 'index.ts'), 'utf8')).not.toMatch(/from '\.\/files\.ts'/);
});

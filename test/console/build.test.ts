/**
 * The console as built and served, without a browser: the client type-checks
 * on its own (DOM types), the generated module matches client/, and the app
 * serves the page with its CSP and every asset the page names, cacheable
 * forever. The console adds no route but GETs of its page and assets.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createConsole } from '../../relay/console/serve.ts';
import { repoRoot } from '../../scripts/local/toolchain.ts';

const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name);
const run = (cmd: string, args: string[]) => spawnSync(bin(cmd), args, { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });

describe('the console build', () => {
  it('type-checks the browser code against the DOM', () => {
    const r = run('tsc', ['--noEmit', '-p', 'relay/console/client']);
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  });

  it('is fresh: relay/console/assets.generated.ts is what client/ builds to', () => {
    const r = run('tsx', ['scripts/build-console.ts', '--check']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('the console served', () => {
  const app = createConsole({ compress: true });

  it('serves the page with a strict CSP at /console and /console/', async () => {
    for (const path of ['/', '/policies/x']) {
      const res = await app.request(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('cache-control')).toBe('no-cache');
    }
  });

  it('serves every asset the page names, gzipped, immutable', async () => {
    const html = await (await app.request('/')).text();
    const names = [...html.matchAll(/\/console\/assets\/([\w.-]+)/g)].map((m) => m[1]!);
    expect(names).toHaveLength(2);
    for (const name of names) {
      const res = await app.request(`/assets/${name}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-encoding')).toBe('gzip');
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
    expect((await app.request('/assets/nope.js')).status).toBe(404);
    // Names of Object.prototype's members are no assets either (they used to answer 500).
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) expect((await app.request(`/assets/${name}`)).status).toBe(404);
  });

  it('leaves encoding to the platform unless asked (workerd gzips a body itself)', async () => {
    const res = await createConsole().request('/', { headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(await res.text()).toContain('<html');
  });

  it('answers nothing but GET', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) expect((await app.request('/', { method })).status).toBe(404);
  });
});

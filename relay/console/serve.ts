/**
 * Serves the console at /console: one HTML page and its hashed assets, from
 * the module scripts/build-console.ts generates (no filesystem at runtime,
 * so Node and Workers serve the same bytes). The page talks only to the /v1
 * admin API; nothing here reads a key or a tenant.
 *
 * The page holds an admin key, so it is locked down: scripts only from this
 * origin, no framing, no referrer. Styles allow 'unsafe-inline' because
 * CodeMirror and uPlot set styles at runtime.
 */
import { Hono } from 'hono';
import { compress } from 'hono/compress';
import { ASSETS, INDEX_HTML } from './assets.generated.ts';

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * Mounted by relay/app.ts at /console. `compress` is for Node only: workerd
 * encodes a body itself whenever Content-Encoding is set, so gzipping here
 * on Workers sent the page gzipped twice (the edge e2e test caught it).
 */
export function createConsole(opts: { compress?: boolean } = {}): Hono {
  const app = new Hono();
  if (opts.compress) app.use('*', compress());

  const page = (c: { body: (b: string, s: 200, h: Record<string, string>) => Response }) =>
    c.body(INDEX_HTML, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', ...SECURITY_HEADERS });

  app.get('/assets/:name', (c) => {
    // Own names only: `constructor` or `__proto__` would read Object.prototype (a 500).
    const name = c.req.param('name');
    const a = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!a) return c.text('Not found', 404);
    // Names carry a content hash: a new build is a new name, so these never need revalidating.
    return c.body(a.body, 200, { 'content-type': a.type, 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' });
  });
  // /console, /console/ and any other path under it: the one page (screens are #fragments).
  app.get('/', page);
  app.get('/*', page);
  return app;
}

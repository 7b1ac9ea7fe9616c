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
import { Hono, type Context } from 'hono';
import { accepts } from 'hono/accepts';
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
 * gzip when the client takes it (its q for gzip, else for `*`, as hono/compress read it); otherwise
 * the plain bytes. No deflate: every browser takes gzip, and one encoding is one cached body.
 */
const takesGzip = (c: Context) =>
  accepts(c, {
    header: 'Accept-Encoding',
    supports: ['gzip'],
    default: 'identity',
    match: (list) => ((list.find((a) => a.type.toLowerCase() === 'gzip') ?? list.find((a) => a.type === '*'))?.q ?? 0) > 0 ? 'gzip' : 'identity',
  }) === 'gzip';

async function gzip(text: string): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Mounted by relay/app.ts at /console. `compress` is for Node only: workerd
 * encodes a body itself whenever Content-Encoding is set, so gzipping here
 * on Workers sent the page gzipped twice (the edge e2e test caught it).
 * The bodies never change, so each is gzipped once, on its first request,
 * and kept by this instance: gzipping per request cost 25-32 ms of CPU for
 * the big asset, and anyone may ask for it. Only the page and the assets'
 * own names become keys, so the map holds one entry per body at most.
 */
export function createConsole(opts: { compress?: boolean } = {}): Hono {
  const app = new Hono();
  const gzipped = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();
  const gzipOnce = (name: string, text: string) => {
    let p = gzipped.get(name);
    if (!p) {
      p = gzip(text);
      gzipped.set(name, p);
      // A failure is not kept: the next request tries again.
      p.catch(() => gzipped.delete(name));
    }
    return p;
  };

  const send = async (c: Context, name: string, text: string, headers: Record<string, string>) => {
    if (!opts.compress) return c.body(text, 200, headers);
    const vary = { ...headers, vary: 'Accept-Encoding' };
    if (!takesGzip(c)) return c.body(text, 200, vary);
    return c.body(await gzipOnce(name, text), 200, { ...vary, 'content-encoding': 'gzip' });
  };

  const page = (c: Context) => send(c, 'index.html', INDEX_HTML, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', ...SECURITY_HEADERS });

  app.get('/assets/:name', (c) => {
    // Own names only: `constructor` or `__proto__` would read Object.prototype (a 500).
    const name = c.req.param('name');
    const a = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!a) return c.text('Not found', 404);
    // Names carry a content hash: a new build is a new name, so these never need revalidating.
    return send(c, `assets/${name}`, a.body, { 'content-type': a.type, 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' });
  });
  // /console, /console/ and any other path under it: the one page (screens are #fragments).
  app.get('/', page);
  app.get('/*', page);
  return app;
}

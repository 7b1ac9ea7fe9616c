/**
 * The console's gzip on Node: each body is compressed once per console
 * instance, on its first request, and the same bytes served after that;
 * gzip only to a client that takes it. CompressionStream is wrapped to count
 * what is compressed, the one place the work happens.
 */
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ASSETS, INDEX_HTML } from '../../relay/console/assets.generated.ts';
import { createConsole } from '../../relay/console/serve.ts';

let compressions = 0;
beforeEach(() => {
  compressions = 0;
  const Real = globalThis.CompressionStream;
  vi.stubGlobal('CompressionStream', class extends Real {
    constructor(format: ConstructorParameters<typeof Real>[0]) {
      super(format);
      compressions++;
    }
  });
});
afterEach(() => vi.unstubAllGlobals());

const [name, asset] = Object.entries(ASSETS).sort((a, b) => b[1].body.length - a[1].body.length)[0]!;
const get = async (app: ReturnType<typeof createConsole>, path: string, acceptEncoding?: string) => {
  const res = await app.request(path, { headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } });
  expect(res.status).toBe(200);
  return { headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
};

describe('console gzip, once per body', () => {
  it('the second request for an asset gets the same gzip bytes, compressed once', async () => {
    const app = createConsole({ compress: true });
    const first = await get(app, `/assets/${name}`, 'gzip, deflate, br');
    expect(compressions).toBe(1);
    const second = await get(app, `/assets/${name}`, 'gzip');
    expect(compressions).toBe(1);
    expect(Buffer.from(second.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    expect(gunzipSync(second.bytes).toString('utf8')).toBe(asset.body);
    for (const { headers } of [first, second]) {
      expect(headers.get('content-encoding')).toBe('gzip');
      expect(headers.get('vary')).toBe('Accept-Encoding');
      expect(headers.get('content-type')).toBe(asset.type);
      expect(headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(headers.get('etag')).toBeNull();
    }
  });

  it('concurrent first requests share one compression; the page is a body of its own', async () => {
    const app = createConsole({ compress: true });
    const all = await Promise.all(Array.from({ length: 5 }, () => get(app, `/assets/${name}`, 'gzip')));
    expect(compressions).toBe(1);
    for (const r of all) expect(Buffer.from(r.bytes).equals(Buffer.from(all[0]!.bytes))).toBe(true);
    for (const path of ['/', '/policies/x', '/']) {
      const page = await get(app, path, 'gzip');
      expect(gunzipSync(page.bytes).toString('utf8')).toBe(INDEX_HTML);
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(page.headers.get('cache-control')).toBe('no-cache');
    }
    expect(compressions).toBe(2);
  });

  it('each console instance keeps its own bytes', async () => {
    await get(createConsole({ compress: true }), `/assets/${name}`, 'gzip');
    await get(createConsole({ compress: true }), `/assets/${name}`, 'gzip');
    expect(compressions).toBe(2);
  });

  it('plain bytes to a client that does not take gzip; gzip to one that takes anything', async () => {
    const app = createConsole({ compress: true });
    for (const accept of [undefined, '', 'identity', 'deflate', 'br', 'gzip;q=0', 'gzip;q=0, *']) {
      const r = await get(app, `/assets/${name}`, accept);
      expect(r.headers.get('content-encoding'), String(accept)).toBeNull();
      expect(r.headers.get('vary')).toBe('Accept-Encoding');
      expect(new TextDecoder().decode(r.bytes)).toBe(asset.body);
    }
    expect(compressions).toBe(0);
    for (const accept of ['*', 'GZIP', 'br;q=1, gzip;q=0.5']) expect((await get(app, `/assets/${name}`, accept)).headers.get('content-encoding'), accept).toBe('gzip');
    expect(compressions).toBe(1);
  });

  it('without compress (Workers) nothing is encoded or varied, whatever the client takes', async () => {
    const app = createConsole();
    const r = await get(app, `/assets/${name}`, 'gzip');
    expect(r.headers.get('content-encoding')).toBeNull();
    expect(r.headers.get('vary')).toBeNull();
    expect(new TextDecoder().decode(r.bytes)).toBe(asset.body);
    expect(compressions).toBe(0);
  });
});

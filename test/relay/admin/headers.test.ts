/**
 * Response headers that keep the relay usable from a dapp's page and its
 * keyed answers out of shared caches: CORS on SNIP-29, the session
 * co-signer, contracts and health (any origin, never credentials), none on
 * the admin API or the console; `Cache-Control: no-store` and `Vary` on
 * every keyed admin and session answer. Through app.request(); the browser
 * itself is driven in test/console/cors.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { makeApp, makeConfig, memoryStore, type AdminApp, type Keys } from './helpers.ts';

let a: AdminApp;
let keys: Keys;
beforeAll(async () => {
  const made = await makeConfig();
  keys = made.keys;
  a = makeApp(made.config, await memoryStore());
});

const ORIGIN = 'https://dapp.example';
const preflight = (path: string, method = 'POST') =>
  a.app.request(path, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': method, 'access-control-request-headers': 'content-type,x-paymaster-api-key' } });

describe('CORS', () => {
  it('lets any origin call SNIP-29 with a key header, and read the answer', async () => {
    for (const path of ['/', '/rpc']) {
      const pre = await preflight(path);
      expect(pre.status, path).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe('*');
      expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-paymaster-api-key');
      expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
      expect(pre.headers.get('access-control-allow-credentials')).toBeNull();
    }
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'paymaster_getSupportedTokens' });
    const res = await a.app.request('/', { method: 'POST', headers: { origin: ORIGIN, 'content-type': 'application/json', 'x-paymaster-api-key': keys.acmeSponsor }, body });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toContain('x-request-id');
  });

  it('answers a preflight only when it names an origin, as before', async () => {
    const bare = await a.app.request('/', { method: 'OPTIONS' });
    expect(bare.status).toBe(404);
    expect(bare.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("keeps errors readable by the dapp's page: a refused body, an unknown session, a thrown error", async () => {
    const big = await a.app.request('/', { method: 'POST', headers: { origin: ORIGIN, 'content-type': 'application/json' }, body: 'x'.repeat(64 * 1024) });
    const unknown = await a.app.request('/sessions/0xdead', { headers: { origin: ORIGIN, 'x-paymaster-api-key': keys.acmeSponsor } });
    const unkeyed = await a.app.request('/sessions', { headers: { origin: ORIGIN } });
    for (const [what, res, status] of [['413', big, 413], ['unknown session', unknown, 404], ['no key', unkeyed, 401]] as const) {
      expect(res.status, what).toBe(status);
      expect(res.headers.get('access-control-allow-origin'), what).toBe('*');
      expect(res.headers.get('x-request-id'), what).toBeTruthy();
    }
  });

  it('answers CORS on cacheable GETs whether or not the request names an origin (a shared cache keeps one copy for all)', async () => {
    for (const path of ['/v1/contracts', '/health']) expect((await a.app.request(path)).headers.get('access-control-allow-origin'), path).toBe('*');
    // POSTs are never cached: a server or a Node wallet (no Origin) skips the middleware.
    const rpc = await a.app.request('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'paymaster_isAvailable' }) });
    expect(rpc.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('covers the session co-signer, contracts and health', async () => {
    for (const [path, method] of [['/sessions/authorize', 'POST'], ['/sessions', 'GET'], ['/v1/contracts', 'GET'], ['/health', 'GET']] as const) {
      const pre = await preflight(path, method);
      expect(pre.status, path).toBe(204);
      expect(pre.headers.get('access-control-allow-origin'), path).toBe('*');
    }
  });

  it('gives the admin API, metrics and the console to no other origin', async () => {
    for (const path of ['/v1/tenant', '/v1/policies', '/v1/accounts/0x1', '/metrics', '/console']) {
      const pre = await preflight(path, 'GET');
      expect(pre.headers.get('access-control-allow-origin'), path).toBeNull();
    }
    const res = await a.app.request('/v1/tenant', { headers: { origin: ORIGIN, 'x-paymaster-api-key': keys.acmeAdmin } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('keyed answers and caches', () => {
  it('marks every admin answer no-store and varying by key, errors included', async () => {
    const answers = [
      await a.call('GET', '/v1/tenant', keys.acmeAdmin),
      await a.call('GET', '/v1/policies', keys.acmeAdmin),
      await a.call('GET', '/v1/keys', keys.acmeAdmin),
      await a.call('GET', '/v1/tenants', keys.operator),
      await a.call('GET', '/v1/accounts/0x1', keys.operator),
      await a.call('GET', '/v1/tenant', keys.acmeSponsor),
      await a.call('GET', '/v1/tenant'),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 403, 401]);
    for (const r of answers) {
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.headers.get('vary')?.toLowerCase()).toContain('x-paymaster-api-key');
    }
  });

  it('marks session listings the same way', async () => {
    const r = await a.call('GET', '/sessions?account=0x1', keys.acmeSponsor);
    expect(r.headers.get('cache-control')).toBe('no-store');
  });
});

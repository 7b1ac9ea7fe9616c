/**
 * CORS on Workers, in workerd: the Worker serves the same app, so a dapp's
 * page may call SNIP-29 from its own origin there too, and the admin API
 * still answers no other origin.
 */
import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import worker from '../../relay/entry/worker.ts';
import { felt, fakeManifest as manifest } from '../helpers/fakeManifest.ts';

it("answers a dapp's preflight for SNIP-29 and none for the admin API", async () => {
  const config = { rpcUrl: 'http://127.0.0.1:9/rpc', manifest, relayers: [{ address: felt(50), privateKey: felt(51) }], tenants: [] };
  const workerEnv = { STORE: env.STORE, CIRO_CONFIG: JSON.stringify(config) } as never;
  const ctx = { waitUntil: () => undefined };
  const preflight = (path: string) =>
    worker.fetch(new Request(`http://relay.test${path}`, {
      method: 'OPTIONS',
      headers: { origin: 'https://dapp.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-paymaster-api-key' },
    }), workerEnv, ctx);
  const rpc = await preflight('/');
  expect(rpc.status).toBe(204);
  expect(rpc.headers.get('access-control-allow-origin')).toBe('*');
  expect(rpc.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-paymaster-api-key');
  expect((await preflight('/v1/policies')).headers.get('access-control-allow-origin')).toBeNull();
});

/**
 * The relay's observability inside workerd (the Workers runtime), with the
 * Worker's own parts: the Durable Object store, EdgeRegistry and workerd's
 * AsyncLocalStorage as relay/entry/worker.ts wires them. Two relays on one
 * namespace stand for two isolates: /metrics on either prints what both
 * counted; a traceparent is continued; a line logged deep in a request
 * carries its ids. No chain here (the node is unreachable): what /metrics
 * says about it is that it is down.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../relay/app.ts';
import { parseConfig } from '../../relay/config.ts';
import { createDeps } from '../../relay/createDeps.ts';
import { EdgeRegistry } from '../../relay/entry/edgeMetrics.ts';
import { withOperatorKey } from '../../relay/entry/env.ts';
import { workerdAls } from '../../relay/entry/workerdAls.ts';
import { jsonLines } from '../../relay/observability/log.ts';
import { createScopes } from '../../relay/observability/scopes.ts';
import { DurableStore } from '../../relay/store/durable/store.ts';
import { newApiKey } from '../../relay/tenants/auth.ts';
import { felt, fakeManifest as manifest } from '../helpers/fakeManifest.ts';

async function isolate(prefix: string, operatorKey: string, lines: string[]) {
  const config = parseConfig(await withOperatorKey({ rpcUrl: 'http://127.0.0.1:9/rpc', manifest, relayers: [{ address: felt(50), privateKey: felt(51) }] }, operatorKey));
  const store = new DurableStore(env.STORE, prefix);
  const registry = new EdgeRegistry(store, 60_000);
  // The node: unreachable, the way a failed connection looks to fetch.
  const node = () => Promise.reject(new TypeError('fetch failed: connection refused'));
  const deps = createDeps({ config, store, registry, scopes: createScopes(workerdAls()), log: jsonLines((l) => lines.push(l)), fetch: node });
  const app = createApp(deps);
  app.get('/probe', async (c) => {
    await new Promise((r) => setTimeout(r, 1));
    deps.log('probe.inside', {});
    return c.text('ok');
  });
  return { app, registry };
}

describe('observability on workerd', () => {
  it('has AsyncLocalStorage without importing node:async_hooks', () => {
    expect(typeof workerdAls()).toBe('function');
  });

  it('sums two isolates in /metrics, continues the trace, and logs with the request ids', async () => {
    const operator = (await newApiKey('edge-ops')).key;
    const prefix = `obs-${crypto.randomUUID().slice(0, 8)}:`;
    const lines: string[] = [];
    const [a, b] = [await isolate(prefix, operator, lines), await isolate(prefix, operator, lines)];
    for (const { app } of [a, b, b]) {
      const res = await app.request('/probe', { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('traceparent')).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    }
    await a.registry.flush(true);
    await b.registry.flush(true);
    expect((await a.app.request('/metrics')).status).toBe(401);
    const res = await a.app.request('/metrics', { headers: { authorization: `Bearer ${operator}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('ciro_http_requests_total{method="GET",route="/probe",code="200"} 3');
    expect(text).toContain('ciro_http_requests_total{method="GET",route="/metrics",code="401"} 1');
    expect(text).toContain('ciro_up{component="chain"} 0');
    const inside = lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'probe.inside');
    expect(inside).toHaveLength(3);
    for (const l of inside) expect(l).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', requestId: expect.any(String), spanId: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });
});

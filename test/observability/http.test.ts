/**
 * The HTTP side of observability on the Node entry, with a stand-in node (a
 * fetch that answers JSON-RPC and records what it was sent):
 * - GET /metrics is for operator keys only, in the x-paymaster-api-key
 *   header or as a Bearer token; anything else is the usual typed 401/403;
 * - a caller's traceparent is continued (same trace id, a new span) and
 *   answered, and the node is called with a child span of the same trace
 *   (and the caller's tracestate);
 * - every log line written while serving a request carries its ids, and
 *   secrets are replaced in whatever spelling they take.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../relay/config.ts';
import { withOperatorKey } from '../../relay/entry/env.ts';
import { createNodeRelay, listen, type NodeRelay } from '../../relay/entry/node.ts';
import { jsonLines, REDACTED } from '../../relay/observability/log.ts';
import { newScope, parseTraceparent } from '../../relay/observability/trace.ts';
import { newApiKey } from '../../relay/tenants/auth.ts';
import { felt, fakeManifest as manifest } from '../helpers/fakeManifest.ts';

const RELAYER_KEY = '0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd';

/** What the stand-in node was sent: method and traceparent of each call. */
const nodeCalls: { method: string; traceparent: string | null; tracestate: string | null }[] = [];
const node: typeof fetch = async (_input, init) => {
  const body = JSON.parse(String(init?.body)) as { id: number; method: string };
  const h = new Headers(init?.headers);
  nodeCalls.push({ method: body.method, traceparent: h.get('traceparent'), tracestate: h.get('tracestate') });
  const results: Record<string, unknown> = {
    starknet_blockNumber: 7,
    starknet_chainId: manifest.chainId,
    starknet_call: ['0x8ac7230489e80000', '0x0'],
  };
  const payload = body.method in results ? { result: results[body.method] } : { error: { code: -32601, message: 'Method not found' } };
  return Response.json({ jsonrpc: '2.0', id: body.id, ...payload });
};

let relay: NodeRelay;
let operatorKey: string;
let adminKey: string;
const lines: string[] = [];
const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  operatorKey = (await newApiKey('ops-scrape')).key;
  const admin = await newApiKey('acme-admin');
  adminKey = admin.key;
  const config = parseConfig(
    await withOperatorKey(
      {
        rpcUrl: 'http://node.test/rpc',
        manifest,
        relayers: [{ address: felt(50), privateKey: RELAYER_KEY }],
        tenants: [{ id: 'acme', name: 'Acme', apiKeys: [{ id: 'acme-admin', secretHash: admin.secretHash, scope: 'admin' }] }],
      },
      operatorKey,
    ),
  );
  relay = await createNodeRelay(config, { fetch: node, log: jsonLines((l) => lines.push(l), { secrets: [RELAYER_KEY, operatorKey] }), sweepMs: 3_600_000 });
  // A route of the test's own, to log from inside a request after an await.
  relay.app.get('/probe', async (c) => {
    await new Promise((r) => setTimeout(r, 5));
    relay.deps.log('probe.inside', { note: 'after an await' });
    return c.text('ok');
  });
});
afterAll(async () => relay?.close());

const get = (path: string, headers: Record<string, string> = {}) => relay.app.request(path, { headers });

describe('GET /metrics', () => {
  it('refuses a missing, wrong or tenant key with the typed envelope, never a 5xx', async () => {
    const cases: [Record<string, string>, number, string][] = [
      [{}, 401, 'missing_api_key'],
      [{ 'x-paymaster-api-key': `${operatorKey.split('.')[0]}.wrong-secret-of-some-length` }, 401, 'invalid_api_key'],
      [{ 'x-paymaster-api-key': 'nobody.whatever-secret-value' }, 401, 'invalid_api_key'],
      [{ authorization: 'Bearer not-even-a-key' }, 401, 'invalid_api_key'],
      [{ 'x-paymaster-api-key': adminKey }, 403, 'wrong_key_scope'],
    ];
    for (const [headers, status, reason] of cases) {
      const res = await get('/metrics', headers);
      expect(res.status, reason).toBe(status);
      const body = (await res.json()) as { error: { reason: string; message: string; details: string } };
      expect(body.error.reason).toBe(reason);
      expect(typeof body.error.details).toBe('string');
    }
  });

  it('answers an operator key (header or Bearer) with the Prometheus text', async () => {
    for (const headers of [{ 'x-paymaster-api-key': operatorKey }, { authorization: `Bearer ${operatorKey}` }] as Record<string, string>[]) {
      const res = await get('/metrics', headers);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const text = await res.text();
      expect(text).toContain('# TYPE ciro_http_requests_total counter');
      expect(text).toContain('ciro_http_requests_total{method="GET",route="/metrics",code="401"} 4');
      expect(text).toContain('ciro_http_requests_total{method="GET",route="/metrics",code="403"} 1');
      expect(text).toContain('ciro_up{component="store"} 1');
      expect(text).toContain('ciro_up{component="chain"} 1');
      expect(text).toContain(`ciro_relayer_balance_strk{relayer="${felt(50)}"} 10`);
      expect(text).toContain(`ciro_relayer_available{relayer="${felt(50)}"} 1`);
      expect(text).toContain('ciro_tracking_open{state="active"} 0');
      expect(text).toMatch(/^ciro_chain_requests_total\{method="starknet_blockNumber",outcome="ok"\} \d+$/m);
      expect(text).toMatch(/^ciro_process_resident_memory_bytes \d+/m);
    }
  });

  it('counts JSON-RPC calls by method and code, unknown methods as other', async () => {
    const rpc = (body: unknown) => relay.app.request('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await rpc({ jsonrpc: '2.0', id: 1, method: 'paymaster_isAvailable' });
    await rpc({ jsonrpc: '2.0', id: 2, method: 'made_up_method' });
    await rpc({ jsonrpc: '2.0', id: 3, method: 'paymaster_buildTransaction', params: {} });
    const text = await (await get('/metrics', { 'x-paymaster-api-key': operatorKey })).text();
    expect(text).toContain('ciro_rpc_requests_total{method="paymaster_isAvailable",code="0",reason="ok"} 1');
    expect(text).toContain('ciro_rpc_requests_total{method="other",code="-32601",reason="method_not_found"} 1');
    expect(text).toContain('ciro_rpc_requests_total{method="paymaster_buildTransaction",code="-32001",reason="missing_api_key"} 1');
    expect(text).toContain('ciro_rpc_request_duration_seconds_count{method="paymaster_isAvailable"} 1');
  });
});

describe('W3C traceparent', () => {
  it('continues the caller\'s trace with a span of its own, and calls the node with a child span', async () => {
    const caller = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    nodeCalls.length = 0;
    // /health is cached 2 s per relay; wait it out so this request reaches the node.
    await new Promise((r) => setTimeout(r, 2_100));
    const res = await get('/health', { traceparent: caller, tracestate: 'vendor=opaque-1', 'x-request-id': 'req-from-lb-42' });
    const answered = parseTraceparent(res.headers.get('traceparent'))!;
    expect(answered.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(answered.parentId).not.toBe('00f067aa0ba902b7');
    expect(answered.flags).toBe('01');
    expect(res.headers.get('x-request-id')).toBe('req-from-lb-42');
    expect(nodeCalls.length).toBeGreaterThan(0);
    for (const c of nodeCalls) {
      const t = parseTraceparent(c.traceparent)!;
      expect(t.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect([answered.parentId, '00f067aa0ba902b7']).not.toContain(t.parentId);
      expect(c.tracestate).toBe('vendor=opaque-1');
    }
  });

  it('starts a new trace when there is none or it is malformed, and makes a request id', async () => {
    for (const bad of [undefined, 'garbage', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01']) {
      const res = await get('/v1/contracts', { ...(bad ? { traceparent: bad } : {}), 'x-request-id': 'has spaces and "quotes"' });
      const t = parseTraceparent(res.headers.get('traceparent'))!;
      expect(t.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(t.traceId).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('draws every new trace and span id afresh, across refills of its random pool', () => {
    // 2,000 scopes take 48 KB of randomness: the 4 KiB pool is refilled a dozen times.
    const scopes = Array.from({ length: 2_000 }, () => newScope());
    const ids = scopes.flatMap((s) => [s.traceId, s.spanId]);
    expect(scopes.every((s) => /^[0-9a-f]{32}$/.test(s.traceId) && /^[0-9a-f]{16}$/.test(s.spanId))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(scopes.map((s) => s.spanId.slice(0, 2))).size).toBeGreaterThan(200);
  });
});

describe('structured logs', () => {
  it('puts the request id and trace on every line written while serving the request', async () => {
    lines.length = 0;
    const res = await get('/probe', { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    expect(res.status).toBe(200);
    const inside = logged().find((l) => l.event === 'probe.inside')!;
    const access = logged().find((l) => l.event === 'http.request' && l.path === '/probe')!;
    expect(inside).toMatchObject({ level: 'info', traceId: '0af7651916cd43dd8448eb211c80319c', requestId: res.headers.get('x-request-id') });
    expect(access).toMatchObject({ requestId: inside.requestId, traceId: inside.traceId, spanId: inside.spanId, parentSpanId: 'b7ad6b7169203331', method: 'GET', route: '/probe', status: 200 });
    expect(typeof access.ms).toBe('number');
    expect(typeof access.t).toBe('string');
  });

  it('replaces secrets: by field name, and by value in every spelling of a felt', () => {
    const out: string[] = [];
    const log = jsonLines((l) => out.push(l), { secrets: [RELAYER_KEY, operatorKey] });
    log('leak.test', {
      privateKey: 'anything',
      nested: { error: `boom with ${RELAYER_KEY}`, decimal: BigInt(RELAYER_KEY).toString(10), bare: RELAYER_KEY.slice(2).toUpperCase(), key: operatorKey },
      amount: 12n,
    });
    const line = out[0]!;
    expect(JSON.parse(line)).toMatchObject({ event: 'leak.test', privateKey: REDACTED, amount: '12' });
    for (const s of [RELAYER_KEY, RELAYER_KEY.slice(2), BigInt(RELAYER_KEY).toString(10), operatorKey, operatorKey.split('.')[1]!]) {
      expect(line.toLowerCase()).not.toContain(s.toLowerCase());
    }
  });

  it('replaces a secret with a quote, a backslash or a control character, which a line prints escaped', () => {
    const out: string[] = [];
    const password = 'p@ss"w0rd\\Xyz\t12345';
    jsonLines((l) => out.push(l), { secrets: [password] })('store.failed', { error: `connect failed for redis://:${password}@10.0.0.5:6379` });
    expect(JSON.parse(out[0]!).error).toBe(`connect failed for redis://:${REDACTED}@10.0.0.5:6379`);
  });
});

describe('a proxy in front, with no clientIpHeader configured', () => {
  it('is logged once, when x-forwarded-for arrives from an internal peer', async () => {
    const { server, url } = await listen(relay, 0);
    try {
      const rpc = (headers: Record<string, string>) =>
        fetch(`${url}/`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'paymaster_isAvailable' }) });
      const warned = () => logged().filter((l) => l.event === 'relay.client_ip_header_unset');
      await rpc({});
      expect(warned()).toHaveLength(0);
      await rpc({ 'x-forwarded-for': '203.0.113.9' });
      await rpc({ 'x-forwarded-for': '203.0.113.10' });
      expect(warned()).toEqual([expect.objectContaining({ peer: '127.0.0.1', message: expect.stringContaining('clientIpHeader') })]);
      // Cloudflare in front of a Node relay: its edge is a public peer, and names the client in cf-connecting-ip.
      const behindCloudflare = await createNodeRelay(relay.deps.config, { fetch: node, log: jsonLines((l) => lines.push(l)), sweepMs: 3_600_000 });
      const cf = await listen(behindCloudflare, 0);
      try {
        const before = warned().length;
        await fetch(`${cf.url}/`, { method: 'POST', headers: { 'content-type': 'application/json', 'cf-connecting-ip': '203.0.113.9' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'paymaster_isAvailable' }) });
        expect(warned().length).toBe(before + 1);
      } finally {
        cf.server.close();
        await behindCloudflare.close();
      }
    } finally {
      server.close();
    }
  });
});

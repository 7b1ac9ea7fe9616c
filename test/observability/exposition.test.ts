/**
 * The Prometheus exposition every runtime prints. prom-client (the Node
 * entry's) and TextRegistry (the Worker's, and createDeps' default) are fed
 * the same calls through the one metric set (observability/metrics.ts) and
 * must print byte-identical text, escaping and histograms included. Then the
 * Worker's EdgeRegistry: two isolates on one Store print the sum of both,
 * and counts a failed flush could not store are kept for the next one.
 */
import { describe, expect, it } from 'vitest';
import { EdgeRegistry } from '../../relay/entry/edgeMetrics.ts';
import { PromRegistry } from '../../relay/entry/promMetrics.ts';
import type { Metrics } from '../../relay/deps.ts';
import { StoreUnavailableError } from '../../relay/errors/base.ts';
import { createMetrics } from '../../relay/observability/metrics.ts';
import { TextRegistry } from '../../relay/observability/textRegistry.ts';
import { MemoryStore } from '../../relay/store/memory.ts';
import type { Store } from '../../relay/store/types.ts';

/** A bit of everything: labels needing escapes, histogram edges, gauges set twice, a NaN. */
function drive(m: Metrics) {
  m.httpRequest({ method: 'POST', route: '/', status: 200, seconds: 0.004 });
  m.httpRequest({ method: 'POST', route: '/', status: 200, seconds: 0.3 });
  m.httpRequest({ method: 'GET', route: '/v1/tenants/:id', status: 404, seconds: 12 });
  m.rpcCall({ method: 'paymaster_executeTransaction', code: 0, reason: 'ok', seconds: 1.2 });
  m.rpcCall({ method: 'not a method "x"', code: -32601, reason: 'method_not_found', seconds: 0.001 });
  m.decision({ tenant: 'acme', policy: 'worker-rewards', rule: '-', outcome: 'allowed', reason: 'allowed', stage: 'reserve' });
  m.decision({ tenant: 'acme', policy: 'pol"with\\quote\nand newline', rule: 'rateLimit', outcome: 'refused', reason: 'rate_limited', stage: 'check' });
  m.feeSpent({ tenant: 'acme', policy: 'worker-rewards', feeMode: 'sponsored', fri: 123_456_789_000_000n });
  m.feeSpent({ tenant: 'acme', policy: 'worker-rewards', feeMode: 'sponsored', fri: 1n });
  m.storeError('reserve', 'unavailable');
  m.chainCall({ method: 'starknet_blockNumber', ok: true, seconds: 0.02 });
  m.chainCall({ method: 'starknet_blockNumber', ok: false, seconds: 5 });
  m.trackingFinal('accepted');
  m.alert('relayer_balance_low', 'sent');
  m.relayer({ address: '0xabc', balanceFri: 2_500_000_000_000_000_000n, available: true });
  m.relayer({ address: '0xdef', balanceFri: null, available: false });
  m.relayer({ address: '0xabc', balanceFri: 2_000_000_000_000_000_000n, available: true });
  m.trackingOpen('active', 3);
  m.up('store', true);
  m.up('chain', false);
}

describe('the exposition format', () => {
  it('is the same, byte for byte, from prom-client and from TextRegistry', async () => {
    const prom = createMetrics(new PromRegistry());
    const text = createMetrics(new TextRegistry());
    drive(prom);
    drive(text);
    const [a, b] = [await prom.render(), await text.render()];
    expect(b.contentType).toBe(a.contentType);
    expect(a.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(b.body).toBe(a.body);
    // And it says what it should.
    expect(a.body).toContain('ciro_http_requests_total{method="POST",route="/",code="200"} 2');
    expect(a.body).toContain('ciro_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/"} 1');
    expect(a.body).toContain('ciro_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/v1/tenants/:id"} 1');
    expect(a.body).toContain('ciro_rpc_requests_total{method="other",code="-32601",reason="method_not_found"} 1');
    expect(a.body).toContain('policy="pol\\"with\\\\quote\\nand newline"');
    expect(a.body).toContain('ciro_fee_spent_strk_total{tenant="acme",policy="worker-rewards",fee_mode="sponsored"} 0.000123456789000001');
    expect(a.body).toContain('ciro_relayer_balance_strk{relayer="0xabc"} 2');
    expect(a.body).toContain('ciro_relayer_balance_strk{relayer="0xdef"} Nan');
    expect(a.body).toContain('ciro_up{component="chain"} 0');
  });

  it('includes Node process metrics on the Node entry, under the ciro_ prefix', async () => {
    const body = await new PromRegistry({ processMetrics: true }).render();
    expect(body).toMatch(/^ciro_process_cpu_user_seconds_total \d/m);
    expect(body).toMatch(/^ciro_nodejs_eventloop_lag_seconds /m);
  });
});

describe('the Worker registry (EdgeRegistry)', () => {
  it('sums the counts of every isolate in the Store; gauges are each scrape\'s own', async () => {
    const store = new MemoryStore();
    const [r1, r2] = [new EdgeRegistry(store, 60_000), new EdgeRegistry(store, 60_000)];
    const [a, b] = [createMetrics(r1), createMetrics(r2)];
    const one = createMetrics(new TextRegistry());
    for (const m of [a, b, b]) {
      m.httpRequest({ method: 'POST', route: '/', status: 200, seconds: 0.2 });
      m.decision({ tenant: 't', policy: 'p', rule: '-', outcome: 'allowed', reason: 'allowed', stage: 'reserve' });
      one.httpRequest({ method: 'POST', route: '/', status: 200, seconds: 0.2 });
      one.decision({ tenant: 't', policy: 'p', rule: '-', outcome: 'allowed', reason: 'allowed', stage: 'reserve' });
    }
    await r1.flush(true);
    await r2.flush(true);
    a.up('store', true);
    one.up('store', true);
    // Both isolates' counts, printed exactly as one registry that saw them all would print them.
    expect((await a.render()).body).toBe((await one.render()).body);
    expect((await b.render()).body).toContain('ciro_http_requests_total{method="POST",route="/",code="200"} 3');
    // A second scrape adds nothing twice.
    expect((await a.render()).body).toContain('ciro_sponsorship_decisions_total{tenant="t",policy="p",rule="-",outcome="allowed",reason="allowed",stage="reserve"} 3');
  });

  it('flushes at most every flushEveryMs unless forced, and keeps what a failed flush could not store', async () => {
    const mem = new MemoryStore();
    let down = false;
    const flaky = new Proxy(mem, {
      get: (t, p) => {
        const v = Reflect.get(t, p);
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => (down ? Promise.reject(new StoreUnavailableError()) : (v as (...a: unknown[]) => unknown).apply(t, args));
      },
    }) as Store;
    const reg = new EdgeRegistry(flaky, 60_000);
    const m = createMetrics(reg);
    m.trackingFinal('accepted');
    await reg.flush();
    expect(await mem.get('metrics:shared')).toContain('"value":1');
    m.trackingFinal('accepted');
    await reg.flush();
    // Not due yet: still 1 in the Store.
    expect(await mem.get('metrics:shared')).toContain('"value":1');
    down = true;
    await reg.flush(true);
    // The store is down: this isolate still prints its own count, and keeps it.
    expect((await m.render()).body).toContain('ciro_tracking_final_total{state="accepted"} 1');
    down = false;
    await reg.flush(true);
    expect((await m.render()).body).toContain('ciro_tracking_final_total{state="accepted"} 2');
  });
});

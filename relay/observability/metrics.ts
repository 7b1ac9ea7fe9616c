/**
 * Every metric the relay exposes, defined once: names, help, labels and
 * buckets are the same whichever registry prints them. The core records
 * through the Metrics interface (relay/deps.ts); nothing here is called with
 * a caller's raw input as a label (methods outside the SNIP-29 set are
 * `other`, routes are Hono's patterns).
 */
import type { Metrics } from '../deps.ts';
import type { MetricRegistry } from './registry.ts';

/** Seconds: HTTP and JSON-RPC calls (a sponsored execute simulates and sends: up to a few seconds). */
const LATENCY = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const FRI_PER_STRK = 1e18;
const KNOWN_RPC = /^paymaster_[A-Za-z]{1,40}$/;
const KNOWN_NODE = /^starknet_[A-Za-z]{1,60}$/;
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function createMetrics(r: MetricRegistry): Metrics {
  const http = r.counter('ciro_http_requests_total', 'HTTP requests answered, by method, route pattern and status code.', ['method', 'route', 'code']);
  const httpTime = r.histogram('ciro_http_request_duration_seconds', 'HTTP request latency, by method and route pattern.', ['method', 'route'], LATENCY);
  const rpc = r.counter('ciro_rpc_requests_total', 'SNIP-29 JSON-RPC calls, by method and outcome (code 0 = success, else the JSON-RPC error code and its reason).', ['method', 'code', 'reason']);
  const rpcTime = r.histogram('ciro_rpc_request_duration_seconds', 'SNIP-29 JSON-RPC call latency, by method.', ['method'], LATENCY);
  const decisions = r.counter('ciro_sponsorship_decisions_total', 'Sponsorship decisions that count: refusals where they happen (stage check or reserve), allowances when reserved (reason allowed, or webhook_fail_open when only failOpen passed the policy webhook).', ['tenant', 'policy', 'rule', 'outcome', 'reason', 'stage']);
  const fees = r.counter('ciro_fee_spent_strk_total', 'STRK relayers paid for settled transactions, by tenant, policy and fee mode (default mode: the user paid it back in its gas token).', ['tenant', 'policy', 'fee_mode']);
  const feeTxs = r.counter('ciro_settled_transactions_total', 'Transactions settled (accepted on chain), by tenant, policy and fee mode.', ['tenant', 'policy', 'fee_mode']);
  const balance = r.gauge('ciro_relayer_balance_strk', 'Relayer STRK balance at the last scrape (NaN when unreadable).', ['relayer']);
  const available = r.gauge('ciro_relayer_available', 'Whether the relayer is in rotation (funded above the floor): 1 or 0.', ['relayer']);
  const store = r.counter('ciro_store_errors_total', 'Store calls that failed, by operation and kind (unavailable: the backing service could not be reached).', ['op', 'kind']);
  const chain = r.counter('ciro_chain_requests_total', 'HTTP round trips to the Starknet node, by JSON-RPC method and outcome.', ['method', 'outcome']);
  const chainTime = r.histogram('ciro_chain_request_duration_seconds', 'Starknet node round-trip latency, by JSON-RPC method.', ['method'], LATENCY);
  const up = r.gauge('ciro_up', 'Whether the store and the chain answered at the last scrape: 1 or 0.', ['component']);
  const tracked = r.gauge('ciro_tracking_open', 'Tracking records not yet final (active) or dropped and still watched for a late inclusion.', ['state']);
  const finals = r.counter('ciro_tracking_final_total', 'Tracked transactions reaching a final state on this instance, by state.', ['state']);
  const alerts = r.counter('ciro_alerts_total', 'Operator alerts, by kind and outcome (sent, failed, deduplicated).', ['kind', 'outcome']);

  return {
    httpRequest: ({ method: raw, route, status, seconds }) => {
      // Runtimes differ in what methods reach the app: anything unusual is one series.
      const method = HTTP_METHODS.has(raw) ? raw : 'other';
      http.inc({ method, route, code: String(status) });
      httpTime.observe({ method, route }, seconds);
    },
    rpcCall: ({ method, code, reason, seconds }) => {
      const m = KNOWN_RPC.test(method) ? method : 'other';
      rpc.inc({ method: m, code: String(code), reason });
      rpcTime.observe({ method: m }, seconds);
    },
    decision: (d) => decisions.inc({ tenant: d.tenant, policy: d.policy, rule: d.rule, outcome: d.outcome, reason: d.reason, stage: d.stage }),
    feeSpent: ({ tenant, policy, feeMode, fri }) => {
      fees.inc({ tenant, policy, fee_mode: feeMode }, Number(fri) / FRI_PER_STRK);
      feeTxs.inc({ tenant, policy, fee_mode: feeMode });
    },
    storeError: (op, kind) => store.inc({ op, kind }),
    chainCall: ({ method, ok, seconds }) => {
      const m = KNOWN_NODE.test(method) ? method : 'other';
      chain.inc({ method: m, outcome: ok ? 'ok' : 'error' });
      chainTime.observe({ method: m }, seconds);
    },
    trackingFinal: (state) => finals.inc({ state }),
    alert: (kind, outcome) => alerts.inc({ kind, outcome }),
    relayer: ({ address, balanceFri, available: a }) => {
      balance.set({ relayer: address }, balanceFri === null ? NaN : Number(balanceFri) / FRI_PER_STRK);
      available.set({ relayer: address }, a ? 1 : 0);
    },
    trackingOpen: (state, count) => tracked.set({ state }, count),
    up: (component, isUp) => up.set({ component }, isUp ? 1 : 0),
    render: async () => ({ contentType: r.contentType, body: await r.render() }),
  };
}

/**
 * Everything the relay core needs, as interfaces only. `createDeps()` builds
 * one for the Node entry, the tests and any later entry; the core keeps no
 * module-level state, so two apps built from two deps objects share nothing
 * but what their stores share.
 */
import type { RpcProvider } from 'starknet';
import type { ChainClock } from './chain/clock.ts';
import type { PaymasterState } from './chain/paymaster.ts';
import type { PriceBook } from './chain/prices.ts';
import type { Config } from './config.ts';
import type { RelayerPool } from './relayers/pool.ts';
import type { Cosigners } from './sessions/cosigner.ts';
import type { SponsorshipGate } from './sponsorship/gate.ts';
import type { GateMetrics } from './sponsorship/request.ts';
import type { NodeWorkLimiter } from './sponsorship/nodeWork.ts';
import type { Store } from './store/types.ts';
import type { TenantDirectory } from './tenants/directory.ts';
import type { TenantPolicies } from './tenants/effective.ts';
import type { DeploymentAddress } from './chain/calldata.ts';

export type Log = (event: string, data: Record<string, unknown>) => void;

/**
 * What the core records for /metrics. The core calls these through deps and
 * never sees a registry: relay/observability/metrics.ts maps them onto the
 * runtime's (prom-client on Node, relay/entry/edgeMetrics.ts on Workers).
 * Labels are ids the relay already bounds (tenants, policies, rules, reasons
 * from the catalogue, relayer addresses), never caller input.
 */
export interface Metrics extends GateMetrics {
  /** An HTTP request answered: `route` is the matched pattern, not the path. */
  httpRequest(r: { method: string; route: string; status: number; seconds: number }): void;
  /** One JSON-RPC call: `code` 0 when it succeeded, else its error code; `reason` its catalogue reason. */
  rpcCall(r: { method: string; code: number; reason: string; seconds: number }): void;
  /** A Store call that failed: `unavailable` (StoreUnavailableError) or anything else it threw. */
  storeError(op: string, kind: 'unavailable' | 'other'): void;
  /** One HTTP round trip to the Starknet node. */
  chainCall(c: { method: string; ok: boolean; seconds: number }): void;
  /** A tracked transaction reached a final state (accepted, reverted, dropped). */
  trackingFinal(state: string): void;
  /** An operator alert: sent, failed to deliver, or already sent in this window. */
  alert(kind: string, outcome: 'sent' | 'failed' | 'deduplicated'): void;
  /** Gauges, set when /metrics is scraped (relay/observability/collect.ts). */
  relayer(r: { address: string; balanceFri: bigint | null; available: boolean }): void;
  trackingOpen(state: 'active' | 'dropped', count: number): void;
  up(component: 'store' | 'chain', up: boolean): void;
  /** The Prometheus text exposition of everything above. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Operator alerts (relay/observability/alerts.ts): one pass of checks, run by the entry's timer or cron. */
export interface Alerts {
  /** Checks relayer floors, budgets and ceilings, store and chain; sends what is new in its window. Never throws. */
  check(): Promise<{ sent: string[] }>;
}

/** The request (or background pass) being served: what every log line and outgoing call carries. */
export interface RequestScope {
  requestId: string;
  /** W3C trace context: the caller's trace id (or a new one), this relay's own span. */
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  /** traceparent flags, two hex digits (01 = sampled). */
  flags: string;
  /** The caller's tracestate (vendor data), passed on unchanged with the trace. */
  traceState?: string;
  /** Set once the request has one (execute, tracking lookups). */
  trackingId?: string;
}

/** Where the current RequestScope lives: AsyncLocalStorage where the runtime has it, else nowhere. */
export interface Scopes {
  current(): RequestScope | undefined;
  run<T>(scope: RequestScope, fn: () => T): T;
}

export interface RelayDeps {
  config: Config;
  store: Store;
  provider: RpcProvider;
  relayers: RelayerPool;
  /** A deployment's address from its class, salt and calldata: starknet-crypto's Pedersen on Node. */
  deploymentAddress: DeploymentAddress;
  /** Poseidon for the relay's own hashing of caller-sized data (a session's outside execution): starknet-crypto's on Node. */
  poseidonMany: (xs: readonly bigint[]) => bigint;
  /** The Paymaster contract's pause switch. */
  paymaster: PaymasterState;
  /** The latest block's timestamp, kept up to a second. */
  clock: ChainClock;
  /** Gas-token prices for default fee mode. */
  prices: PriceBook;
  gate: SponsorshipGate;
  /** What a caller's builds and executes may cost the node. */
  nodeWork: NodeWorkLimiter;
  tenants: { directory: TenantDirectory; policies: TenantPolicies };
  /** Each tenant's session cosigner key (the Argent guardian of its users' accounts), from its secrets. */
  cosigners: Cosigners;
  /** Work that may finish after the response (an entry's waitUntil). */
  background: (work: Promise<unknown>) => void;
  /** Structured log: the scope's request, trace and tracking ids are added to every event. */
  log: Log;
  metrics: Metrics;
  scopes: Scopes;
  alerts: Alerts;
}

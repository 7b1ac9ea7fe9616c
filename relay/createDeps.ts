/**
 * The one place the core is wired: config, a store and the file policies in,
 * RelayDeps out. Platform-free (fetch, Web Crypto, the Store interface), so
 * every entry and every test builds its relay the same way; what differs per
 * runtime (which store, where policies and secrets come from, how background
 * work is kept alive) is passed in.
 */
import type { Policy } from '../policies/index.ts';
import { contractsOf } from './chain/manifest.ts';
import { ChainClock } from './chain/clock.ts';
import { PaymasterState } from './chain/paymaster.ts';
import { PriceBook } from './chain/prices.ts';
import { createProvider } from './chain/provider.ts';
import type { Config } from './config.ts';
import type { Log, RelayDeps, Scopes } from './deps.ts';
import { AlertSender, alertSecretKey } from './observability/alerts.ts';
import { Health } from './observability/health.ts';
import { chainFetch, instrumentStore, tracedFetch } from './observability/instrument.ts';
import { scopedLog } from './observability/log.ts';
import { createMetrics } from './observability/metrics.ts';
import type { MetricRegistry } from './observability/registry.ts';
import { createScopes } from './observability/scopes.ts';
import { TextRegistry } from './observability/textRegistry.ts';
import { createAlerts } from './observability/watch.ts';
import { RelayerPool } from './relayers/pool.ts';
import { SimulationAccount } from './relayers/simulator.ts';
import { jsPoseidonMany, type RelayerCrypto } from './relayers/signer.ts';
import { Cosigners } from './sessions/cosigner.ts';
import { ChainReputationSource } from './sponsorship/facts/reputation.ts';
import { WebhookClient } from './sponsorship/facts/webhook.ts';
import { SponsorshipGate } from './sponsorship/gate.ts';
import { NodeWorkLimiter } from './sponsorship/nodeWork.ts';
import type { Store } from './store/types.ts';
import { TenantDirectory } from './tenants/directory.ts';
import { TenantPolicies } from './tenants/effective.ts';
import { PolicyTemplates } from './tenants/templates.ts';
import { deploymentAddress } from './chain/calldata.ts';

export interface CreateDepsOptions {
  config: Config;
  store: Store;
  /** File policies: templates tenants opt into by id. */
  templates?: Policy[];
  /** Webhook secrets and session cosigner keys, keyed `<tenantId>/<secretRef>`. */
  secrets?: Record<string, string>;
  log?: Log;
  background?: (work: Promise<unknown>) => void;
  /** Unix seconds, for the gate's periods, windows and rate limits. */
  now?: () => number;
  /** The node's transport (tests and runtimes with their own fetch). */
  fetch?: typeof fetch;
  /** Webhooks' transport: the Node entry's checks the address each connection resolves to (entry/webhookFetch.ts). */
  webhookFetch?: typeof fetch;
  /** Operator alerts' transport (the Node entry's allows the alert host, which the operator chose). */
  alertFetch?: typeof fetch;
  /** Where metrics are kept and printed: prom-client on Node, the Store-summed one on Workers; a TextRegistry otherwise. */
  registry?: MetricRegistry;
  /** The runtime's AsyncLocalStorage-backed scopes (entry/); without them log lines outside the HTTP middleware lack request ids. */
  scopes?: Scopes;
  /** The relayers' Poseidon and ECDSA: starknet-crypto's on Node (entry/nativeCrypto.ts), @scure/starknet's otherwise. */
  crypto?: RelayerCrypto;
}

export function createDeps(o: CreateDepsOptions): RelayDeps {
  const { config } = o;
  const scopes = o.scopes ?? createScopes();
  const log = scopedLog(o.log ?? (() => {}), scopes);
  const metrics = createMetrics(o.registry ?? new TextRegistry());
  const health = new Health();
  // Every store call counted and every node round trip traced: the core sees the same interfaces.
  const store = instrumentStore(o.store, metrics, health);
  const baseFetch: typeof fetch = (i, init) => globalThis.fetch(i, init);
  const provider = createProvider(config.rpcUrl, chainFetch(o.fetch ?? baseFetch, scopes, metrics, health), config.rpcTimeoutMs);
  const templates = new PolicyTemplates(o.templates ?? []);
  for (const t of config.tenants) {
    const missing = templates.missing(t);
    if (missing.length > 0) log('config.unknown_policies', { tenant: t.id, policies: missing });
  }
  const policies = new TenantPolicies({ store, templates, log });
  const gate = new SponsorshipGate({
    store,
    policies,
    contracts: contractsOf(config.manifest),
    accountClasses: config.manifest.accountClassHashes,
    reputation: new ChainReputationSource({ provider, store, cdcPool: config.manifest.contracts.cdc_pool.address }),
    webhook: new WebhookClient({ allowHosts: config.webhookAllowHosts, fetch: tracedFetch(o.webhookFetch ?? baseFetch, scopes) }),
    secrets: o.secrets ?? {},
    dailyFeeCeiling: BigInt(config.tenantDailyFeeCeiling),
    deployQuota: config.deployQuota,
    ...(o.now ? { now: o.now } : {}),
    metrics,
  });
  const relayers = new RelayerPool({
    store,
    provider,
    relayers: config.relayers,
    strkAddress: config.manifest.tokens.STRK?.address ?? '0x0',
    minBalance: BigInt(config.relayerMinBalance),
    leaseMs: config.relayerLeaseMs,
    acquireTimeoutMs: config.relayerAcquireTimeoutMs,
    balanceTtlMs: config.relayerBalanceTtlMs,
    ...(o.crypto ? { crypto: o.crypto } : {}),
    ...(config.simulator ? { simulation: new SimulationAccount(provider, config.simulator) } : {}),
  });
  const directory = new TenantDirectory(config, store);
  const alerts = createAlerts({
    config: config.alerts,
    minBalance: BigInt(config.relayerMinBalance),
    sender: new AlertSender({
      config: config.alerts,
      secret: config.alerts.webhook ? o.secrets?.[alertSecretKey(config.alerts.webhook.secretRef)] : undefined,
      store,
      fetch: tracedFetch(o.alertFetch ?? o.webhookFetch ?? baseFetch, scopes),
      metrics,
      log,
    }),
    health,
    store,
    provider,
    relayers,
    gate,
    directory,
    log,
    ...(o.now ? { now: () => o.now!() * 1000 } : {}),
  });
  if (config.alerts.webhook && !o.secrets?.[alertSecretKey(config.alerts.webhook.secretRef)]) {
    log('config.alert_secret_missing', { variable: `CIRO_SECRET_OPERATOR__${config.alerts.webhook.secretRef}`, effect: 'no alerts are sent' });
  }
  return {
    config,
    store,
    provider,
    deploymentAddress: deploymentAddress(o.crypto?.pedersenOnElements),
    poseidonMany: o.crypto?.poseidonMany ?? jsPoseidonMany,
    relayers,
    paymaster: new PaymasterState(provider, config.manifest.contracts.paymaster.address),
    clock: new ChainClock(provider),
    prices: new PriceBook(config, provider, o.fetch),
    gate,
    nodeWork: new NodeWorkLimiter(store, config.nodeWork, gate.now),
    tenants: { directory, policies },
    cosigners: new Cosigners(o.secrets ?? {}, log),
    background: o.background ?? ((work) => void work.catch((e) => log('background.error', { error: String(e) }))),
    log,
    metrics,
    scopes,
    alerts,
  };
}

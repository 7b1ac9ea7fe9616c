/**
 * Node adapter: config from a file and the environment, the store (memory or
 * Redis), policy files and webhook secrets from disk and env, then the shared
 * core through createDeps(), served by @hono/node-server with a settlement
 * sweeper. Everything Node-only stays in this folder.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { serve, type ServerType } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { createApp } from '../app.ts';
import { parseConfig, ConfigError, type Config } from '../config.ts';
import { checkConfigTenants } from '../tenants/tenants.ts';
import { createDeps } from '../createDeps.ts';
import type { Log, RelayDeps } from '../deps.ts';
import { housekeeping } from '../execution/housekeeping.ts';
import { jsonLines } from '../observability/log.ts';
import type { MetricRegistry } from '../observability/registry.ts';
import { createScopes } from '../observability/scopes.ts';
import { newScope } from '../observability/trace.ts';
import { MemoryStore } from '../store/memory.ts';
import type { Store } from '../store/types.ts';
import { knownSecrets, parseJsonSource, secretsFromEnv, withOperatorKey } from './env.ts';
import { loadPolicyFiles } from './policyFiles.ts';
import { loadNativeCrypto } from './nativeCrypto.ts';
import { PromRegistry } from './promMetrics.ts';
import { nodeTransport } from './nodeTransport.ts';
import { webhookFetch } from './webhookFetch.ts';

/**
 * Config sources, later ones win: CIRO_CONFIG (JSON file), then single env
 * vars for what operators change most (RPC URL, manifest file, Redis URL or
 * Redis Cluster seed URLs).
 */
export function configFromEnv(env: NodeJS.ProcessEnv, base: Record<string, unknown> = {}): Config {
  return parseConfig(rawConfigFromEnv(env, base));
}

function rawConfigFromEnv(env: NodeJS.ProcessEnv, base: Record<string, unknown>): Record<string, unknown> {
  const raw: Record<string, unknown> = { ...base };
  if (env.CIRO_CONFIG) Object.assign(raw, parseJsonSource('CIRO_CONFIG', readFileSync(env.CIRO_CONFIG, 'utf8')));
  if (env.CIRO_RPC_URL) raw.rpcUrl = env.CIRO_RPC_URL;
  if (env.CIRO_MANIFEST) raw.manifest = parseJsonSource('CIRO_MANIFEST', readFileSync(env.CIRO_MANIFEST, 'utf8'));
  // CIRO_REDIS_CLUSTER_URLS: comma-separated seed nodes of a Redis Cluster. Both set: the schema refuses the store.
  const cluster = env.CIRO_REDIS_CLUSTER_URLS?.split(',').map((u) => u.trim()).filter(Boolean);
  if (env.CIRO_REDIS_URL || cluster) {
    // The env names the servers; a key prefix set in the file still applies.
    const prefix = (raw.store as { prefix?: unknown } | undefined)?.prefix;
    raw.store = { kind: 'redis', ...(env.CIRO_REDIS_URL ? { url: env.CIRO_REDIS_URL } : {}), ...(cluster ? { cluster } : {}), ...(prefix === undefined ? {} : { prefix }) };
  }
  if (env.CIRO_RELAYERS) raw.relayers = parseJsonSource('CIRO_RELAYERS', env.CIRO_RELAYERS);
  return raw;
}

/** Memory is the embedded default; Redis, Redis Cluster or Sentinel (Node-only client) is loaded only when configured. */
export async function createStore(config: Config['store']): Promise<Store> {
  if (config.kind === 'memory') return new MemoryStore();
  const { RedisStore } = await import('../store/redis/store.ts');
  const target = config.cluster ? { cluster: config.cluster } : config.sentinel ? { sentinel: config.sentinel } : { url: config.url! };
  return RedisStore.connect(target, { prefix: config.prefix });
}

/** The TCP peer, when the request came through a socket (not through `app.request()` in tests). */
const socketPeer = (c: Context): string | undefined => (c.env?.incoming ? getConnInfo(c).remote.address : undefined);

export interface NodeRelay {
  deps: RelayDeps;
  app: ReturnType<typeof createApp>;
  close(): Promise<void>;
}

export interface NodeRelayOptions {
  policyDir?: string;
  secrets?: Record<string, string>;
  log?: Log;
  sweepMs?: number;
  /** Unix seconds, for the gate (tests move time instead of sleeping). */
  now?: () => number;
  /** The node's transport (fault-injection tests). */
  fetch?: typeof fetch;
  /** Default: prom-client with Node's process metrics. */
  registry?: MetricRegistry;
}

export async function createNodeRelay(config: Config, opts: NodeRelayOptions = {}): Promise<NodeRelay> {
  const store = await createStore(config.store);
  const log = opts.log ?? (() => {});
  const pending = new Set<Promise<unknown>>();
  const native = loadNativeCrypto();
  const transport = nodeTransport();
  log('relay.crypto', native.crypto ? { native: true, ...(native.pedersen ? { pedersen: native.pedersen } : {}) } : { native: false, reason: native.reason });
  const alertHost = config.alerts.webhook ? new URL(config.alerts.webhook.url).hostname.replace(/^\[|\]$/g, '') : undefined;
  const deps = createDeps({
    config,
    store,
    templates: opts.policyDir ? loadPolicyFiles(opts.policyDir) : [],
    secrets: opts.secrets ?? secretsFromEnv(process.env),
    log,
    ...(opts.now ? { now: opts.now } : {}),
    fetch: opts.fetch ?? transport.fetch,
    webhookFetch: webhookFetch(config.webhookAllowHosts),
    // The alert receiver is the operator's own choice: it may be internal (an Alertmanager bridge on 10.x).
    ...(alertHost ? { alertFetch: webhookFetch([...config.webhookAllowHosts, alertHost.toLowerCase()]) } : {}),
    registry: opts.registry ?? new PromRegistry({ processMetrics: true }),
    scopes: createScopes(AsyncLocalStorage),
    ...(native.crypto ? { crypto: native.crypto } : {}),
    // Kept until close() so a shutdown never cuts a settlement in half.
    background: (work) => {
      const p = work.catch((e) => log('background.error', { error: String(e) })).finally(() => pending.delete(p));
      pending.add(p);
    },
  });
  try {
    await checkConfigTenants(deps.tenants.directory);
  } catch (e) {
    await Promise.all([store.close(), transport.close()]);
    throw e;
  }
  // Settlement every sweep; the relayers' balances about once a minute (a read each, through their cache).
  const sweepMs = opts.sweepMs ?? 2000;
  let pass = 0;
  // Each pass in a scope of its own, so its log lines and node calls share a request id and a trace.
  const inScope = <T>(name: string, work: () => Promise<T>) => deps.scopes.run({ ...newScope(), requestId: `${name}-${crypto.randomUUID()}` }, work);
  const timer = setInterval(() => {
    const checkRelayers = pass++ % Math.max(1, Math.round(60_000 / sweepMs)) === 0;
    deps.background(inScope('housekeeping', () => housekeeping(deps, { checkRelayers })));
  }, sweepMs);
  timer.unref();
  const alertTimer = config.alerts.webhook
    ? setInterval(() => deps.background(inScope('alerts', () => deps.alerts.check())), config.alerts.checkIntervalSeconds * 1000)
    : undefined;
  alertTimer?.unref();
  return {
    deps,
    app: createApp(deps, { clientAddress: socketPeer, compressConsole: true, warnUnsetProxyHeader: true }),
    close: async () => {
      clearInterval(timer);
      clearInterval(alertTimer);
      await Promise.allSettled([...pending]);
      await Promise.all([store.close(), transport.close()]);
    },
  };
}

export function listen(relay: NodeRelay, port: number, host = '127.0.0.1'): Promise<{ server: ServerType; url: string }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: relay.app.fetch, port, hostname: host }, (info) =>
      resolve({ server, url: `http://${host}:${info.port}` }),
    );
  });
}

/** `tsx relay/entry/node.ts`: a relay against an existing chain, configured by env. */
async function main() {
  let config: Config;
  try {
    config = parseConfig(await withOperatorKey(rawConfigFromEnv(process.env, {}), process.env.CIRO_OPERATOR_KEY));
  } catch (e) {
    console.error(e instanceof ConfigError ? e.message : `invalid relay config: ${String(e)}`);
    process.exit(2);
  }
  const secrets = secretsFromEnv(process.env);
  // Every secret this process holds is kept out of its logs, whatever a line would carry.
  const log = jsonLines((line) => process.stdout.write(`${line}\n`), { secrets: knownSecrets(config, secrets, process.env) });
  const relay = await createNodeRelay(config, { policyDir: process.env.CIRO_POLICY_DIR, secrets, log }).catch((e: unknown) => {
    if (!(e instanceof ConfigError)) throw e;
    console.error(e.message);
    process.exit(2);
  });
  const { url, server } = await listen(relay, Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1');
  log('relay.listening', { url, message: `CIRO relay listening on ${url}` });
  // A stop (docker stop, a rolling deploy) lets requests in flight and a settlement pass finish
  // before the store closes, rather than cutting them off half way.
  const stop = (signal: string) => {
    log('relay.stopping', { signal });
    setTimeout(() => process.exit(1), 15_000).unref();
    server.close(() => void relay.close().then(() => process.exit(0), () => process.exit(1)));
    (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

if (import.meta.url === `file://${process.argv[1]}`) void main();

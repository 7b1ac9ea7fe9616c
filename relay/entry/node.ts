/**
 * Node adapter: reads config from a file and the environment, builds the deps
 * (store, provider, relayers, policy gate), serves the Hono app and runs the
 * settlement sweeper. Everything Node-only stays in this folder.
 */
import { readFileSync } from 'node:fs';
import { serve, type ServerType } from '@hono/node-server';
import { RpcProvider } from 'starknet';
import { createApp } from '../app.ts';
import { parseConfig, ConfigError, type Config } from '../config.ts';
import type { RelayDeps } from '../deps.ts';
import { createStore } from '../store/index.ts';
import { RelayerPool } from '../relayers/pool.ts';
import { sweep } from '../execution/tracking.ts';
import { createPolicyGate } from './gate.ts';

/**
 * Config sources, later ones win: CIRO_CONFIG (JSON file), then single env
 * vars for what operators change most (RPC URL, manifest file, Redis URL).
 */
export function configFromEnv(env: NodeJS.ProcessEnv, base: Record<string, unknown> = {}): Config {
  const raw: Record<string, unknown> = { ...base };
  if (env.CIRO_CONFIG) Object.assign(raw, JSON.parse(readFileSync(env.CIRO_CONFIG, 'utf8')));
  if (env.CIRO_RPC_URL) raw.rpcUrl = env.CIRO_RPC_URL;
  if (env.CIRO_MANIFEST) raw.manifest = JSON.parse(readFileSync(env.CIRO_MANIFEST, 'utf8'));
  if (env.CIRO_REDIS_URL) raw.store = { kind: 'redis', url: env.CIRO_REDIS_URL };
  if (env.CIRO_RELAYERS) raw.relayers = JSON.parse(env.CIRO_RELAYERS);
  return parseConfig(raw);
}

export interface NodeRelay {
  deps: RelayDeps;
  app: ReturnType<typeof createApp>;
  close(): Promise<void>;
}

export interface NodeRelayOptions {
  policyDir?: string;
  secrets?: Record<string, string>;
  log?: RelayDeps['log'];
  sweepMs?: number;
}

export async function createNodeRelay(config: Config, opts: NodeRelayOptions = {}): Promise<NodeRelay> {
  const store = await createStore(config.store);
  // Raw fee estimates: execution/execute.ts applies the relay's own margins.
  const provider = new RpcProvider({ nodeUrl: config.rpcUrl, resourceBoundsOverhead: false });
  const relayers = new RelayerPool({
    store,
    provider,
    relayers: config.relayers,
    strkAddress: config.manifest.tokens.STRK?.address ?? '0x0',
    minBalance: BigInt(config.relayerMinBalance),
    leaseMs: config.relayerLeaseMs,
    acquireTimeoutMs: config.relayerAcquireTimeoutMs,
    balanceTtlMs: config.relayerBalanceTtlMs,
  });
  const gate = createPolicyGate({ config, store, provider, policyDir: opts.policyDir, secrets: opts.secrets, log: opts.log });
  const pending = new Set<Promise<unknown>>();
  const deps: RelayDeps = {
    config,
    store,
    provider,
    relayers,
    gate,
    tenantPolicies: gate,
    log: opts.log,
    background: (work) => {
      const p = work.catch((e) => opts.log?.('background.error', { error: String(e) })).finally(() => pending.delete(p));
      pending.add(p);
    },
  };
  const timer = setInterval(() => deps.background!(sweep(deps)), opts.sweepMs ?? 2000);
  timer.unref();
  return {
    deps,
    app: createApp(deps),
    close: async () => {
      clearInterval(timer);
      await Promise.allSettled([...pending]);
      await store.close();
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
    config = configFromEnv(process.env);
  } catch (e) {
    console.error(e instanceof ConfigError ? e.message : `invalid relay config: ${String(e)}`);
    process.exit(2);
  }
  const relay = await createNodeRelay(config, {
    policyDir: process.env.CIRO_POLICY_DIR,
    log: (event, data) => console.log(JSON.stringify({ t: new Date().toISOString(), event, ...data })),
  });
  const { url } = await listen(relay, Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1');
  console.log(`CIRO relay listening on ${url}`);
}

if (import.meta.url === `file://${process.argv[1]}`) void main();

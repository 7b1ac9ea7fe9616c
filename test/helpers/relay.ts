/**
 * A relay on top of a real local chain, for tests: devnet with the CIRO
 * contracts, the relay app built from real deps (memory or Redis store), a
 * demo tenant, and a starknet.js PaymasterRpc whose fetch goes straight into
 * `app.request()` — the wallet code path is unmodified, only the transport
 * skips the socket.
 */
import { join } from 'node:path';
import { Account, hash, PaymasterRpc, type RpcProvider } from 'starknet';
import { afterAll, beforeAll } from 'vitest';
import { newApiKey } from '../../relay/tenants/auth.ts';
import { parseConfig, type ConfigInput } from '../../relay/config.ts';
import { createNodeRelay, type NodeRelay } from '../../relay/entry/node.ts';
import { startLocalChain, type LocalChain, type LocalChainOptions } from '../../scripts/local/chain.ts';
import { repoRoot } from '../../scripts/local/toolchain.ts';

export interface RelayStack {
  chain: LocalChain;
  relay: NodeRelay;
  apiKey: string;
  /** Sponsor keys by tenant id (the default tenant is 'test'). */
  keys: Record<string, string>;
  /** JSON-RPC call through app.request(); returns the parsed body and HTTP status. */
  rpc(method: string, params?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  raw(body: string, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  paymaster(apiKey?: string): PaymasterRpc;
  /** A starknet.js Account wired to the relay as its paymaster. */
  wallet(address: string, privateKey: string): Account;
  stop(): Promise<void>;
}

export interface RelayStackOptions {
  chain?: LocalChainOptions;
  config?: Partial<ConfigInput>;
  /** Policies of the default tenant 'test'. */
  policies?: string[];
  /** Extra tenants, each with a generated sponsor key: id → policy ids (or policies and an operator fee ceiling). */
  tenants?: Record<string, string[] | { policies: string[]; maxDailyFee?: string }>;
  policyDir?: string;
  secrets?: Record<string, string>;
  /** Reuse a running chain (its owner stops it). */
  existingChain?: LocalChain;
  /** The gate's clock (unix seconds): quota and rate-limit tests move it instead of sleeping. */
  now?: () => number;
  /** The relay's transport to the node, for fault injection. */
  fetch?: typeof fetch;
  /** The settlement sweeper's period; a test that drives settlement itself sets it beyond the test's length. */
  sweepMs?: number;
}

export async function startRelayStack(opts: RelayStackOptions = {}): Promise<RelayStack> {
  const chain = opts.existingChain ?? (await startLocalChain({ seed: true, ...opts.chain }));
  const key = await newApiKey('test');
  const keys: Record<string, string> = { test: key.key };
  const extraTenants = [];
  for (const [id, spec] of Object.entries(opts.tenants ?? {})) {
    const k = await newApiKey(id);
    keys[id] = k.key;
    const { policies, maxDailyFee } = Array.isArray(spec) ? { policies: spec, maxDailyFee: undefined } : spec;
    extraTenants.push({ id, name: id, apiKeys: [{ id, secretHash: k.secretHash, scope: 'sponsor' as const }], policies, ...(maxDailyFee ? { maxDailyFee } : {}) });
  }
  const config = parseConfig({
    rpcUrl: chain.devnet.url,
    manifest: chain.manifest,
    relayers: chain.relayers.map((r) => ({ address: r.address, privateKey: r.privateKey })),
    simulator: chain.simulator.address,
    relayerTip: '0',
    gasTokens: { STRK: { priceInStrk: '1000000000000000000' }, CIRO: { priceInStrk: '500000000000000000' } },
    // Suites send many requests from one account; test/security meters node work on purpose.
    nodeWork: { perApiKeyPerMinute: 0, perClientPerMinute: 0, perSenderPerMinute: 0, refusalsPerApiKeyPerHour: 0, refusalsPerClientPerHour: 0, refusalsPerSenderPerHour: 0 },
    // Test webhooks listen on loopback, like the local stack's.
    webhookAllowHosts: ['127.0.0.1'],
    tenants: [
      {
        id: 'test',
        name: 'Test tenant',
        apiKeys: [{ id: 'test', secretHash: key.secretHash, scope: 'sponsor' }],
        policies: opts.policies ?? ['worker-rewards', 'job-submission'],
      },
      ...extraTenants,
    ],
    ...opts.config,
  });
  const relay = await createNodeRelay(config, {
    policyDir: opts.policyDir ?? join(repoRoot, 'policies', 'examples'),
    secrets: opts.secrets ?? {},
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.sweepMs ? { sweepMs: opts.sweepMs } : {}),
    log: process.env.CIRO_TEST_LOG ? (event, data) => console.error(JSON.stringify({ event, ...data })) : undefined,
  });
  const fetchApp = (url: string | URL | Request, init?: RequestInit) => relay.app.request(url as string, init);
  const post = async (body: string, headers: Record<string, string> = {}) => {
    const res = await relay.app.request('/', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-paymaster-api-key': key.key, ...headers },
      body,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const stack: RelayStack = {
    chain,
    relay,
    apiKey: key.key,
    keys,
    rpc: (method, params, headers) =>
      post(JSON.stringify({ jsonrpc: '2.0', id: 1, method, ...(params === undefined ? {} : { params }) }), headers),
    raw: post,
    paymaster: (apiKey = key.key) =>
      new PaymasterRpc({
        nodeUrl: 'http://relay.test/',
        headers: { 'x-paymaster-api-key': apiKey },
        baseFetch: fetchApp as unknown as typeof fetch,
      }),
    wallet: (address, privateKey) =>
      new Account({ provider: chain.provider as RpcProvider, address, signer: privateKey, paymaster: stack.paymaster() }),
    stop: async () => {
      await relay.close();
      if (!opts.existingChain) await chain.stop();
    },
  };
  return stack;
}

/** A `fetch` for startRelayStack that counts the relay's node calls by JSON-RPC method, changing nothing. */
export function nodeCallCounter(): { fetch: typeof fetch; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  return {
    calls,
    fetch: (input, init) => {
      const method = String((JSON.parse(String(init?.body ?? '{}')) as { method?: string }).method);
      calls[method] = (calls[method] ?? 0) + 1;
      return fetch(input, init);
    },
  };
}

export const STRK = '0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d';

export async function balanceOf(provider: RpcProvider, token: string, owner: string): Promise<bigint> {
  const r = await provider.callContract({ contractAddress: token, entrypoint: 'balance_of', calldata: [owner] });
  return BigInt(r[0]!) + (BigInt(r[1] ?? 0) << 128n);
}

/** One stack for a suite: started before its tests, stopped after; read it through the getter. */
export function useRelayStack(opts: RelayStackOptions = {}): () => RelayStack {
  let s: RelayStack | undefined;
  beforeAll(async () => {
    s = await startRelayStack(opts);
  }, 300_000);
  afterAll(async () => s?.stop());
  return () => s!;
}

/** CDC Pool `heartbeat()` as a SNIP-29 wire call: what the demo worker may always have sponsored. */
export const heartbeatCall = (s: RelayStack) => ({
  to: s.chain.manifest.contracts.cdc_pool.address,
  selector: hash.getSelectorFromName('heartbeat'),
  calldata: [] as string[],
});

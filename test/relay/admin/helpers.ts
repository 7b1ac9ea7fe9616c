/**
 * Admin API fixtures: real relay apps with no chain behind them. Each app is
 * built by createDeps() like every entry's (a Store, an unreachable node the
 * admin routes never need, the example policy files as templates) and driven
 * with `app.request()`. Two apps built on one Redis
 * behave like two relay instances.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { parsePolicy, selectorOf, type PolicyInput } from '../../../policies/index.ts';
import { createApp } from '../../../relay/app.ts';
import { parseConfig, type Config } from '../../../relay/config.ts';
import { createDeps } from '../../../relay/createDeps.ts';
import type { RelayDeps } from '../../../relay/deps.ts';
import { loadPolicyFiles } from '../../../relay/entry/policyFiles.ts';
import type { SponsorshipGate } from '../../../relay/sponsorship/gate.ts';
import { MemoryStore } from '../../../relay/store/memory.ts';
import { RedisStore } from '../../../relay/store/redis/store.ts';
import type { Store } from '../../../relay/store/types.ts';
import { newApiKey } from '../../../relay/tenants/auth.ts';
import { startRedis, type TestRedis } from '../../helpers/redis.ts';

export const EXAMPLES = join(import.meta.dirname, '../../../policies/examples');

const addr = (n: number) => '0x' + n.toString(16).padStart(4, '0');
export const MANIFEST = {
  chainId: '0x534e5f5345504f4c4941',
  deployedAt: '2025-01-01T00:00:00Z',
  deployer: addr(1),
  contracts: {
    ciro_token: { address: addr(0x333), classHash: addr(2) },
    cdc_pool: { address: addr(0x111), classHash: addr(3) },
    job_mgr: { address: addr(0x222), classHash: addr(4) },
    paymaster: { address: addr(0x444), classHash: addr(5) },
  },
  tokens: { STRK: { address: addr(0x555), decimals: 18 } },
  accountClassHashes: [addr(6)],
};
export const JOB_MGR = MANIFEST.contracts.job_mgr.address;
export const ALICE = '0xa11ce';
export const sel = (name: string): string => '0x' + selectorOf(name)!.toString(16);

/** Full keys by name: acme/globex admin and sponsor keys, and an operator key. */
export interface Keys {
  acmeAdmin: string;
  acmeSponsor: string;
  globexAdmin: string;
  globexSponsor: string;
  operator: string;
}

export async function makeConfig(): Promise<{ config: Config; keys: Keys }> {
  const k = {
    acmeAdmin: await newApiKey('acme-admin'),
    acmeSponsor: await newApiKey('acme-sponsor'),
    globexAdmin: await newApiKey('globex-admin'),
    globexSponsor: await newApiKey('globex-sponsor'),
    operator: await newApiKey('op-1'),
  };
  const config = parseConfig({
    rpcUrl: 'http://127.0.0.1:9/rpc',
    manifest: MANIFEST,
    relayers: [{ address: addr(0x777), privateKey: addr(0x999) }],
    tenants: [
      {
        id: 'acme',
        name: 'Acme',
        apiKeys: [
          { id: 'acme-admin', secretHash: k.acmeAdmin.secretHash, scope: 'admin' },
          { id: 'acme-sponsor', secretHash: k.acmeSponsor.secretHash, scope: 'sponsor' },
        ],
        policies: ['job-submission'],
      },
      {
        id: 'globex',
        name: 'Globex',
        apiKeys: [
          { id: 'globex-admin', secretHash: k.globexAdmin.secretHash, scope: 'admin' },
          { id: 'globex-sponsor', secretHash: k.globexSponsor.secretHash, scope: 'sponsor' },
        ],
        policies: [],
      },
    ],
    operatorKeys: [{ id: 'op-1', secretHash: k.operator.secretHash }],
  });
  const keys = Object.fromEntries(Object.entries(k).map(([n, v]) => [n, v.key])) as unknown as Keys;
  return { config, keys };
}

export interface AdminApp {
  app: ReturnType<typeof createApp>;
  deps: RelayDeps;
  gate: SponsorshipGate;
  /** A SNIP-29 build of one sponsored call with `key`: the smallest request that needs a sponsor key. Returns the JSON-RPC error, if any. */
  buildError(key: string): Promise<{ code: number; data: Record<string, unknown> } | undefined>;
  /** Calls the app; the body is parsed JSON (or undefined). */
  call(method: string, path: string, key?: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
}

export function makeApp(config: Config, store: Store): AdminApp {
  const deps = createDeps({ config, store, templates: loadPolicyFiles(EXAMPLES) });
  const app = createApp(deps);
  const build = {
    transaction: { type: 'invoke', invoke: { user_address: ALICE, calls: [{ to: JOB_MGR, selector: '0x1', calldata: [] }] } },
    parameters: { version: '0x1', fee_mode: { mode: 'sponsored' } },
  };
  return {
    app,
    deps,
    gate: deps.gate,
    buildError: async (key) => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'paymaster_buildTransaction', params: build });
      const res = await app.request('/', { method: 'POST', headers: { 'content-type': 'application/json', 'x-paymaster-api-key': key }, body });
      expect(res.status).toBe(200);
      return ((await res.json()) as { error?: { code: number; data: Record<string, unknown> } }).error;
    },
    call: async (method, path, key, body, headers = {}) => {
      const res = await app.request(path, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(key === undefined ? {} : { 'x-paymaster-api-key': key }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
  };
}

/** A policy input sponsoring JobMgr.submit_job, with overrides; checked against the real schema. */
export function jobsPolicy(over: Partial<PolicyInput> = {}): PolicyInput {
  const p: PolicyInput = {
    schemaVersion: 1,
    id: 'jobs',
    name: 'Jobs',
    enabled: true,
    rules: { allow: [{ contract: 'job_mgr', selectors: ['submit_job'] }], feeModes: ['sponsored'] },
    ...over,
  };
  expect(parsePolicy(p).ok, 'test policy must parse').toBe(true);
  return p;
}

/** A dry-run body for a submit_job call from ALICE. */
export function tx(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { sender: ALICE, calls: [{ to: JOB_MGR, selector: sel('submit_job'), calldata: ['0x1'] }], feeMode: 'sponsored', maxFee: '1000', ...over };
}

export const memoryStore = async (): Promise<Store> => new MemoryStore();

let seq = 0;
export const redisStore = (url: string, prefix = `admin-test:${process.pid}:${++seq}:`): Promise<Store> =>
  RedisStore.connect(url, { prefix, commandTimeoutMs: 2_000 });

/**
 * The memory store and a real redis-server started for the calling file, for `describe.each`: each
 * `make()` is a fresh store (a fresh Redis prefix), closed with the server after the file.
 */
export function useBackends(): { name: string; make: () => Promise<Store> }[] {
  let redis: TestRedis | undefined;
  const stores: Store[] = [];
  beforeAll(async () => void (redis = await startRedis()));
  afterAll(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close().catch(() => undefined)));
    await redis?.stop();
  });
  const kept = async (made: Promise<Store>) => {
    const store = await made;
    stores.push(store);
    return store;
  };
  return [
    { name: 'memory', make: () => kept(memoryStore()) },
    { name: 'redis', make: () => kept(redisStore(redis!.url)) },
  ];
}

/** A fresh prefix for a pair of apps that must share one Redis keyspace. */
export const sharedPrefix = (): string => `admin-test:${process.pid}:${++seq}:`;

/**
 * Two relay instances (apps) sharing one real Redis keyspace, for the whole
 * file: what one changes, the other must see. Read the fields inside tests.
 */
export function useTwoInstances(): { a: AdminApp; b: AdminApp; keys: Keys; config: Config } {
  const out = {} as { a: AdminApp; b: AdminApp; keys: Keys; config: Config };
  let redis: TestRedis | undefined;
  const stores: Store[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    ({ config: out.config, keys: out.keys } = await makeConfig());
    const prefix = sharedPrefix();
    stores.push(...(await Promise.all([redisStore(redis.url, prefix), redisStore(redis.url, prefix)])));
    out.a = makeApp(out.config, stores[0]!);
    out.b = makeApp(out.config, stores[1]!);
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
    await redis?.stop();
  });
  return out;
}

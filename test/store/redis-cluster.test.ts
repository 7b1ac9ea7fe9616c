/**
 * RedisStore on a real 3-node Redis Cluster: the shared conformance suite;
 * every key one store call touches at once in one hash slot (asked of the
 * servers, not only computed), units spread over every node, a call that
 * mixes slots refused; the store config; and fail-closed while a master is
 * down or hung, then recovery on its own.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ConfigError } from '../../relay/config.ts';
import { configFromEnv, createStore } from '../../relay/entry/node.ts';
import { StoreUnavailableError } from '../../relay/errors/base.ts';
import { Keys, unitOf } from '../../relay/store/keys.ts';
import { hashSlot, hashTag } from '../../relay/store/redis/slot.ts';
import { RedisStore } from '../../relay/store/redis/store.ts';
import { freePort } from '../helpers/redis.ts';
import { startRedisCluster, timed, untilServing, type TestRedisCluster } from '../helpers/redisCluster.ts';
import { runStoreConformance } from './conformance.ts';

const run = promisify(execFile);
const cli = async (port: number, ...args: string[]) => (await run('redis-cli', ['-p', String(port), ...args])).stdout.trim();

let cluster: TestRedisCluster;
let seq = 0;
beforeAll(async () => void (cluster = await startRedisCluster()));
afterAll(async () => {
  await cluster?.stop();
});

// The suite's keys have no unit of their own, so the prefix's {tag} puts one test's keys in one slot.
runStoreConformance('redis-cluster', async () => {
  const store = await RedisStore.connect({ cluster: cluster.urls }, { prefix: `{conf:${process.pid}:${++seq}}:`, commandTimeoutMs: 1_000 });
  return { store, cleanup: () => store.close() };
});

/** Every key store/keys.ts can build, the first argument of each builder being `unit` (a tenant, a relayer). */
function everyKey(unit: string): { name: string; key: string }[] {
  const out: { name: string; key: string }[] = [];
  const visit = (v: unknown, name: string): void => {
    if (typeof v === 'string') out.push({ name, key: v });
    else if (typeof v === 'function') visit(v(...Array.from({ length: v.length }, (_, i) => (i === 0 ? unit : `0x${i + 10}`))), name);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, name ? `${name}.${k}` : k);
  };
  visit(Keys, '');
  return out;
}

describe('Redis Cluster hash slots', () => {
  it('computes the slot of a key as the servers do, braces and all', async () => {
    const keys = ['', 'a', 'foo{bar}', '{bar}baz', 'a{}{b}', '{}x', 'a{{b}}', 'x{b}{c}', 'no}close{', 'ключ{ü}', 'ciro:sponsor:{acme}:x'];
    for (let i = 0; i < 40; i++) keys.push(Math.random().toString(36).slice(2) + (i % 3 ? `{${i}}` : ''));
    const server = await Promise.all(keys.map((k) => cluster.keySlot(k)));
    expect(keys.map(hashSlot)).toEqual(server);
  });

  it('puts every key of one unit, whatever builder made it, in one slot under the store prefix', async () => {
    const prefix = 'ciro:';
    const built = everyKey('0xacce55');
    // keys.ts's unitOf and the servers' hash tag agree on every key the table builds.
    for (const { key } of built) expect(unitOf(prefix + key)).toBe(hashTag(prefix + key));
    // An account's quota counters (and build's kept estimates) are the account's own unit (every tenant shares the Paymaster's quota).
    const account = ['quotaHold', 'quotaTaken', 'quotaCleared', 'paymentHold', 'reverts', 'buildEstimate'];
    // A tracking poll's mark lives with its record, whose key names its unit whole (no braces): one Durable Object.
    expect(unitOf(Keys.trackingLook('0xacce55'))).toBe(unitOf(Keys.tracking('0xacce55')));
    const [inUnit, quota] = [built.filter((b) => b.key.includes('{') && !account.includes(b.name) && b.name !== 'trackingLook'), built.filter((b) => account.includes(b.name))];
    expect(quota.map((b) => b.name).sort()).toEqual([...account].sort());
    for (const b of quota) expect(await cluster.keySlot(prefix + b.key)).toBe(hashSlot(prefix + '{acct:0xacce55}'));
    // What reserve (ledger, safeguards, deploy quota) and commit (policies, tenants) put in one call.
    const together = ['sponsor', 'usage.txs', 'usage.fee', 'ceiling', 'dailyByKey', 'dailyByClient', 'dailyByNetwork', 'dailyBySite', 'dailyHeavy'];
    const committed = ['admin.policy', 'admin.policyRev', 'admin.audit', 'admin.tenant'];
    expect(inUnit.map((b) => b.name)).toEqual(expect.arrayContaining([...together, ...committed, 'relayer.lease']));
    const slots = await Promise.all(inUnit.map((b) => cluster.keySlot(prefix + b.key)));
    expect(new Set(slots)).toEqual(new Set([hashSlot(prefix + '{0xacce55}')]));
  });

  it('spreads tenants over every node, and the store writes each tenant where the cluster says', async () => {
    const owners = await cluster.slotOwners();
    const tenants = Array.from({ length: 48 }, (_, i) => `tenant-${i}`);
    const store = await RedisStore.connect({ cluster: cluster.urls }, { prefix: 'spread:' });
    onTestFinished(() => store.close());
    const expected = [0, 0, 0];
    for (const t of tenants) {
      const lines = [Keys.sponsor(t, 'policy:p:budget:global:0'), Keys.ceiling(t, '2026-01-01'), Keys.usage(t, '2026-01-01', 'all').txs];
      expect(await store.reserve(lines.map((key) => ({ key, amount: 1n, limit: 10n })))).toEqual({ ok: true, used: [1n, 1n, 1n] });
      expected[owners[await cluster.keySlot(`spread:${Keys.sponsor(t, '')}`)]!]! += lines.length;
    }
    const found = await Promise.all(cluster.nodes.map(async (n) => (await cli(n.port, '--scan', '--pattern', 'spread:*')).split('\n').filter(Boolean).length));
    expect(found).toEqual(expected);
    for (const n of found) expect(n).toBeGreaterThan(0);
  });

  it('refuses a call that mixes units, which the servers would refuse with CROSSSLOT', async () => {
    const [a, b] = [Keys.sponsor('acme', 'x'), Keys.sponsor('globex', 'x')];
    expect(await cluster.keySlot(`mix:${a}`)).not.toBe(await cluster.keySlot(`mix:${b}`));
    const store = await RedisStore.connect({ cluster: cluster.urls }, { prefix: 'mix:' });
    onTestFinished(() => store.close());
    await expect(store.reserve([a, b].map((key) => ({ key, amount: 1n, limit: 10n })))).rejects.toThrow(RangeError);
    const commit = { key: Keys.admin.policy('acme', 'p'), expected: null, value: 'v', bump: [Keys.admin.policyRev('globex')] };
    await expect(store.commit(commit)).rejects.toThrow(RangeError);
    expect(await store.amount(a)).toBe(0n);
    expect(await store.get(commit.key)).toBeNull();
    const raw = await cli(cluster.nodes[0]!.port, 'EVAL', "return redis.call('GET', KEYS[1])", '2', `mix:${a}`, `mix:${b}`);
    expect(raw).toMatch(/^CROSSSLOT/);
  });

  it('takes no prefix that would move a key out of its unit', async () => {
    for (const prefix of ['ciro{', 'ciro}', '{}:', '{a}{b}:', '{{a}}:']) {
      await expect(RedisStore.connect({ cluster: cluster.urls }, { prefix })).rejects.toThrow(RangeError);
    }
    // A complete tag pins every key to its slot: legal, and what the conformance suite uses.
    const pinned = ['{t}:' + Keys.sponsor('acme', 'x'), '{t}:' + Keys.sponsor('globex', 'x'), '{t}:plain'];
    expect(new Set(await Promise.all(pinned.map((k) => cluster.keySlot(k)))).size).toBe(1);
  });
});

describe('Redis Cluster store config', () => {
  const f = (n: number) => `0x${n.toString(16)}`;
  const contracts = Object.fromEntries(['ciro_token', 'cdc_pool', 'job_mgr', 'paymaster'].map((k, i) => [k, { address: f(10 + i), classHash: f(20 + i) }]));
  const manifest = { chainId: '0x534e5f5345504f4c4941', deployedAt: 'now', deployer: f(1), contracts, tokens: { STRK: { address: f(30), decimals: 18 } }, accountClassHashes: [f(40)] };
  const base = { rpcUrl: 'http://127.0.0.1:5050/rpc', relayers: [{ address: f(50), privateKey: f(51) }], manifest };
  const issues = (env: Record<string, string>, store?: unknown) => {
    try {
      configFromEnv(env, store ? { ...base, store } : base);
      return [];
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return e.issues.map((i) => `${i.path}: ${i.message}`);
    }
  };

  it('takes cluster seed URLs from the config file or CIRO_REDIS_CLUSTER_URLS', () => {
    const urls = ['redis://10.0.0.1:6379', 'redis://10.0.0.2:6379'];
    expect(configFromEnv({}, { ...base, store: { kind: 'redis', cluster: urls } }).store).toEqual({ kind: 'redis', cluster: urls, prefix: 'ciro:' });
    expect(configFromEnv({ CIRO_REDIS_CLUSTER_URLS: ` ${urls.join(' , ')} ` }, base).store).toEqual({ kind: 'redis', cluster: urls, prefix: 'ciro:' });
    expect(configFromEnv({ CIRO_REDIS_URL: urls[0]! }, base).store).toEqual({ kind: 'redis', url: urls[0], prefix: 'ciro:' });
  });

  it('refuses both a url and a cluster, neither, a non-redis URL and a prefix that breaks units', () => {
    expect(issues({ CIRO_REDIS_URL: 'redis://a:1', CIRO_REDIS_CLUSTER_URLS: 'redis://b:1' })).toEqual([expect.stringMatching(/^store\.url: give one of url .* or sentinel/)]);
    expect(issues({}, { kind: 'redis', cluster: ['redis://b:1'], sentinel: { name: 'm', nodes: ['redis://s:26379'] } })).toEqual([expect.stringMatching(/^store\.url: give one of/)]);
    expect(issues({}, { kind: 'redis' })).toEqual([expect.stringMatching(/^store\.url: /)]);
    expect(issues({}, { kind: 'redis', cluster: [] })).toEqual([expect.stringMatching(/^store\.cluster: /)]);
    expect(issues({}, { kind: 'redis', cluster: ['http://a:1'] })).toEqual([expect.stringMatching(/^store\.cluster\[0\]: expected a redis/)]);
    expect(issues({}, { kind: 'redis', url: 'redis://a:1', prefix: 'ciro{' })).toEqual([expect.stringMatching(/^store\.prefix: a key prefix may have no braces/)]);
    expect(issues({}, { kind: 'redis', url: 'redis://a:1', prefix: '{relay-a}:' })).toEqual([]);
  });

  it('is what createStore builds for a cluster config', async () => {
    const s = await createStore({ kind: 'redis', cluster: [cluster.urls[1]!], prefix: 'factory:' });
    expect(s).toBeInstanceOf(RedisStore);
    await s.ping();
    await s.close();
  });
});

// On a cluster that wants a password: the seed URL's credentials must reach the nodes it discovers.
describe('RedisStore on a cluster fails closed', () => {
  let own: TestRedisCluster;
  beforeAll(async () => {
    own = await startRedisCluster({ password: 'p@ss word' });
  });
  afterAll(async () => {
    await own?.stop();
  });

  /** A tenant whose unit lives on node `i`. */
  const tenantOn = async (i: number) => {
    const owners = await own.slotOwners();
    for (let n = 0; ; n++) if (owners[hashSlot(Keys.sponsor(`t${n}`, ''))] === i) return `t${n}`;
  };

  it("reaches every node with the one seed URL's credentials, and none without them", async () => {
    const store = await RedisStore.connect({ cluster: [own.urls[2]!] });
    const [owners, reached] = [await own.slotOwners(), new Set<number>()];
    for (const key of Array.from({ length: 24 }, (_, i) => Keys.reverts('0x' + (i + 1).toString(16)))) {
      expect(await store.incr(key, 1)).toBe(1);
      reached.add(owners[hashSlot(key)]!);
    }
    expect(reached.size).toBe(3);
    await store.close();
    const anonymous = own.urls.map((u) => u.replace(/\/\/[^@]*@/, '//'));
    await expect(RedisStore.connect({ cluster: anonymous }, { connectTimeoutMs: 1_000 })).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('refuses to connect when no seed node answers', async () => {
    const dead = [`redis://127.0.0.1:${await freePort()}`, `redis://127.0.0.1:${await freePort()}`];
    const { err, ms } = await timed(RedisStore.connect({ cluster: dead }, { connectTimeoutMs: 1_000 }));
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(ms).toBeLessThan(3_000);
  });

  it('keeps trying to connect while no node answers, within its connect timeout', async () => {
    await Promise.all(own.nodes.map((n) => n.kill()));
    const connecting = RedisStore.connect({ cluster: own.urls }, { connectTimeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 500));
    await Promise.all(own.nodes.map((n) => n.restart()));
    const store = await connecting;
    try {
      await untilServing(() => store.ping());
      expect(await store.incr(Keys.reverts('0x1'), 1)).toBe(1);
    } finally {
      await store.close();
    }
    await own.untilHealthy();
  });

  it('throws StoreUnavailableError promptly while a master is down, then serves again by itself', async () => {
    const store = await RedisStore.connect({ cluster: own.urls }, { commandTimeoutMs: 1_000 });
    onTestFinished(() => store.close());
    const t = await tenantOn(1);
    const reserve = () => store.reserve([{ key: Keys.sponsor(t, 'b'), amount: 1n, limit: 10n }, { key: Keys.ceiling(t, 'd'), amount: 1n, limit: 10n }]);
    expect(await reserve()).toEqual({ ok: true, used: [1n, 1n] });
    await own.nodes[1]!.kill();
    // ping asks every master, not one at random: it fails every time.
    for (const call of [...Array.from({ length: 5 }, () => () => store.ping()), () => store.get(Keys.sponsor(t, 'b')), reserve]) {
      const { err, ms } = await timed(call());
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect(ms).toBeLessThan(3_000);
    }
    // A relay starting now refuses to start rather than serve part of the slots.
    expect((await timed(RedisStore.connect({ cluster: own.urls }, { connectTimeoutMs: 1_000 }))).err).toBeInstanceOf(StoreUnavailableError);

    await own.nodes[1]!.restart(); // same node (nodes.conf), same slots, no data
    await untilServing(() => store.ping());
    expect(await reserve()).toEqual({ ok: true, used: [1n, 1n] });
    await own.untilHealthy();
  });

  it('times out instead of hanging while a master accepts connections but never answers', async () => {
    const store = await RedisStore.connect({ cluster: own.urls }, { commandTimeoutMs: 500 });
    const t = await tenantOn(2);
    try {
      await store.ping();
      own.nodes[2]!.pause();
      for (const call of [() => store.get(Keys.sponsor(t, 'b')), () => store.reserve([{ key: Keys.sponsor(t, 'b'), amount: 1n, limit: 10n }]), () => store.ping()]) {
        const { err, ms } = await timed(call());
        expect(err).toBeInstanceOf(StoreUnavailableError);
        expect(ms).toBeLessThan(2_000);
      }
      own.nodes[2]!.resume();
      await untilServing(() => store.adjust(Keys.sponsor(t, 'b'), 2n));
      expect(await store.amount(Keys.sponsor(t, 'b'))).toBeGreaterThanOrEqual(2n);
    } finally {
      own.nodes[2]!.resume();
      await store.close();
    }
  });
});

/**
 * RedisStore through Redis Sentinel, on real redis-servers: a master, a
 * replica and a sentinel watching them. The shared conformance suite runs
 * through the sentinel's master; then the master is SIGKILLed mid-use: while
 * the sentinel fails over, every call fails closed (StoreUnavailableError),
 * and the store reaches the promoted replica by itself, with the budget
 * reserved before the failure still there (replicated before the kill).
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../relay/errors/base.ts';
import { createStore } from '../../relay/entry/node.ts';
import { parseConfig } from '../../relay/config.ts';
import { RedisStore } from '../../relay/store/redis/store.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { MANIFEST } from '../relay/admin/helpers.ts';
import { runStoreConformance } from './conformance.ts';

const NAME = 'ciro';
const BASE = { rpcUrl: 'http://127.0.0.1:9/rpc', manifest: MANIFEST, relayers: [{ address: '0x777', privateKey: '0x999' }] };
let master: TestRedis;
let replica: TestRedis;
let sentinel: TestRedis;
let seq = 0;
const target = () => ({ sentinel: { name: NAME, nodes: [sentinel.url] } });

/** Asks the sentinel which port it names as the master, and how many replicas it knows. */
async function sentinelView(): Promise<{ port: number; replicas: number }> {
  const c = createClient({ url: sentinel.url });
  await c.connect();
  try {
    const [, port] = (await c.sendCommand(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME])) as string[];
    const replicas = (await c.sendCommand(['SENTINEL', 'REPLICAS', NAME])) as unknown[];
    return { port: Number(port), replicas: replicas.length };
  } finally {
    await c.close();
  }
}

beforeAll(async () => {
  master = await startRedis();
  replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
  const conf = [`sentinel monitor ${NAME} 127.0.0.1 ${master.port} 1`, `sentinel down-after-milliseconds ${NAME} 1000`, `sentinel failover-timeout ${NAME} 5000`];
  sentinel = await startRedis({ conf: `${conf.join('\n')}\n`, args: ['--sentinel'] });
  // The failover test needs the sentinel to know the replica (it learns it from the master's INFO).
  for (const until = Date.now() + 20_000; (await sentinelView()).replicas < 1; ) {
    if (Date.now() > until) throw new Error('the sentinel never learned of the replica');
    await new Promise((r) => setTimeout(r, 200));
  }
}, 60_000);
afterAll(async () => {
  await Promise.all([sentinel?.stop(), replica?.stop(), master?.stop()]);
});

runStoreConformance('redis via sentinel', async () => {
  const store = await RedisStore.connect(target(), { prefix: `conf:${process.pid}:${++seq}:`, commandTimeoutMs: 1_000 });
  return { store, cleanup: () => store.close() };
});

describe('RedisStore through Sentinel', () => {
  it('is what a config naming a sentinel gets from the Node entry', async () => {
    const config = parseConfig({ ...BASE, store: { kind: 'redis', sentinel: { name: NAME, nodes: [sentinel.url] } } });
    const store = await createStore(config.store);
    try {
      await store.set('entry', 'ok');
      const direct = createClient({ url: master.url });
      await direct.connect();
      expect(await direct.get('ciro:entry')).toBe('ok');
      await direct.close();
    } finally {
      await store.close();
    }
    expect(() => parseConfig({ ...BASE, store: { kind: 'redis', url: master.url, sentinel: { name: NAME, nodes: [sentinel.url] } } })).toThrow(/one of url/);
  });

  it('fails closed during a failover and reaches the promoted replica by itself, keeping what was reserved', async () => {
    const store = await RedisStore.connect(target(), { prefix: 'failover:', commandTimeoutMs: 1_000 });
    try {
      expect(await store.reserve([{ key: 'budget', amount: 40n, limit: 100n }])).toEqual({ ok: true, used: [40n] });
      // Replicated before the kill (WAIT), so the promoted replica must have it.
      const m = createClient({ url: master.url });
      await m.connect();
      expect(Number(await m.sendCommand(['WAIT', '1', '2000']))).toBe(1);
      await m.close();

      await master.crash();
      const t0 = Date.now();
      const outcomes: string[] = [];
      let recovered = false;
      while (Date.now() - t0 < 30_000 && !recovered) {
        try {
          expect(await store.reserve([{ key: 'budget', amount: 10n, limit: 100n }])).toMatchObject({ ok: true });
          recovered = true;
        } catch (e) {
          // Anything but the store's own typed refusal would be a crash path or an answer from a dead master.
          expect(e).toBeInstanceOf(StoreUnavailableError);
          outcomes.push('store_unavailable');
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      const took = Date.now() - t0;
      console.log(`[sentinel] master killed: ${outcomes.length} calls refused store_unavailable, then served by the promoted replica after ${took} ms`);
      expect(recovered).toBe(true);
      expect(outcomes.length).toBeGreaterThan(0);
      expect((await sentinelView()).port).toBe(replica.port);
      expect(await store.amount('budget')).toBe(50n); // 40 before the failover + 10 after: nothing forgotten, nothing doubled
    } finally {
      await store.close();
    }
  }, 60_000);
});

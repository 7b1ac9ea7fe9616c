/**
 * RedisStore against a real redis-server: the shared conformance suite, plus
 * what only a networked store can show — state shared between relay
 * instances, fail-closed while Redis is down, and recovery on its own.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../relay/errors/base.ts';
import { createStore } from '../../relay/entry/node.ts';
import { RedisStore } from '../../relay/store/redis/store.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { runStoreConformance } from './conformance.ts';

let server: TestRedis;
let seq = 0;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server?.stop();
});

// One server for the whole suite; a fresh prefix isolates each test.
runStoreConformance('redis', async () => {
  const store = await RedisStore.connect(server.url, { prefix: `conf:${process.pid}:${++seq}:`, commandTimeoutMs: 1_000 });
  return { store, cleanup: () => store.close() };
});

describe('RedisStore between relay instances', () => {
  it('shares state between two instances with the same prefix, and only with them', async () => {
    const [a, b, other] = await Promise.all([
      RedisStore.connect(server.url, { prefix: 'shared:' }),
      RedisStore.connect(server.url, { prefix: 'shared:' }),
      RedisStore.connect(server.url, { prefix: 'other:' }),
    ]);
    try {
      await a.set('k', 'from-a');
      expect(await b.get('k')).toBe('from-a');
      expect(await other.get('k')).toBeNull();

      const leases = await Promise.all(
        Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).setIfAbsent('lease', `relay-${i}`, { ttlMs: 5_000 })),
      );
      expect(leases.filter((r) => r.created)).toHaveLength(1);

      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).reserve([{ key: 'budget', amount: 7n, limit: 1_000n }])),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(142);
      expect(await a.amount('budget')).toBe(994n);
      expect(await b.amount('budget')).toBe(994n);
    } finally {
      await Promise.all([a.close(), b.close(), other.close()]);
    }
  });

  it('sends gets called together as one MGET, each answered with its own key, never overtaking a later write', async () => {
    const s = await RedisStore.connect(server.url, { prefix: 'batch:' });
    const mgets = async () => Number(/cmdstat_mget:calls=(\d+)/.exec(String(await info.sendCommand(['INFO', 'commandstats'])))?.[1] ?? 0);
    const info = createClient({ url: server.url });
    await info.connect();
    try {
      await Promise.all([s.set('a', '1'), s.set('b', '2'), s.set('n', '5')]);
      const before = await mgets();
      expect(await Promise.all([s.get('a'), s.get('b'), s.get('missing'), s.get('a'), s.amount('n')])).toEqual(['1', '2', null, '1', 5n]);
      expect((await mgets()) - before).toBe(1);

      // A get, then a write of the same key called before the get is answered: the get reads what was there.
      const [read] = await Promise.all([s.get('a'), s.set('a', 'changed')]);
      expect(read).toBe('1');
      // And the other way round: the write is sent first, so the get sees it.
      const [, after] = await Promise.all([s.set('b', 'changed'), s.get('b')]);
      expect(after).toBe('changed');
      // A get still waiting for its batch when the store closes is answered, not dropped.
      const last = s.get('n');
      await s.close();
      expect(await last).toBe('5');
    } finally {
      await info.close();
      await s.close();
    }
  });

  it('is what createStore builds for kind redis', async () => {
    const s = await createStore({ kind: 'redis', url: server.url, prefix: 'factory:' });
    try {
      expect(s).toBeInstanceOf(RedisStore);
      expect(s.kind).toBe('redis');
      await s.ping();
    } finally {
      await s.close();
    }
  });
});

describe('RedisStore fails closed', () => {
  const untilServing = async (store: RedisStore) => {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await timed(store.ping())).err) await new Promise((r) => setTimeout(r, 50));
    await store.ping();
  };
  const timed = async (p: Promise<unknown>) => {
    const t0 = Date.now();
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    return { err, ms: Date.now() - t0 };
  };

  it('refuses to connect to a Redis that does not answer', async () => {
    const dead = await startRedis();
    await dead.stop();
    const { err, ms } = await timed(RedisStore.connect(dead.url, { connectTimeoutMs: 1_000 }));
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(ms).toBeLessThan(3_000);
  });

  it("says why a Redis refused the connection (the server's reply), without the password", async () => {
    const locked = await startRedis({ args: ['--requirepass', 'right-secret-7f3a'] });
    try {
      const wrong = locked.url.replace('redis://', 'redis://:wrong-secret-91c2@');
      const { err } = await timed(RedisStore.connect(wrong, { connectTimeoutMs: 1_000 }));
      expect(err).toBeInstanceOf(StoreUnavailableError);
      const text = `${(err as Error).message} ${String((err as Error).cause)}`;
      expect(text).toMatch(/WRONGPASS|NOAUTH|invalid username-password/);
      expect(text).not.toMatch(/wrong-secret-91c2|right-secret-7f3a/);
    } finally {
      await locked.stop();
    }
  });

  it('throws StoreUnavailableError promptly while Redis is down, then serves again by itself', async () => {
    const own = await startRedis();
    const store = await RedisStore.connect(own.url, { prefix: 'fc:', commandTimeoutMs: 1_000 });
    try {
      await store.reserve([{ key: 'b', amount: 1n, limit: 10n }]);
      await own.stop();
      for (const call of [() => store.ping(), () => store.get('k'), () => store.reserve([{ key: 'b', amount: 1n, limit: 10n }])]) {
        const { err, ms } = await timed(call());
        expect(err).toBeInstanceOf(StoreUnavailableError);
        expect(ms).toBeLessThan(3_000);
      }

      await own.restart(); // same port, empty data, empty script cache
      await untilServing(store);
      expect(await store.reserve([{ key: 'b', amount: 3n, limit: 10n }])).toEqual({ ok: true, used: [3n] });
      expect(await store.setIfAbsent('lease', 'me')).toEqual({ created: true, value: 'me' });
    } finally {
      await store.close();
      await own.stop();
    }
  });

  it('times out instead of hanging when Redis accepts connections but never answers', async () => {
    const own = await startRedis();
    const store = await RedisStore.connect(own.url, { prefix: 'hang:', commandTimeoutMs: 500 });
    try {
      await store.ping();
      own.pause();
      for (const call of [() => store.get('k'), () => store.reserve([{ key: 'b', amount: 1n, limit: 10n }])]) {
        const { err, ms } = await timed(call());
        expect(err).toBeInstanceOf(StoreUnavailableError);
        expect(ms).toBeLessThan(2_000);
      }
      own.resume();
      await untilServing(store);
      expect(await store.adjust('b', 2n)).toBeGreaterThanOrEqual(2n);
    } finally {
      own.resume();
      await store.close();
      await own.stop();
    }
  });
});

describe('test/helpers/redis', () => {
  it('names the install command instead of skipping when redis-server is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(startRedis()).rejects.toThrow(/apt-get install -y redis-server/);
    } finally {
      process.env.PATH = path;
    }
  });
});

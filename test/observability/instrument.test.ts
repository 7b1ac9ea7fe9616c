/**
 * instrumentStore: the Store seen by the core, its answers passed through,
 * its failures counted by operation and kind and its availability reported
 * to Health; on a memory store and on a real redis-server that goes away.
 */
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../relay/errors/base.ts';
import { Health } from '../../relay/observability/health.ts';
import { chainFetch, instrumentStore } from '../../relay/observability/instrument.ts';
import { createScopes } from '../../relay/observability/scopes.ts';
import { createMetrics } from '../../relay/observability/metrics.ts';
import { TextRegistry } from '../../relay/observability/textRegistry.ts';
import { MemoryStore } from '../../relay/store/memory.ts';
import { RedisStore } from '../../relay/store/redis/store.ts';
import type { Store } from '../../relay/store/types.ts';
import { startRedis } from '../helpers/redis.ts';

function instrumented(store: Store) {
  const registry = new TextRegistry();
  const health = new Health();
  const errors = async () =>
    (await registry.render())
      .split('\n')
      .filter((l) => l.startsWith('ciro_store_errors_total{'))
      .sort();
  return { store: instrumentStore(store, createMetrics(registry), health), health, errors };
}

describe('instrumentStore', () => {
  it('passes answers through and counts a refused call by operation, as "other"', async () => {
    const { store, health, errors } = instrumented(new MemoryStore());
    await store.set('k', 'v');
    expect(await store.get('k')).toBe('v');
    expect(await store.incr('n', 2)).toBe(2);
    expect(await store.amount('missing')).toBe(0n);
    await expect(store.incr('n', 1.5)).rejects.toThrow(RangeError);
    expect(await errors()).toEqual(['ciro_store_errors_total{op="incr",kind="other"} 1']);
    // A caller's mistake says nothing about the store being down.
    expect(health.downFor('store')).toBeUndefined();
    expect(store.kind).toBe('memory');
  });

  it('counts an unreachable Redis as "unavailable", reports it down, and up again at the next answer', async () => {
    const redis = await startRedis();
    const raw = await RedisStore.connect(redis.url, { prefix: 'instr:', commandTimeoutMs: 1_000 });
    const { store, health, errors } = instrumented(raw);
    try {
      await store.set('k', 'v');
      await redis.stop();
      await expect(store.get('k')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.amount('k')).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(await errors()).toEqual([
        'ciro_store_errors_total{op="amount",kind="unavailable"} 1',
        'ciro_store_errors_total{op="get",kind="unavailable"} 1',
      ]);
      expect(health.downFor('store')).toBeGreaterThanOrEqual(0);
      await redis.restart();
      for (let i = 0; i < 100 && health.downFor('store') !== undefined; i++) {
        await store.ping().catch(() => new Promise((r) => setTimeout(r, 100)));
      }
      expect(health.downFor('store')).toBeUndefined();
    } finally {
      await raw.close();
      await redis.stop();
    }
  });
});

describe('chainFetch', () => {
  it("reports the node down for any answer that is not the node answering: a provider's 429, 401/403, 404, a 5xx", async () => {
    const judged = async (status: number, body = '{"jsonrpc":"2.0","id":1,"error":{"code":29,"message":"Transaction hash not found"}}') => {
      const health = new Health();
      const transport = chainFetch(async () => new Response(body, { status }), createScopes(), createMetrics(new TextRegistry()), health);
      await transport('http://node.test/rpc', { method: 'POST', body: '{"method":"starknet_blockNumber"}' });
      return health.downFor('chain') === undefined ? 'up' : 'down';
    };
    // A JSON-RPC error is the node answering; a rate limit or a refused key stops every sponsorship just the same as an outage.
    expect(await judged(200)).toBe('up');
    for (const status of [401, 403, 404, 429, 502, 503]) expect(await judged(status, 'Too Many Requests'), String(status)).toBe('down');
  });
});


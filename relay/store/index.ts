/**
 * Store entry point. Only the memory store is imported statically: the Redis
 * store pulls in Node-only modules, so it is loaded on demand and a Workers
 * bundle that never asks for Redis never touches it.
 */
import { MemoryStore } from './memory.ts';
import type { Store } from './types.ts';

export type { ReserveLine, ReserveResult, Store, TtlOptions } from './types.ts';
export type { RedisStoreOptions } from './redis.ts';
export { MemoryStore, type MemoryStoreOptions } from './memory.ts';

export type StoreConfig =
  | { kind: 'memory' }
  | { kind: 'redis'; url: string; prefix?: string; commandTimeoutMs?: number; connectTimeoutMs?: number };

/** Builds the configured store; a Redis store is connected (or throws StoreUnavailableError). */
export async function createStore(config: StoreConfig): Promise<Store> {
  switch (config.kind) {
    case 'memory':
      return new MemoryStore();
    case 'redis': {
      const { RedisStore } = await import('./redis.ts');
      const { url, ...opts } = config;
      return RedisStore.connect(url, opts);
    }
    default:
      throw new Error(`unknown store kind: ${(config as { kind: unknown }).kind}`);
  }
}

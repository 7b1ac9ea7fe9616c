/**
 * The one behavioural contract of a Store (relay/store/types.ts). Every
 * implementation — memory, Redis, the edge Durable Object — runs exactly
 * this suite; a backend-specific test file only supplies the factory.
 *
 * Timing tests use real short TTLs (no injected clock) so they also hold
 * against a real server. Each test gets a fresh, isolated store.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Store } from '../../relay/store/types.ts';
import { amountCases } from './conformance-amounts.ts';
import { kvCases } from './conformance-kv.ts';

export type StoreFactory = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

export function runStoreConformance(name: string, factory: StoreFactory): void {
  describe(`Store conformance: ${name}`, () => {
    let current: Awaited<ReturnType<StoreFactory>> | undefined;
    const store = (): Store => {
      if (!current) throw new Error('store factory has not run');
      return current.store;
    };

    beforeEach(async () => {
      current = await factory();
    });
    afterEach(async () => {
      await current?.cleanup();
      current = undefined;
    });

    kvCases(store);
    amountCases(store);

    // node-redis 6 arms an AbortSignal.timeout per command unless told not to: its timer always fires, a
    // DOMException each (~1% of a dry run's CPU). Deadlines are the store's own (redis/connection.ts).
    it('arms no timer per command', async () => {
      const timeout = vi.spyOn(AbortSignal, 'timeout');
      try {
        await Promise.all(Array.from({ length: 20 }, (_, i) => store().set(`timer:${i}`, String(i))));
        expect(await store().get('timer:7')).toBe('7');
        expect(await store().incr('timer:n', 2)).toBe(2);
        expect(timeout).not.toHaveBeenCalled();
      } finally {
        timeout.mockRestore();
      }
    });
  });
}

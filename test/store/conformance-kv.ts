/** Conformance cases for plain values: TTLs, leases (setIfAbsent/deleteIfEquals/CAS), counters, lifecycle. */
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../relay/errors/base.ts';
import type { Store } from '../../relay/store/types.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function kvCases(store: () => Store): void {
  describe('get / set / delete', () => {
    it('pings, round-trips values and reads absent keys as null', async () => {
      const s = store();
      await s.ping();
      expect(await s.get('k')).toBeNull();
      await s.set('k', 'v1');
      await s.set('k', 'v2');
      expect(await s.get('k')).toBe('v2');
      await s.delete('k');
      await s.delete('never-existed');
      expect(await s.get('k')).toBeNull();
    });

    it('expires a value after its TTL; a later set without TTL persists', async () => {
      const s = store();
      await s.set('short', 'x', { ttlMs: 150 });
      await s.set('renewed', 'x', { ttlMs: 150 });
      await s.set('renewed', 'y');
      expect(await s.get('short')).toBe('x');
      await sleep(300);
      expect(await s.get('short')).toBeNull();
      expect(await s.get('renewed')).toBe('y');
    });

    it('refuses invalid TTLs the same way everywhere', async () => {
      const s = store();
      await expect(s.set('k', 'v', { ttlMs: 0 })).rejects.toBeInstanceOf(RangeError);
      await expect(s.set('k', 'v', { ttlMs: -5 })).rejects.toBeInstanceOf(RangeError);
      await expect(s.setIfAbsent('k', 'v', { ttlMs: Number.NaN })).rejects.toBeInstanceOf(RangeError);
      expect(await s.get('k')).toBeNull();
    });
  });

  describe('setIfAbsent', () => {
    it('creates once, then returns the stored value; recreatable after expiry', async () => {
      const s = store();
      expect(await s.setIfAbsent('lease', 'a', { ttlMs: 150 })).toEqual({ created: true, value: 'a' });
      expect(await s.setIfAbsent('lease', 'b')).toEqual({ created: false, value: 'a' });
      await sleep(300);
      expect(await s.setIfAbsent('lease', 'c')).toEqual({ created: true, value: 'c' });
      expect(await s.get('lease')).toBe('c');
    });

    it('lets exactly one of many concurrent callers create the key', async () => {
      const s = store();
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => s.setIfAbsent('race', `owner-${i}`)));
      const winners = results.filter((r) => r.created);
      expect(winners).toHaveLength(1);
      const stored = await s.get('race');
      expect(winners[0]!.value).toBe(stored);
      for (const r of results) expect(r.value).toBe(stored);
    });
  });

  describe('deleteIfEquals', () => {
    it('deletes only when the owner matches', async () => {
      const s = store();
      await s.set('lease', 'owner-1');
      expect(await s.deleteIfEquals('lease', 'owner-2')).toBe(false);
      expect(await s.get('lease')).toBe('owner-1');
      expect(await s.deleteIfEquals('lease', 'owner-1')).toBe(true);
      expect(await s.get('lease')).toBeNull();
      expect(await s.deleteIfEquals('lease', 'owner-1')).toBe(false);
    });

    it('treats an expired value as absent', async () => {
      const s = store();
      await s.set('lease', 'owner-1', { ttlMs: 100 });
      await sleep(250);
      expect(await s.deleteIfEquals('lease', 'owner-1')).toBe(false);
    });
  });

  describe('compareAndSet', () => {
    it('uses null as "absent" and replaces only on a match', async () => {
      const s = store();
      expect(await s.compareAndSet('nonce', null, '1')).toBe(true);
      expect(await s.compareAndSet('nonce', null, '9')).toBe(false);
      expect(await s.compareAndSet('nonce', '0', '9')).toBe(false);
      expect(await s.get('nonce')).toBe('1');
      expect(await s.compareAndSet('nonce', '1', '2')).toBe(true);
      expect(await s.get('nonce')).toBe('2');
    });

    it('applies the TTL given with the new value', async () => {
      const s = store();
      await s.set('k', 'a');
      expect(await s.compareAndSet('k', 'a', 'b', { ttlMs: 150 })).toBe(true);
      await sleep(300);
      expect(await s.get('k')).toBeNull();
      expect(await s.compareAndSet('k', null, 'c')).toBe(true);
    });

    it('lets exactly one of many concurrent swaps from the same value win', async () => {
      const s = store();
      await s.set('k', 'v0');
      const wins = await Promise.all(Array.from({ length: 100 }, (_, i) => s.compareAndSet('k', 'v0', `v${i + 1}`)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await s.get('k')).toBe(`v${wins.indexOf(true) + 1}`);
    });
  });

  describe('commit', () => {
    it('writes, bumps and appends together when the expected value matches', async () => {
      const s = store();
      const ok = await s.commit({ key: 'head', expected: null, value: 'v1', bump: ['rev'], append: [{ key: 'log', value: 'created', maxLen: 2 }] });
      expect(ok).toBe(true);
      expect(await s.commit({ key: 'head', expected: 'v1', value: 'v2', bump: ['rev'], append: [{ key: 'log', value: 'updated', maxLen: 2 }] })).toBe(true);
      await s.commit({ key: 'head', expected: 'v2', value: 'v3', bump: ['rev'], append: [{ key: 'log', value: 'again', maxLen: 2 }] });
      expect(await s.get('head')).toBe('v3');
      expect(await s.get('rev')).toBe('3');
      expect(await s.range('log', 0, 10)).toEqual(['again', 'updated']);
    });

    it('changes nothing at all when the expected value does not match', async () => {
      const s = store();
      await s.set('head', 'theirs');
      const ok = await s.commit({ key: 'head', expected: 'mine', value: 'v2', bump: ['rev'], append: [{ key: 'log', value: 'x' }] });
      expect(ok).toBe(false);
      expect(await s.get('head')).toBe('theirs');
      expect(await s.get('rev')).toBeNull();
      expect(await s.range('log', 0, 10)).toEqual([]);
      // A counter that is not one fails the whole commit, not half of it.
      await s.set('notcount', 'abc');
      await expect(s.commit({ key: 'fresh', expected: null, value: 'v', bump: ['notcount'] })).rejects.toThrow();
      expect(await s.get('fresh')).toBeNull();
    });

    it('lets exactly one of many concurrent commits from the same value win, bumping once', async () => {
      const s = store();
      await s.set('k', 'v0');
      const wins = await Promise.all(Array.from({ length: 50 }, (_, i) => s.commit({ key: 'k', expected: 'v0', value: `v${i + 1}`, bump: ['rev'] })));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await s.get('rev')).toBe('1');
    });
  });

  describe('incr', () => {
    it('adds and returns the new value, negative steps included', async () => {
      const s = store();
      expect(await s.incr('c', 1)).toBe(1);
      expect(await s.incr('c', 41)).toBe(42);
      expect(await s.incr('c', -2)).toBe(40);
      expect(await s.get('c')).toBe('40');
      await expect(s.incr('c', 1.5)).rejects.toBeInstanceOf(RangeError);
    });

    it('applies the TTL only when the call creates the counter (fixed window)', async () => {
      const s = store();
      expect(await s.incr('win', 1, { ttlMs: 300 })).toBe(1);
      await sleep(150);
      expect(await s.incr('win', 1, { ttlMs: 300 })).toBe(2); // must not extend the window
      await sleep(250);
      expect(await s.get('win')).toBeNull();
      expect(await s.incr('win', 5, { ttlMs: 300 })).toBe(5);
    });

    it('counts every one of many concurrent increments', async () => {
      const s = store();
      const seen = await Promise.all(Array.from({ length: 200 }, () => s.incr('c', 1)));
      expect(new Set(seen).size).toBe(200);
      expect(Math.max(...seen)).toBe(200);
    });
  });

  describe('lifecycle', () => {
    it('fails closed after close(): calls throw StoreUnavailableError; close is idempotent', async () => {
      const s = store();
      await s.set('k', 'v');
      await s.close();
      await s.close();
      await expect(s.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(s.get('k')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(s.reserve([{ key: 'b', amount: 1n, limit: 2n }])).rejects.toBeInstanceOf(StoreUnavailableError);
    });
  });
}

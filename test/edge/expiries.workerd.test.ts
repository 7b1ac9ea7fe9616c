/**
 * The expiry index a StoreShard's alarm sweeps by (relay/store/durable/
 * expiries.ts), on a real object's SQLite storage inside workerd. The index
 * is driven directly with its own clock, so no alarm of the runtime's races
 * the assertions: the alarm's own path is covered in store.workerd.test.ts.
 */
import { env } from 'cloudflare:workers';
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../relay/store/engine.ts';
import { ExpiryIndex, type SyncKv } from '../../relay/store/durable/expiries.ts';

const run = crypto.randomUUID().slice(0, 8);
const expired = (now: number) => (e: Entry) => e.t === 'str' && e.exp !== undefined && e.exp <= now;

/** Runs `body` on the storage of a fresh object of its own. */
const withKv = <T>(name: string, body: (kv: SyncKv) => T): Promise<T> =>
  runInDurableObject(env.STORE.get(env.STORE.idFromName(`${name}-${run}`)), (_o, state) => body(state.storage.kv as SyncKv));
const userKeys = (kv: SyncKv) => [...kv.list({ start: '\u0001' })].map(([k]) => k);
const indexed = (kv: SyncKv) => [...kv.list({ start: '\u0000exp:', end: '\u0000exp;' })].map(([k]) => k);

describe('the expiry index of a Durable Object store', () => {
  it('visits only what expired, in bounded steps, earliest first', async () => {
    const out = await withKv('sweep', (kv) => {
      const ix = new ExpiryIndex(kv);
      const put = (k: string, e: Entry) => ix.track(k, e, () => kv.put(k, e));
      for (let i = 0; i < 1_500; i++) put(`due:${String(i).padStart(4, '0')}`, { t: 'str', v: 'x', exp: 1_000 + i });
      for (let i = 0; i < 10; i++) put(`later:${i}`, { t: 'str', v: 'x', exp: 1e12 + i });
      for (let i = 0; i < 5; i++) put(`plain:${i}`, { t: 'str', v: 'x' });
      put('list', { t: 'list', v: ['a'] });
      const first = ix.sweep(2_600, 1_000, expired(2_600));
      const afterFirst = userKeys(kv).filter((k) => k.startsWith('due:'));
      const second = ix.sweep(2_600, 1_000, expired(2_600));
      return { first, afterFirst, second, left: userKeys(kv).sort(), index: indexed(kv).length, hasKeys: ix.hasKeys() };
    });
    // The limit reached: the 1000 earliest gone, woken again at once for the rest (`next` is what lies ahead).
    expect(out.first).toEqual({ more: true, next: 1e12 });
    expect(out.afterFirst).toHaveLength(500);
    expect(out.afterFirst[0]).toBe('due:1000');
    expect(out.second).toEqual({ more: false, next: 1e12 });
    expect(out.left).toEqual(['list', ...Array.from({ length: 10 }, (_, i) => `later:${i}`), ...Array.from({ length: 5 }, (_, i) => `plain:${i}`)].sort());
    expect(out.index).toBe(10);
    expect(out.hasKeys).toBe(true);
  });

  it('keeps one entry per key through rewrites, and none once it is deleted or loses its TTL', async () => {
    const out = await withKv('track', (kv) => {
      const ix = new ExpiryIndex(kv);
      const write = (k: string, e: Entry | undefined) => ix.track(k, e, () => (e ? kv.put(k, e) : kv.delete(k)));
      write('a', { t: 'str', v: '1', exp: 5_000 });
      write('a', { t: 'str', v: '2', exp: 9_000 });
      const moved = indexed(kv);
      write('b', { t: 'str', v: '1', exp: 5_000 });
      write('b', { t: 'str', v: '2' });
      write('c', { t: 'str', v: '1', exp: 5_000 });
      write('c', undefined);
      // `a` was moved to 9000: a sweep at 6000 must keep it.
      const swept = ix.sweep(6_000, 100, expired(6_000));
      return { moved, after: indexed(kv), swept, keys: userKeys(kv).sort() };
    });
    expect(out.moved).toEqual([`\u0000exp:${'9000'.padStart(15, '0')}:a`]);
    expect(out.after).toEqual(out.moved);
    expect(out.swept).toEqual({ more: false, next: 9_000 });
    expect(out.keys).toEqual(['a', 'b']);
  });

  it('scans an object written before the index once: expired keys go, live ones are indexed', async () => {
    const out = await withKv('legacy', (kv) => {
      kv.put('old:1', { t: 'str', v: 'x', exp: 100 });
      kv.put('old:2', { t: 'str', v: 'x', exp: 200 });
      kv.put('live', { t: 'str', v: 'x', exp: 50_000 });
      kv.put('set', { t: 'set', v: ['m'] });
      const ix = new ExpiryIndex(kv);
      const swept = ix.sweep(1_000, 100, expired(1_000));
      return { swept, keys: userKeys(kv).sort(), index: indexed(kv) };
    });
    expect(out.swept).toEqual({ more: false, next: 50_000 });
    expect(out.keys).toEqual(['live', 'set']);
    expect(out.index).toHaveLength(1);
  });

  it('marks an object indexed from its first key: no scan, so an expired key written without the index stays until read', async () => {
    const out = await withKv('fresh', (kv) => {
      const ix = new ExpiryIndex(kv);
      ix.track('a', { t: 'str', v: 'x', exp: 100 }, () => kv.put('a', { t: 'str', v: 'x', exp: 100 }));
      kv.put('stray', { t: 'str', v: 'x', exp: 100 }); // what only a scan would find
      ix.sweep(1_000, 100, expired(1_000));
      return userKeys(kv);
    });
    expect(out).toEqual(['stray']);
  });

  it('says when no key of the Store is left, whatever of its own it still holds', async () => {
    const out = await withKv('empty', (kv) => {
      const ix = new ExpiryIndex(kv);
      ix.track('k', { t: 'str', v: 'x', exp: 10 }, () => kv.put('k', { t: 'str', v: 'x', exp: 10 }));
      const before = ix.hasKeys();
      ix.sweep(20, 10, expired(20));
      return { before, after: ix.hasKeys(), own: [...kv.list()].length };
    });
    expect(out).toEqual({ before: true, after: false, own: 1 });
  });

  it('leaves the index as it was when the write throws', async () => {
    const out = await withKv('throws', (kv) => {
      const ix = new ExpiryIndex(kv);
      ix.track('k', { t: 'str', v: '1', exp: 9_000 }, () => kv.put('k', { t: 'str', v: '1', exp: 9_000 }));
      expect(() => ix.track('k', { t: 'str', v: '2', exp: 100 }, () => { throw new RangeError('too big'); })).toThrow('too big');
      return { index: indexed(kv), swept: ix.sweep(1_000, 10, expired(1_000)), keys: userKeys(kv) };
    });
    expect(out.index).toEqual([`\u0000exp:${'9000'.padStart(15, '0')}:k`]);
    expect(out.swept).toEqual({ more: false, next: 9_000 });
    expect(out.keys).toEqual(['k']);
  });

  it('files an absurd expiry at the last time it can spell, never due', async () => {
    const out = await withKv('absurd', (kv) => {
      const ix = new ExpiryIndex(kv);
      ix.track('far', { t: 'str', v: 'x', exp: 1e22 }, () => kv.put('far', { t: 'str', v: 'x', exp: 1e22 }));
      return { swept: ix.sweep(2e15, 10, expired(2e15)), keys: userKeys(kv) };
    });
    expect(out).toEqual({ swept: { more: false, next: 1e15 - 1 }, keys: ['far'] });
  });

  // A lone surrogate is stored as U+FFFD, so neither the key nor its index entry can be deleted by the name it was given.
  const stuck = 'a\ud800b';
  it('never answers a next expiry at or before the sweep, even for an entry it cannot delete', async () => {
    const out = await withKv('stuck', (kv) => {
      const ix = new ExpiryIndex(kv);
      ix.track(stuck, { t: 'str', v: 'x', exp: 100 }, () => kv.put(stuck, { t: 'str', v: 'x', exp: 100 }));
      return [ix.sweep(1_000, 10, expired(1_000)), ix.sweep(1_000, 1, expired(1_000))];
    });
    expect(out).toEqual([{ more: false }, { more: false }]);
  });

  it("doesn't let such an entry re-arm the object's alarm for a time already past", async () => {
    const stub = env.STORE.get(env.STORE.idFromName(`stuck-alarm-${run}`));
    await stub.call('set', [stuck, 'x', 10]);
    await new Promise((r) => setTimeout(r, 30));
    await runDurableObjectAlarm(stub);
    const alarm = await runInDurableObject(stub, (_o, state) => state.storage.getAlarm());
    expect(alarm === null || alarm > Date.now()).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../relay/store/memory.ts';
import { createStore } from '../../relay/entry/node.ts';
import { runStoreConformance } from './conformance.ts';

runStoreConformance('memory', async () => {
  const store = new MemoryStore();
  return { store, cleanup: () => store.close() };
});

// Behaviour only the embedded store can show: TTLs against an injected clock.
describe('MemoryStore with an injected clock', () => {
  it('expires exactly at the TTL, without sleeping', async () => {
    let t = 1_000;
    const s = new MemoryStore({ now: () => t });
    await s.set('k', 'v', { ttlMs: 500 });
    await s.incr('c', 1, { ttlMs: 500 });
    t += 499;
    expect(await s.get('k')).toBe('v');
    expect(await s.incr('c', 1, { ttlMs: 500 })).toBe(2);
    t += 1;
    expect(await s.get('k')).toBeNull();
    expect(await s.incr('c', 1, { ttlMs: 500 })).toBe(1);
  });

  it('drops expired keys that are never read again', async () => {
    let t = 0;
    const s = new MemoryStore({ now: () => t });
    for (let i = 0; i < 2_000; i++) await s.set(`k${i}`, 'v', { ttlMs: 10 });
    t += 10;
    for (let i = 0; i < 3_000; i++) await s.set(`fresh${i}`, 'v');
    const keys = [...(s as unknown as { data: Map<string, unknown> }).data.keys()];
    expect(keys.filter((k) => k.startsWith('k'))).toEqual([]);
  });

  it('is what createStore builds for kind memory', async () => {
    const s = await createStore({ kind: 'memory' });
    expect(s).toBeInstanceOf(MemoryStore);
    expect(s.kind).toBe('memory');
  });
});

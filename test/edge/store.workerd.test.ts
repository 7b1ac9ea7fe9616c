/**
 * The Durable Object store inside workerd: the same conformance suite as the
 * memory and Redis stores, against StoreShard objects on their SQLite
 * storage, through wrangler.toml's STORE binding. Each test's store has its
 * own prefix whose braces make it one atomic unit (one object), so tests
 * never see each other's keys. Then what only this store has: calls that
 * would span several units are refused, and state outlives the object.
 */
import { env } from 'cloudflare:workers';
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../relay/errors/base.ts';
import { DeferredCorrections } from '../../relay/sponsorship/corrections.ts';
import type { ShardReply } from '../../relay/store/durable/readBatch.ts';
import { DurableStore, type ShardNamespace } from '../../relay/store/durable/store.ts';
import { runStoreConformance } from '../store/conformance.ts';

const run = crypto.randomUUID().slice(0, 8);

type Call = (method: string, args: unknown[]) => Promise<ShardReply>;
/** The real objects, every call passing through `through` first (which may refuse it, count it, or send it on). */
const intercepted = (through: (method: string, args: unknown[], call: Call) => Promise<ShardReply>): ShardNamespace => ({
  idFromName: (name) => env.STORE.idFromName(name),
  get: (id) => {
    const stub = env.STORE.get(id as never);
    return { call: (m, a) => through(m, a, (mm, aa) => stub.call(mm, aa) as Promise<ShardReply>), ping: () => stub.ping() };
  },
});
let seq = 0;

runStoreConformance('durable object (workerd)', async () => {
  const store = new DurableStore(env.STORE, `{conf-${run}-${++seq}}:`);
  return { store, cleanup: () => store.close() };
});

describe('DurableStore atomic units', () => {
  it('refuses one call touching several units with a RangeError, and writes nothing', async () => {
    const s = new DurableStore(env.STORE, `units-${run}:`);
    const lines = [
      { key: '{tenant-a}:budget', amount: 1n, limit: 10n },
      { key: '{tenant-b}:budget', amount: 1n, limit: 10n },
    ];
    await expect(s.reserve(lines)).rejects.toBeInstanceOf(RangeError);
    await expect(s.reserve(lines)).rejects.toThrow(/several atomic units: tenant-a, tenant-b/);
    await expect(s.commit({ key: '{tenant-a}:head', expected: null, value: 'v', bump: ['{tenant-b}:rev'] })).rejects.toBeInstanceOf(RangeError);
    await expect(s.commit({ key: '{tenant-a}:head', expected: null, value: 'v', append: [{ key: 'audit', value: 'x' }] })).rejects.toBeInstanceOf(RangeError);
    expect([await s.amount('{tenant-a}:budget'), await s.amount('{tenant-b}:budget')]).toEqual([0n, 0n]);
    expect(await s.get('{tenant-a}:head')).toBeNull();
    // The same calls within one unit go through.
    expect(await s.reserve([lines[0]!, { key: '{tenant-a}:other', amount: 2n, limit: 10n }])).toEqual({ ok: true, used: [1n, 2n] });
    expect(await s.commit({ key: '{tenant-a}:head', expected: null, value: 'v', bump: ['{tenant-a}:rev'] })).toBe(true);
  });

  it('puts each unit in its own object, and a braced prefix puts every key in one', async () => {
    const s = new DurableStore(env.STORE, `spread-${run}:`);
    await s.set('{u1}:k', 'one');
    await s.set('{u2}:k', 'two');
    const direct = async (unit: string, key: string) => ((await env.STORE.get(env.STORE.idFromName(unit)).call('get', [key])) as { value: unknown }).value;
    expect(await direct('u1', `spread-${run}:{u1}:k`)).toBe('one');
    expect(await direct('u2', `spread-${run}:{u1}:k`)).toBeNull();
    const one = new DurableStore(env.STORE, `{whole-${run}}:`);
    expect(await one.reserve([{ key: '{u1}:b', amount: 1n, limit: 5n }, { key: '{u2}:b', amount: 1n, limit: 5n }])).toEqual({ ok: true, used: [1n, 1n] });
  });

  it('shares state between two relays on one namespace, exact under concurrent reservations', async () => {
    const [a, b] = [new DurableStore(env.STORE, `shared-${run}:`), new DurableStore(env.STORE, `shared-${run}:`)];
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).reserve([{ key: '{t}:budget', amount: 7n, limit: 1_000n }, { key: `{t}:user:${i % 5}`, amount: 7n, limit: 300n }])),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(142);
    expect([await a.amount('{t}:budget'), await b.amount('{t}:budget')]).toEqual([994n, 994n]);
  });

  it('keeps its state in storage: an evicted object answers the same', async () => {
    const s = new DurableStore(env.STORE, `{evict-${run}}:`);
    await s.reserve([{ key: 'b', amount: 5n, limit: 10n }]);
    await s.append('log', 'x');
    await evictDurableObject(env.STORE.get(env.STORE.idFromName(`evict-${run}`)));
    expect(await s.amount('b')).toBe(5n);
    expect(await s.range('log', 0, 10)).toEqual(['x']);
  });

  it('answers a caller mistake as data, which the store raises as the same error class', async () => {
    const stub = env.STORE.get(env.STORE.idFromName(`other-${run}`));
    expect(await stub.call('constructor', [])).toEqual({ refused: { name: 'TypeError', message: 'unknown store method constructor' } });
    expect(await stub.call('incr', [`other-${run}:c`, 0.5])).toEqual({ refused: { name: 'RangeError', message: expect.stringMatching(/safe integer/) } });
    expect(await stub.call('incr', [`other-${run}:c`, 2])).toEqual({ value: 2 });
    const s = new DurableStore(env.STORE, `{other-${run}}:`);
    await s.set('text', 'abc');
    await expect(s.incr('text', 1)).rejects.toBeInstanceOf(TypeError);
    await expect(s.append('log', 'x', 0)).rejects.toBeInstanceOf(RangeError);
  });

  it('clears expired keys on an alarm at the earliest expiry, and the whole object once nothing is left', async () => {
    const unit = `ttl-${run}`;
    const stub = env.STORE.get(env.STORE.idFromName(unit));
    const s = new DurableStore(env.STORE, `{${unit}}:`);
    const stored = () =>
      runInDurableObject(stub, async (_o, state) => ({
        keys: [...(state.storage.kv as { list(): Iterable<[string, unknown]> }).list()].map(([k]) => k).filter((k) => !k.startsWith('\u0000')),
        alarm: await state.storage.getAlarm(),
      }));
    // Long enough that workerd's own alarm cannot clear it before the first look, even on a loaded machine.
    const t0 = Date.now();
    await s.set('soon', '1', { ttlMs: 1_500 });
    await s.set('later', '2', { ttlMs: 60_000 });
    await s.set('forever', '3');
    const before = await stored();
    expect(before.keys.sort()).toEqual([`{${unit}}:forever`, `{${unit}}:later`, `{${unit}}:soon`]);
    expect(before.alarm).toBeGreaterThanOrEqual(t0 + 1_500);
    expect(before.alarm).toBeLessThan(Date.now() + 1_500 + 1_000);

    // Local workerd fires alarms on time too; running it here only makes sure it has run.
    await new Promise((r) => setTimeout(r, 1_600 - (Date.now() - t0)));
    await runDurableObjectAlarm(stub);
    const after = await stored();
    expect(after.keys.sort()).toEqual([`{${unit}}:forever`, `{${unit}}:later`]);
    // Woken again for the next expiry, not before.
    expect(after.alarm).toBeGreaterThan(Date.now() + 50_000);

    await s.delete('forever');
    await s.set('later', '2', { ttlMs: 30 });
    await new Promise((r) => setTimeout(r, 50));
    await runDurableObjectAlarm(stub);
    expect(await stored()).toEqual({ keys: [], alarm: null });
    expect(await s.get('later')).toBeNull();
  });

  it('marks a call an overloaded object refused as unapplied, so a correction is kept and applied later; any other failure is not', async () => {
    // The real namespace, with the runtime's refusals put in front of it while `failure` is set.
    let failure: Error | undefined;
    const ns = intercepted((m, a, call) => (failure ? Promise.reject(failure) : call(m, a)));
    const s = new DurableStore(ns, `{overload-${run}}:`);
    const fixes = new DeferredCorrections(s);
    await s.reserve([{ key: 'budget', amount: 10n, limit: 100n }]);
    failure = Object.assign(new Error('Durable Object is overloaded. Requests queued for too long.'), { overloaded: true });
    const refused = await fixes.adjust('budget', -5n).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StoreUnavailableError);
    expect((refused as StoreUnavailableError).unapplied).toBe(true);
    expect(fixes.size).toBe(1);
    // An exception inside the object, or a dropped connection: it may have run, so it is not repeated.
    failure = Object.assign(new Error('Network connection lost.'), { retryable: true });
    expect(((await fixes.adjust('budget', -7n).catch((e: unknown) => e)) as StoreUnavailableError).unapplied).toBe(false);
    expect(fixes.size).toBe(1);
    failure = undefined;
    await fixes.flush();
    expect(fixes.size).toBe(0);
    expect(await s.amount('budget')).toBe(5n);
    await s.close();
    expect(((await s.get('x').catch((e: unknown) => e)) as StoreUnavailableError).unapplied).toBe(true);
  });
});

describe('DurableStore read batches', () => {
  it("sends one turn's reads of one object as one call, each answered on its own, and never lets a read see a later write", async () => {
    const sent: string[] = [];
    const ns = intercepted((m, a, call) => (sent.push(m === 'batch' ? `batch of ${(a[0] as unknown[]).length}` : m), call(m, a)));
    const s = new DurableStore(ns, `{batch-${run}}:`);
    await s.set('a', 'one');
    await s.set('text', 'abc');
    await s.reserve([{ key: 'n', amount: 4n, limit: 10n }]);
    sent.length = 0;
    const [a, n, missing, bad] = await Promise.allSettled([s.get('a'), s.amount('n'), s.get('none'), s.amount('text')]);
    expect(sent).toEqual(['batch of 4']);
    expect([a, n, missing].map((r) => (r as PromiseFulfilledResult<unknown>).value)).toEqual(['one', 4n, null]);
    // One read's mistake is that read's own error.
    expect((bad as PromiseRejectedResult).reason).toBeInstanceOf(TypeError);
    // A read alone goes as itself.
    sent.length = 0;
    expect(await s.get('a')).toBe('one');
    expect(sent).toEqual(['get']);
    // A write made after a read in the same turn goes after it: the read sees the value before the write.
    sent.length = 0;
    const before = s.get('a');
    const write = s.set('a', 'two');
    expect(await before).toBe('one');
    await write;
    expect(await s.get('a')).toBe('two');
    expect(sent).toEqual(['get', 'set', 'get']);
  });

  it('reads one by one from an object still on the code before batches (a deploy rolling out)', async () => {
    // The real objects, answering a batch as the old shard did: an unknown method.
    const sent: string[] = [];
    const ns = intercepted(async (m, a, call) => (sent.push(m), m === 'batch' ? { refused: { name: 'TypeError' as const, message: 'unknown store method batch' } } : call(m, a)));
    const s = new DurableStore(ns, `{old-shard-${run}}:`);
    await s.set('a', 'one');
    await s.reserve([{ key: 'n', amount: 3n, limit: 10n }]);
    sent.length = 0;
    expect(await Promise.all([s.get('a'), s.amount('n'), s.get('none')])).toEqual(['one', 3n, null]);
    expect(sent).toEqual(['batch', 'get', 'amount', 'get']);
    // For a while after, this store's reads go one by one from the start, so none is sent after a later write.
    sent.length = 0;
    const [read, write] = [s.get('a'), s.set('a', 'two')];
    expect(await read).toBe('one');
    await write;
    expect(await Promise.all([s.get('a'), s.amount('n')])).toEqual(['two', 3n]);
    expect(sent).toEqual(['get', 'set', 'get', 'amount']);
  });

  it('arms the alarm again when the one it noted is past due and never ran (an alarm that gave up its retries)', async () => {
    const unit = `stale-alarm-${run}`;
    const stub = env.STORE.get(env.STORE.idFromName(unit));
    const s = new DurableStore(env.STORE, `{${unit}}:`);
    const keys = () => runInDurableObject(stub, (_o, state) => [...(state.storage.kv as { list(): Iterable<[string, unknown]> }).list()].map(([k]) => k).filter((k) => !k.startsWith('\u0000')).sort());
    await s.set('soon', '1', { ttlMs: 400 });
    // Its alarm is lost before it runs, but the note says one is set (for a moment now past).
    await runInDurableObject(stub, async (_o, state) => {
      await state.storage.deleteAlarm();
      (state.storage.kv as { put(k: string, v: unknown): void }).put('\u0000alarm-at', Date.now() + 100);
    });
    await new Promise((r) => setTimeout(r, 600));
    // Expired, but nothing has cleared it: no alarm is left to.
    expect(await keys()).toEqual([`{${unit}}:soon`]);
    await s.set('later', '2', { ttlMs: 60_000 });
    // Armed for a past time, local workerd may run it at once, before we ask it to: either way it has run.
    await runDurableObjectAlarm(stub);
    await expect.poll(keys, { timeout: 5_000 }).toEqual([`{${unit}}:later`]);
  });

  it('refuses anything but reads in a batch, each op on its own', async () => {
    const stub = env.STORE.get(env.STORE.idFromName(`batch-ops-${run}`));
    await stub.call('set', [`batch-ops-${run}:k`, 'v']);
    const reply = (await stub.call('batch', [[['get', [`batch-ops-${run}:k`]], ['set', [`batch-ops-${run}:k`, 'w']], 'junk']])) as { value: unknown[] };
    expect(reply.value).toEqual([{ value: 'v' }, { refused: { name: 'TypeError', message: 'only get and amount can be batched' } }, { refused: { name: 'TypeError', message: 'only get and amount can be batched' } }]);
    expect(await stub.call('get', [`batch-ops-${run}:k`])).toEqual({ value: 'v' });
    expect(await stub.call('batch', ['nope'])).toEqual({ refused: { name: 'TypeError', message: 'a batch is a list of [method, args]' } });
  });
});

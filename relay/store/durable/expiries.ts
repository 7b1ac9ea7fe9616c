/**
 * The expiring keys of one Durable Object, indexed by when they expire, so
 * its alarm visits what has expired and nothing else. A tenant's object
 * holds a counter per sender and day: scanning all of it on every alarm
 * (83 ms at 100k keys, and alarms come as often as keys expire) would keep
 * a large tenant's object busy, answering `overloaded` (fail closed).
 *
 * The index lives in the same storage under NUL-led names no key from
 * store/keys.ts can take: `\0exp:<when, 15 digits>:<key>`, kept in step
 * with every write and delete. An object written before the index existed
 * is scanned once, on its first alarm, and marked.
 */
import type { Entry } from '../engine.ts';

export interface SyncKv {
  get<T>(key: string): T | undefined;
  put(key: string, value: unknown): void;
  delete(key: string): boolean;
  list<T>(options?: { start?: string; end?: string; limit?: number }): Iterable<[string, T]>;
}

const PREFIX = '\u0000exp:';
const END = '\u0000exp;'; // ';' follows ':': the end of the index's range
const INDEXED = '\u0000exp-indexed';
/** Where the keys of store/keys.ts begin: past every NUL-led name of ours. */
const USER_KEYS = '\u0001';
const WHEN_DIGITS = 15;

const expOf = (e: Entry | undefined): number | undefined => (e?.t === 'str' ? e.exp : undefined);
/** The latest time the index can spell: an expiry past it (a TTL of 30,000 years) is filed there, never due. */
const LAST = 10 ** WHEN_DIGITS - 1;
const when = (ms: number) => String(Math.min(Math.max(0, Math.floor(ms)), LAST)).padStart(WHEN_DIGITS, '0');
const indexKey = (exp: number, key: string) => `${PREFIX}${when(exp)}:${key}`;
const whenOf = (ik: string) => Number(ik.slice(PREFIX.length, PREFIX.length + WHEN_DIGITS));

export class ExpiryIndex {
  /** Whether this instance has looked for the marker (and set it on an empty object). */
  private checked = false;

  constructor(private readonly kv: SyncKv) {}

  /**
   * Writes `key` (`next`; undefined deletes it) through `write`, then moves its index entry: after the write,
   * so a write that throws leaves the index as it was.
   */
  track(key: string, next: Entry | undefined, write: () => void): void {
    // An object indexed from its first write never needs the scan (not on reads or deletes: an object only read keeps no storage).
    if (next !== undefined && !this.checked) {
      if (this.kv.get(INDEXED) === undefined && !this.hasKeys()) this.kv.put(INDEXED, 1);
      this.checked = true;
    }
    const was = expOf(this.kv.get<Entry>(key));
    write();
    const will = expOf(next);
    if (was === will) return;
    if (was !== undefined) this.kv.delete(indexKey(was, key));
    if (will !== undefined) this.kv.put(indexKey(will, key), 1);
  }

  /**
   * Deletes up to `limit` keys that expired by `now`. `more`: the limit was
   * reached, so wake again at once; `next`: the earliest expiry still ahead.
   */
  sweep(now: number, limit: number, expired: (e: Entry) => boolean): { more: boolean; next?: number } {
    if (this.kv.get(INDEXED) === undefined) this.rebuild(expired);
    // Copied out first: deleting under a live cursor is not something to rely on.
    const due = [...this.kv.list<unknown>({ start: PREFIX, end: PREFIX + when(now + 1), limit })];
    let removed = 0;
    for (const [ik] of due) {
      const key = ik.slice(PREFIX.length + WHEN_DIGITS + 1);
      const e = this.kv.get<Entry>(key);
      if (e && expired(e)) this.kv.delete(key);
      if (this.kv.delete(ik)) removed++;
    }
    // Only ahead of `now`, and again at once only if this sweep got somewhere: an entry that can't be
    // deleted (a name storage spells back otherwise) must not wake the alarm forever.
    const [first] = [...this.kv.list<unknown>({ start: PREFIX + when(now + 1), end: END, limit: 1 })];
    return { more: due.length === limit && removed > 0, ...(first ? { next: whenOf(first[0]) } : {}) };
  }

  /** Whether any key of the Store's is left (expired ones swept). */
  hasKeys(): boolean {
    return [...this.kv.list({ start: USER_KEYS, limit: 1 })].length > 0;
  }

  /** Once per object written before the index: the old full scan, indexing what it keeps. */
  private rebuild(expired: (e: Entry) => boolean): void {
    for (const [key, e] of [...this.kv.list<Entry>({ start: USER_KEYS })]) {
      const exp = expOf(e);
      if (exp === undefined) continue;
      if (expired(e)) this.kv.delete(key);
      else this.kv.put(indexKey(exp, key), 1);
    }
    this.kv.put(INDEXED, 1);
    this.checked = true;
  }

  /** After the object's storage was deleted whole: the next write starts a new, empty object. */
  reset(): void {
    this.checked = false;
  }
}

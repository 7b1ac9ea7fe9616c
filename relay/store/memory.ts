/**
 * Embedded default store: one process, no dependencies. Every method runs
 * synchronously inside its promise, so each is atomic with respect to the
 * others without locks. Platform-free (test/relay/layout.test.ts bundles it).
 */
import { StoreUnavailableError } from '../errors/base.ts';
import type { Commit, ReserveLine, ReserveResult, Store, TtlOptions } from './types.ts';
import { checkDelta, checkIncrBy, checkLines, checkMaxLen, checkPage, parseAmount, ttlOf } from './validate.ts';

type Entry =
  | { t: 'str'; v: string; exp?: number }
  | { t: 'list'; v: string[] } // oldest first; reads walk it from the end
  | { t: 'set'; v: Set<string> };

export interface MemoryStoreOptions {
  /** Clock in ms; injectable so TTL logic can be tested without sleeping. */
  now?: () => number;
}

export class MemoryStore implements Store {
  readonly kind = 'memory';
  private readonly data = new Map<string, Entry>();
  private readonly now: () => number;
  private closed = false;
  private writesSinceSweep = 0;
  private sizeAfterSweep = 0;

  constructor(opts: MemoryStoreOptions = {}) {
    this.now = opts.now ?? (() => Date.now());
  }

  async ping(): Promise<void> {
    this.open();
  }

  async get(key: string): Promise<string | null> {
    return this.str(key)?.v ?? null;
  }

  async set(key: string, value: string, opts?: TtlOptions): Promise<void> {
    this.putStr(key, value, ttlOf(opts));
  }

  async delete(key: string): Promise<void> {
    this.open();
    this.data.delete(key);
  }

  async setIfAbsent(key: string, value: string, opts?: TtlOptions) {
    const ttl = ttlOf(opts);
    const cur = this.str(key);
    if (cur) return { created: false, value: cur.v };
    this.putStr(key, value, ttl);
    return { created: true, value };
  }

  async deleteIfEquals(key: string, expected: string): Promise<boolean> {
    if (this.str(key)?.v !== expected) return false;
    this.data.delete(key);
    return true;
  }

  async compareAndSet(key: string, expected: string | null, value: string, opts?: TtlOptions): Promise<boolean> {
    const ttl = ttlOf(opts);
    if ((this.str(key)?.v ?? null) !== expected) return false;
    this.putStr(key, value, ttl);
    return true;
  }

  async commit(c: Commit): Promise<boolean> {
    const ttl = ttlOf(c);
    c.append?.forEach((a) => checkMaxLen(a.maxLen));
    if ((this.str(c.key)?.v ?? null) !== c.expected) return false;
    // Checked before any write, so a counter holding something else fails the whole commit.
    for (const k of c.bump ?? []) {
      const cur = this.str(k);
      if (cur && !/^-?\d+$/.test(cur.v)) throw new TypeError(`key ${k} does not hold an integer`);
    }
    this.putStr(c.key, c.value, ttl);
    for (const k of c.bump ?? []) {
      const cur = this.str(k);
      if (cur) cur.v = String(Number(cur.v) + 1);
      else this.putStr(k, '1', undefined);
    }
    for (const a of c.append ?? []) await this.append(a.key, a.value, a.maxLen);
    return true;
  }

  async incr(key: string, by: number, opts?: TtlOptions): Promise<number> {
    checkIncrBy(by);
    const ttl = ttlOf(opts);
    const cur = this.str(key);
    if (cur && !/^-?\d+$/.test(cur.v)) throw new TypeError(`key ${key} does not hold an integer`);
    const next = (cur ? Number(cur.v) : 0) + by;
    if (!Number.isSafeInteger(next)) throw new RangeError(`incr: ${key} would leave the safe integer range`);
    if (cur) cur.v = String(next); // keeps the window's original expiry
    else this.putStr(key, String(next), ttl);
    return next;
  }

  async reserve(lines: ReserveLine[]): Promise<ReserveResult> {
    checkLines(lines);
    this.open();
    // Lines may share a key, so check against running totals, not stored ones.
    const pending = new Map<string, bigint>();
    const used: bigint[] = [];
    for (const [i, line] of lines.entries()) {
      const cur = pending.get(line.key) ?? parseAmount(line.key, this.str(line.key)?.v ?? null);
      const next = cur + line.amount;
      if (next > line.limit) return { ok: false, blocking: i, used: cur, limit: line.limit };
      pending.set(line.key, next);
      used.push(next);
    }
    for (const line of lines) {
      const total = pending.get(line.key);
      if (total === undefined) continue; // already written for an earlier line with this key
      pending.delete(line.key);
      const cur = this.str(line.key);
      if (cur) cur.v = total.toString();
      else this.putStr(line.key, total.toString(), ttlOf(line));
    }
    return { ok: true, used };
  }

  async adjust(key: string, delta: bigint): Promise<bigint> {
    checkDelta(delta);
    const cur = this.str(key);
    const before = parseAmount(key, cur?.v ?? null);
    const next = before + delta < 0n ? 0n : before + delta;
    if (cur) cur.v = next.toString();
    else if (next > 0n) this.putStr(key, next.toString(), undefined);
    return next;
  }

  async amount(key: string): Promise<bigint> {
    return parseAmount(key, this.str(key)?.v ?? null);
  }

  async append(key: string, value: string, maxLen?: number): Promise<void> {
    checkMaxLen(maxLen);
    const list = this.typed(key, 'list') ?? this.put(key, { t: 'list', v: [] });
    list.v.push(value);
    if (maxLen !== undefined && list.v.length > maxLen) list.v.splice(0, list.v.length - maxLen);
  }

  async range(key: string, offset: number, limit: number): Promise<string[]> {
    checkPage(offset, limit);
    const items = this.typed(key, 'list')?.v ?? [];
    const end = items.length - offset; // exclusive, counted from the oldest
    if (end <= 0 || limit === 0) return [];
    return items.slice(Math.max(0, end - limit), end).reverse();
  }

  async addToSet(key: string, member: string): Promise<void> {
    (this.typed(key, 'set') ?? this.put(key, { t: 'set', v: new Set() })).v.add(member);
  }

  async removeFromSet(key: string, member: string): Promise<void> {
    const set = this.typed(key, 'set');
    if (!set) return;
    set.v.delete(member);
    if (set.v.size === 0) this.data.delete(key);
  }

  async members(key: string): Promise<string[]> {
    return [...(this.typed(key, 'set')?.v ?? [])];
  }

  async close(): Promise<void> {
    this.closed = true;
    this.data.clear();
  }

  // A closed store behaves like an unreachable one, so callers fail closed.
  private open(): void {
    if (this.closed) throw new StoreUnavailableError(new Error('memory store is closed'));
  }

  private typed<T extends Entry['t']>(key: string, t: T): Extract<Entry, { t: T }> | undefined {
    this.open();
    const e = this.data.get(key);
    if (!e) return undefined;
    if (e.t === 'str' && e.exp !== undefined && e.exp <= this.now()) {
      this.data.delete(key);
      return undefined;
    }
    if (e.t !== t) throw new TypeError(`key ${key} holds a ${e.t}, not a ${t}`);
    return e as Extract<Entry, { t: T }>;
  }

  private str(key: string) {
    return this.typed(key, 'str');
  }

  private putStr(key: string, v: string, ttl: number | undefined): void {
    this.open();
    this.put(key, ttl === undefined ? { t: 'str', v } : { t: 'str', v, exp: this.now() + ttl });
  }

  private put<E extends Entry>(key: string, e: E): E {
    this.data.set(key, e);
    // Expired keys are dropped lazily on read; this sweep bounds memory for
    // keys written once and never read again. Sweeping after as many writes
    // as the map held last time keeps it O(1) amortised per write.
    if (++this.writesSinceSweep >= Math.max(1024, this.sizeAfterSweep)) this.sweep();
    return e;
  }

  private sweep(): void {
    this.writesSinceSweep = 0;
    const now = this.now();
    for (const [k, e] of this.data) if (e.t === 'str' && e.exp !== undefined && e.exp <= now) this.data.delete(k);
    this.sizeAfterSweep = this.data.size;
  }
}

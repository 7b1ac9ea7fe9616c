/**
 * The Store's semantics as synchronous code over a plain key → entry
 * backend. Nothing here awaits, so each call is atomic wherever it runs: in
 * one process's memory (MemoryStore) or inside one Durable Object
 * (store/durable/), whose synchronous storage API is the backend. Every
 * change is written back through `put`, so a persistent backend sees it.
 */
import type { Commit, ReserveLine, ReserveResult } from './types.ts';
import { checkDelta, checkIncrBy, checkLines, checkMaxLen, checkPage, parseAmount, ttlOf } from './validate.ts';

export type Entry =
  | { t: 'str'; v: string; exp?: number }
  | { t: 'list'; v: string[] } // oldest first; reads walk it from the end
  | { t: 'set'; v: string[] };

export interface Backend {
  get(key: string): Entry | undefined;
  put(key: string, e: Entry): void;
  delete(key: string): void;
}

const INTEGER = /^-?\d+$/;

export class StoreEngine {
  constructor(
    private readonly b: Backend,
    /** Clock in ms; injectable so TTL logic can be tested without sleeping. */
    private readonly now: () => number = () => Date.now(),
  ) {}

  get(key: string): string | null {
    return this.str(key)?.v ?? null;
  }

  set(key: string, value: string, ttlMs?: number): void {
    this.putStr(key, value, ttlOf({ ttlMs }));
  }

  delete(key: string): void {
    this.b.delete(key);
  }

  setIfAbsent(key: string, value: string, ttlMs?: number): { created: boolean; value: string } {
    const ttl = ttlOf({ ttlMs });
    const cur = this.str(key);
    if (cur) return { created: false, value: cur.v };
    this.putStr(key, value, ttl);
    return { created: true, value };
  }

  deleteIfEquals(key: string, expected: string): boolean {
    if (this.str(key)?.v !== expected) return false;
    this.b.delete(key);
    return true;
  }

  compareAndSet(key: string, expected: string | null, value: string, ttlMs?: number): boolean {
    const ttl = ttlOf({ ttlMs });
    if ((this.str(key)?.v ?? null) !== expected) return false;
    this.putStr(key, value, ttl);
    return true;
  }

  commit(c: Commit): boolean {
    const ttl = ttlOf(c);
    c.append?.forEach((a) => checkMaxLen(a.maxLen));
    if ((this.str(c.key)?.v ?? null) !== c.expected) return false;
    // Checked before any write, so a counter holding something else fails the whole commit.
    for (const k of c.bump ?? []) {
      const cur = this.str(k);
      if (cur && !INTEGER.test(cur.v)) throw new TypeError(`key ${k} does not hold an integer`);
    }
    this.putStr(c.key, c.value, ttl);
    for (const k of c.bump ?? []) this.incr(k, 1);
    for (const a of c.append ?? []) this.append(a.key, a.value, a.maxLen);
    return true;
  }

  incr(key: string, by: number, ttlMs?: number): number {
    checkIncrBy(by);
    const ttl = ttlOf({ ttlMs });
    const cur = this.str(key);
    if (cur && !INTEGER.test(cur.v)) throw new TypeError(`key ${key} does not hold an integer`);
    const next = (cur ? Number(cur.v) : 0) + by;
    if (!Number.isSafeInteger(next)) throw new RangeError(`incr: ${key} would leave the safe integer range`);
    // An existing counter keeps its window's original expiry.
    this.b.put(key, cur ? { ...cur, v: String(next) } : this.strEntry(String(next), ttl));
    return next;
  }

  reserve(lines: ReserveLine[]): ReserveResult {
    checkLines(lines);
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
      const renew = line.renewTtl && line.ttlMs !== undefined;
      this.b.put(line.key, cur && !renew ? { ...cur, v: total.toString() } : this.strEntry(total.toString(), ttlOf(line)));
    }
    return { ok: true, used };
  }

  adjust(key: string, delta: bigint): bigint {
    checkDelta(delta);
    const cur = this.str(key);
    const before = parseAmount(key, cur?.v ?? null);
    const next = before + delta < 0n ? 0n : before + delta;
    if (cur) this.b.put(key, { ...cur, v: next.toString() });
    else if (next > 0n) this.b.put(key, this.strEntry(next.toString(), undefined));
    return next;
  }

  amount(key: string): bigint {
    return parseAmount(key, this.str(key)?.v ?? null);
  }

  append(key: string, value: string, maxLen?: number): void {
    checkMaxLen(maxLen);
    const items = [...(this.typed(key, 'list')?.v ?? []), value];
    if (maxLen !== undefined && items.length > maxLen) items.splice(0, items.length - maxLen);
    this.b.put(key, { t: 'list', v: items });
  }

  range(key: string, offset: number, limit: number): string[] {
    checkPage(offset, limit);
    const items = this.typed(key, 'list')?.v ?? [];
    const end = items.length - offset; // exclusive, counted from the oldest
    if (end <= 0 || limit === 0) return [];
    return items.slice(Math.max(0, end - limit), end).reverse();
  }

  addToSet(key: string, member: string): void {
    const members = this.typed(key, 'set')?.v ?? [];
    if (!members.includes(member)) this.b.put(key, { t: 'set', v: [...members, member] });
  }

  removeFromSet(key: string, member: string): void {
    const members = this.typed(key, 'set')?.v;
    if (!members?.includes(member)) return;
    const rest = members.filter((m) => m !== member);
    if (rest.length === 0) this.b.delete(key);
    else this.b.put(key, { t: 'set', v: rest });
  }

  members(key: string): string[] {
    return [...(this.typed(key, 'set')?.v ?? [])];
  }

  /** Whether an entry has outlived its TTL (a backend can drop such entries whenever it likes). */
  expired(e: Entry): boolean {
    return e.t === 'str' && e.exp !== undefined && e.exp <= this.now();
  }

  private typed<T extends Entry['t']>(key: string, t: T): Extract<Entry, { t: T }> | undefined {
    const e = this.b.get(key);
    if (!e) return undefined;
    if (this.expired(e)) {
      this.b.delete(key);
      return undefined;
    }
    if (e.t !== t) throw new TypeError(`key ${key} holds a ${e.t}, not a ${t}`);
    return e as Extract<Entry, { t: T }>;
  }

  private str(key: string) {
    return this.typed(key, 'str');
  }

  private strEntry(v: string, ttl: number | undefined): Entry {
    return ttl === undefined ? { t: 'str', v } : { t: 'str', v, exp: this.now() + ttl };
  }

  private putStr(key: string, v: string, ttl: number | undefined): void {
    this.b.put(key, this.strEntry(v, ttl));
  }
}

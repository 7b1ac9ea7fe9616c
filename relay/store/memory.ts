/**
 * Embedded default store: one process, no dependencies. The engine runs each
 * call synchronously inside its promise, so each is atomic with respect to
 * the others without locks. Platform-free (test/relay/layout.test.ts bundles it).
 */
import { StoreUnavailableError } from '../errors/base.ts';
import { StoreEngine, type Entry } from './engine.ts';
import type { Commit, ReserveLine, ReserveResult, Store, TtlOptions } from './types.ts';

export interface MemoryStoreOptions {
  /** Clock in ms; injectable so TTL logic can be tested without sleeping. */
  now?: () => number;
}

export class MemoryStore implements Store {
  readonly kind = 'memory';
  private readonly data = new Map<string, Entry>();
  private readonly engine: StoreEngine;
  private closed = false;
  private writesSinceSweep = 0;
  private sizeAfterSweep = 0;

  constructor(opts: MemoryStoreOptions = {}) {
    this.engine = new StoreEngine(
      {
        get: (k) => this.data.get(k),
        put: (k, e) => this.put(k, e),
        delete: (k) => void this.data.delete(k),
      },
      opts.now,
    );
  }

  async ping(): Promise<void> {
    this.open();
  }

  async get(key: string) {
    return this.open().get(key);
  }
  async set(key: string, value: string, opts?: TtlOptions) {
    this.open().set(key, value, opts?.ttlMs);
  }
  async delete(key: string) {
    this.open().delete(key);
  }
  async setIfAbsent(key: string, value: string, opts?: TtlOptions) {
    return this.open().setIfAbsent(key, value, opts?.ttlMs);
  }
  async deleteIfEquals(key: string, expected: string) {
    return this.open().deleteIfEquals(key, expected);
  }
  async compareAndSet(key: string, expected: string | null, value: string, opts?: TtlOptions) {
    return this.open().compareAndSet(key, expected, value, opts?.ttlMs);
  }
  async commit(c: Commit) {
    return this.open().commit(c);
  }
  async incr(key: string, by: number, opts?: TtlOptions) {
    return this.open().incr(key, by, opts?.ttlMs);
  }
  async reserve(lines: ReserveLine[]): Promise<ReserveResult> {
    return this.open().reserve(lines);
  }
  async adjust(key: string, delta: bigint) {
    return this.open().adjust(key, delta);
  }
  async amount(key: string) {
    return this.open().amount(key);
  }
  async append(key: string, value: string, maxLen?: number) {
    this.open().append(key, value, maxLen);
  }
  async range(key: string, offset: number, limit: number) {
    return this.open().range(key, offset, limit);
  }
  async addToSet(key: string, member: string) {
    this.open().addToSet(key, member);
  }
  async removeFromSet(key: string, member: string) {
    this.open().removeFromSet(key, member);
  }
  async members(key: string) {
    return this.open().members(key);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.data.clear();
  }

  /** A closed store behaves like an unreachable one, so callers fail closed. */
  private open(): StoreEngine {
    if (this.closed) throw new StoreUnavailableError(new Error('memory store is closed'));
    return this.engine;
  }

  private put(key: string, e: Entry): void {
    this.data.set(key, e);
    // Expired keys are dropped lazily on read; this sweep bounds memory for
    // keys written once and never read again. Sweeping after as many writes
    // as the map held last time keeps it O(1) amortised per write.
    if (++this.writesSinceSweep >= Math.max(1024, this.sizeAfterSweep)) {
      this.writesSinceSweep = 0;
      for (const [k, x] of this.data) if (this.engine.expired(x)) this.data.delete(k);
      this.sizeAfterSweep = this.data.size;
    }
  }
}

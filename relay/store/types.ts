/**
 * The one state interface behind the relay: relayer leases, nonce caches,
 * tracking records, idempotency, quotas, budgets, policies and the audit log
 * are all built on these primitives. Implementations: memory (embedded
 * default) and Redis (shared between relay instances); each must pass
 * test/store/conformance.ts unchanged, and so must any later one.
 *
 * Rules every implementation follows:
 * - Each method is atomic on its own; multi-key methods (`reserve`) are
 *   all-or-nothing.
 * - A failure to reach the backing service throws StoreUnavailableError
 *   (relay/errors/base.ts) so callers fail closed. Nothing else is thrown for I/O.
 * - Amounts are bigints and exact up to 2^128 (fees are u128 on Starknet).
 * - TTLs are in milliseconds; a key past its TTL reads as absent.
 */
export interface Store {
  readonly kind: string;

  /** Resolves when the backing service answers; throws StoreUnavailableError otherwise. */
  ping(): Promise<void>;

  get(key: string): Promise<string | null>;
  set(key: string, value: string, opts?: TtlOptions): Promise<void>;
  delete(key: string): Promise<void>;

  /** Writes only when the key is absent. Returns the value now stored. */
  setIfAbsent(key: string, value: string, opts?: TtlOptions): Promise<{ created: boolean; value: string }>;

  /** Deletes only when the stored value equals `expected` (lease release by its owner). */
  deleteIfEquals(key: string, expected: string): Promise<boolean>;

  /** Replaces only when the stored value equals `expected` (`null` = absent). */
  compareAndSet(key: string, expected: string | null, value: string, opts?: TtlOptions): Promise<boolean>;

  /**
   * compareAndSet plus what must happen with it or not at all: bump
   * counters by 1 and append list entries (trimmed to `maxLen`). Returns
   * whether the write happened; when it didn't, nothing changed.
   */
  commit(c: Commit): Promise<boolean>;

  /**
   * Adds `by` to an integer counter and returns the new value. The TTL is
   * applied only when this call creates the counter (fixed windows).
   */
  incr(key: string, by: number, opts?: TtlOptions): Promise<number>;

  /**
   * All-or-nothing reservation against several limits at once (global,
   * per-user, per-policy budgets). Succeeds only if, for every line,
   * used + amount <= limit; then adds every amount. On refusal nothing
   * changes and `blocking` names the first line that would overflow.
   */
  reserve(lines: ReserveLine[]): Promise<ReserveResult>;

  /** Adds `delta` (may be negative) to an amount counter, clamping at 0. Returns the new value. */
  adjust(key: string, delta: bigint): Promise<bigint>;

  /** Reads an amount counter (0n when absent). */
  amount(key: string): Promise<bigint>;

  /** Appends to a list, trimming the oldest entries beyond `maxLen`. */
  append(key: string, value: string, maxLen?: number): Promise<void>;
  /** Newest-first page of a list. */
  range(key: string, offset: number, limit: number): Promise<string[]>;

  addToSet(key: string, member: string): Promise<void>;
  removeFromSet(key: string, member: string): Promise<void>;
  members(key: string): Promise<string[]>;

  close(): Promise<void>;
}

export interface Commit {
  key: string;
  /** `null` = the key must be absent. */
  expected: string | null;
  value: string;
  ttlMs?: number;
  bump?: string[];
  append?: { key: string; value: string; maxLen?: number }[];
}

export interface TtlOptions {
  ttlMs?: number;
}

export interface ReserveLine {
  key: string;
  amount: bigint;
  limit: bigint;
  /** Applied when the line's counter is created (budget periods). */
  ttlMs?: number;
  /**
   * Re-applies ttlMs on every successful reserve instead (holds): a counter
   * of things in flight must outlive the newest of them, not the first.
   */
  renewTtl?: boolean;
}

export type ReserveResult =
  | { ok: true; used: bigint[] }
  | { ok: false; blocking: number; used: bigint; limit: bigint };

/**
 * Policy rate limits: rate-limiter-flexible makes the decisions (points,
 * consume/reward/get, "consumed > points" rejects), and this subclass of its
 * store-agnostic base keeps the counters in our Store, so the same limiter
 * runs on every Store implementation with no backend-specific code.
 *
 * Windows are aligned to multiples of the duration since the epoch (like
 * policy periods), not started by the first hit: every relay instance then
 * derives the same counter key and the same reset time from the clock alone,
 * and Store.incr (which only returns the new count, not the TTL) is enough.
 *
 * `sliding` is the two-window weighted estimate (previous window's count
 * scaled by how much of it still overlaps the sliding interval, plus the
 * current count). It is exact when the previous window's requests were
 * evenly spread and otherwise an approximation; it never needs a log of
 * timestamps, which the Store interface cannot hold atomically.
 */
import RateLimiterStoreAbstract from 'rate-limiter-flexible/lib/RateLimiterStoreAbstract.js';
import RateLimiterResClass from 'rate-limiter-flexible/lib/RateLimiterRes.js';
import type { RateLimiterRes } from 'rate-limiter-flexible';
import { Keys } from '../../store/keys.ts';
import type { Store } from '../../store/types.ts';

export type RateWindow = 'fixed' | 'sliding';

export interface StoreRateLimiterOptions {
  store: Store;
  points: number;
  durationSeconds: number;
  window?: RateWindow;
  /** Prepended (with ':') to every key by rate-limiter-flexible. Default Keys.rateLimitPrefix. */
  keyPrefix?: string;
}

/**
 * Per-call options (rate-limiter-flexible passes them through to the store
 * methods). `at` pins the window to the caller's clock, so a consume and its
 * undo always hit the same window, and tests can move time.
 */
export interface LimiterCallOptions {
  /** Unix seconds; defaults to the wall clock. */
  at?: number;
}

/** What `_upsert`/`_get` hand to `_getRateLimiterRes`: the store result in limiter terms. */
interface WindowState {
  consumed: number;
  msBeforeNext: number;
  first: boolean;
}

interface Window {
  start: number;
  end: number;
  length: number;
}

const nowMs = (options?: LimiterCallOptions): number => (typeof options?.at === 'number' ? options.at * 1000 : Date.now());

export class StoreRateLimiter extends RateLimiterStoreAbstract {
  readonly window: RateWindow;
  private readonly store: Store;

  constructor(opts: StoreRateLimiterOptions) {
    // duration 0 means "never resets" to rate-limiter-flexible; a window needs a length.
    if (!Number.isSafeInteger(opts.durationSeconds) || opts.durationSeconds <= 0) {
      throw new RangeError(`durationSeconds must be a positive integer, got ${opts.durationSeconds}`);
    }
    super({ storeClient: opts.store, points: opts.points, duration: opts.durationSeconds, keyPrefix: opts.keyPrefix ?? Keys.rateLimitPrefix });
    this.store = opts.store;
    this.window = opts.window ?? 'fixed';
  }

  // The methods below are the store contract rate-limiter-flexible's base class calls.

  async _upsert(rlKey: string, points: number, _msDuration: number, forceExpire = false, options?: LimiterCallOptions): Promise<WindowState> {
    const now = nowMs(options);
    const w = this.windowAt(now);
    // Twice the window: a counter must outlive its window to serve as `previous` for sliding limits.
    const ttlMs = 2 * w.length;
    let cur: number;
    if (forceExpire) {
      // set()/block(): the value lands in the current window; windows are never stretched.
      await this.store.set(this.counterKey(rlKey, w.start), String(points), { ttlMs });
      cur = points;
    } else {
      cur = await this.store.incr(this.counterKey(rlKey, w.start), points, { ttlMs });
    }
    const prev = this.window === 'sliding' ? ((await this.readCount(this.counterKey(rlKey, w.start - w.length))) ?? 0) : 0;
    return this.state(now, w, cur, prev, !forceExpire && cur === points);
  }

  async _get(rlKey: string, options?: LimiterCallOptions): Promise<WindowState | null> {
    const now = nowMs(options);
    const w = this.windowAt(now);
    // Both windows at once: on Redis they travel as one MGET (store/redis/getBatch.ts).
    const [cur, prev] = await Promise.all([
      this.readCount(this.counterKey(rlKey, w.start)),
      this.window === 'sliding' ? this.readCount(this.counterKey(rlKey, w.start - w.length)) : null,
    ]);
    if (cur === null && prev === null) return null;
    return this.state(now, w, cur ?? 0, prev ?? 0, false);
  }

  async _delete(rlKey: string, options?: LimiterCallOptions): Promise<boolean> {
    const w = this.windowAt(nowMs(options));
    const keys = [this.counterKey(rlKey, w.start)];
    if (this.window === 'sliding') keys.push(this.counterKey(rlKey, w.start - w.length));
    const existed = await Promise.all(keys.map((k) => this.store.get(k)));
    await Promise.all(keys.map((k) => this.store.delete(k)));
    return existed.some((v) => v !== null);
  }

  _getRateLimiterRes(_rlKey: string, _changedPoints: number, s: WindowState): RateLimiterRes {
    const remaining = Math.max(0, Math.floor(this.points - s.consumed));
    return new RateLimiterResClass(remaining, s.msBeforeNext, s.consumed, s.first);
  }

  private windowAt(now: number): Window {
    const length = this.duration * 1000;
    const start = now - (((now % length) + length) % length);
    return { start, end: start + length, length };
  }

  private counterKey(rlKey: string, windowStart: number): string {
    return `${rlKey}@${windowStart}`;
  }

  private readCount(key: string): Promise<number | null> {
    return this.store.get(key).then((raw) => {
      if (raw === null) return null;
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new TypeError(`rate limit counter ${key} holds ${raw}`);
      return n;
    });
  }

  private state(now: number, w: Window, cur: number, prev: number, first: boolean): WindowState {
    // A reward racing a window change can leave a counter below zero; it never grants extra points.
    const c = Math.max(0, cur);
    const elapsed = now - w.start;
    // Multiply before dividing: 1 - e/d is inexact in floating point (1 - 0.7 = 0.30000000000000004).
    const consumed = this.window === 'sliding' ? c + (prev * (w.length - elapsed)) / w.length : c;
    const blocked = consumed + 1 > this.points;
    const msBeforeNext = blocked && this.window === 'sliding' ? this.slidingWait(c, prev, elapsed, w.length) : w.end - now;
    return { consumed, msBeforeNext, first };
  }

  /** Milliseconds until the weighted estimate leaves room for one more point, assuming no new traffic. */
  private slidingWait(cur: number, prev: number, elapsed: number, length: number): number {
    const room = this.points - 1 - cur;
    if (room >= 0) {
      // Only the previous window's share is in the way, and it decays linearly.
      return prev === 0 ? 0 : Math.max(0, Math.ceil((length * (prev - room)) / prev - elapsed));
    }
    // The current window alone is over: wait for it to become the (decaying) previous one.
    return Math.ceil(length - elapsed + (length * (cur - (this.points - 1))) / cur);
  }
}

export const isRateLimiterRes = (e: unknown): e is RateLimiterRes => e instanceof RateLimiterResClass;

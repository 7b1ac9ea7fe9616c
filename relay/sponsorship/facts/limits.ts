/**
 * A policy's rate limits as a group: read them as facts before evaluating,
 * consume them after an allow at execute. Limiters are shared per limit
 * shape (points, duration, window); the key alone tells subjects apart.
 */
import type { RateLimitState, RateLimitUse } from '../../../policies/index.ts';
import type { Store } from '../../store/types.ts';
import { isRateLimiterRes, StoreRateLimiter } from './rateLimit.ts';

/** A RateLimitUse whose key already carries the tenant namespace. */
export type ScopedRateLimit = Pick<RateLimitUse, 'points' | 'durationSeconds' | 'window' | 'key' | 'cost' | 'index'>;

export type ConsumeOutcome =
  /** `used`: each limit's points used in its window with this consume, index-aligned with the limits. */
  | { ok: true; undo: () => Promise<void>; used: number[] }
  | { ok: false; index: number; msBeforeNext: number };

const MAX_SHAPES = 256;

export class PolicyLimiters {
  private readonly limiters = new Map<string, StoreRateLimiter>();

  constructor(private readonly store: Store) {}

  limiter(l: Pick<ScopedRateLimit, 'points' | 'durationSeconds' | 'window'>): StoreRateLimiter {
    const id = `${l.points}/${l.durationSeconds}/${l.window}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = new StoreRateLimiter({ store: this.store, points: l.points, durationSeconds: l.durationSeconds, window: l.window });
      // Tenants choose the shapes; a limiter holds no state of its own, so the oldest can go.
      if (this.limiters.size >= MAX_SHAPES) this.limiters.delete(this.limiters.keys().next().value!);
      this.limiters.set(id, limiter);
    }
    return limiter;
  }

  /** State before this request, index-aligned with `limits`; an unused key has every point left. */
  read(limits: readonly ScopedRateLimit[], at: number): Promise<RateLimitState[]> {
    return Promise.all(
      limits.map(async (l) => {
        const res = await this.limiter(l).get(l.key, { at });
        return res === null
          ? { remainingPoints: l.points, msBeforeNext: 0 }
          : { remainingPoints: res.remainingPoints, msBeforeNext: res.msBeforeNext };
      }),
    );
  }

  /**
   * Consumes every limit or none. rate-limiter-flexible counts a rejected
   * consume too; the rejected points and those already taken from earlier
   * limits are rewarded back, so a refused request leaves no trace and a
   * concurrent request that lost the race does not starve the next one.
   */
  async consume(limits: readonly ScopedRateLimit[], at: number): Promise<ConsumeOutcome> {
    const taken: ScopedRateLimit[] = [];
    const used: number[] = [];
    const undo = async () => {
      await Promise.all(taken.map((l) => this.limiter(l).reward(l.key, l.cost, { at })));
    };
    for (const l of limits) {
      try {
        taken.push(l);
        used.push((await this.limiter(l).consume(l.key, l.cost, { at })).consumedPoints);
      } catch (e) {
        if (!isRateLimiterRes(e)) {
          // The store failed mid-way: it may not have counted this consume, so only undo the earlier ones.
          taken.pop();
          await undo().catch(() => undefined);
          throw e;
        }
        await undo();
        return { ok: false, index: l.index, msBeforeNext: e.msBeforeNext };
      }
    }
    return { ok: true, undo, used };
  }
}

/**
 * rate-limiter-flexible over our Store, as one suite every Store runs (memory
 * and Redis in rate-limit.test.ts, Durable Objects inside workerd in
 * test/edge/rate-limit.workerd.test.ts): the limiter's own API (consume, get,
 * reward, delete), aligned fixed windows, the sliding estimate, the
 * all-or-nothing group consume, and store failures. No Node-only imports.
 */
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../../relay/errors/base.ts';
import { PolicyLimiters } from '../../../relay/sponsorship/facts/limits.ts';
import { isRateLimiterRes, StoreRateLimiter } from '../../../relay/sponsorship/facts/rateLimit.ts';
import type { Store } from '../../../relay/store/types.ts';

/** The suite's clock origin (unix s), aligned to every window it uses. */
export const T0 = 1_700_006_400;

const rejection = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

export function runRateLimitSuite(name: string, fresh: () => Promise<Store>): void {
describe(`StoreRateLimiter on ${name}`, () => {

  it('counts a fixed window aligned to the duration and resets at its end', async () => {
    const store = await fresh();
    const rl = new StoreRateLimiter({ store, points: 3, durationSeconds: 60 });
    expect(await rl.get('k', { at: T0 })).toBeNull();
    const first = await rl.consume('k', 1, { at: T0 + 10 });
    expect(first).toMatchObject({ remainingPoints: 2, consumedPoints: 1, msBeforeNext: 50_000, isFirstInDuration: true });
    await rl.consume('k', 2, { at: T0 + 20 });
    const over = await rejection(rl.consume('k', 1, { at: T0 + 30 }));
    expect(isRateLimiterRes(over)).toBe(true);
    expect(over).toMatchObject({ remainingPoints: 0, msBeforeNext: 30_000 });
    // A second limiter (another relay instance) derives the same window from the clock.
    const twin = new StoreRateLimiter({ store, points: 3, durationSeconds: 60 });
    expect(await twin.get('k', { at: T0 + 59 })).toMatchObject({ remainingPoints: 0, msBeforeNext: 1_000 });
    expect(await twin.get('k', { at: T0 + 60 })).toBeNull();
    await expect(twin.consume('k', 3, { at: T0 + 60 })).resolves.toMatchObject({ remainingPoints: 0 });
  });

  it('gives points back with reward and forgets a key with delete', async () => {
    const rl = new StoreRateLimiter({ store: await fresh(), points: 2, durationSeconds: 60 });
    await rl.consume('k', 2, { at: T0 });
    await rl.reward('k', 1, { at: T0 });
    expect(await rl.get('k', { at: T0 })).toMatchObject({ remainingPoints: 1, consumedPoints: 1 });
    expect(await rl.delete('k', { at: T0 })).toBe(true);
    expect(await rl.get('k', { at: T0 })).toBeNull();
    expect(await rl.delete('k', { at: T0 })).toBe(false);
  });

  it('estimates a sliding window from the previous and current counts', async () => {
    const rl = new StoreRateLimiter({ store: await fresh(), points: 10, durationSeconds: 60, window: 'sliding' });
    await rl.consume('k', 10, { at: T0 + 30 });
    expect(isRateLimiterRes(await rejection(rl.consume('k', 1, { at: T0 + 59 })))).toBe(true);
    await rl.reward('k', 1, { at: T0 + 59 });
    // 15 s into the next window, 3/4 of the previous 10 still count: 7.5 used, 2 whole points left.
    expect(await rl.get('k', { at: T0 + 75 })).toMatchObject({ remainingPoints: 2, consumedPoints: 7.5 });
    await rl.consume('k', 2, { at: T0 + 75 });
    const blocked = await rejection(rl.consume('k', 1, { at: T0 + 75 }));
    expect(blocked).toMatchObject({ remainingPoints: 0 });
    await rl.reward('k', 1, { at: T0 + 75 });
    // Room for one more once 10 * (1 - e/60) + 2 <= 9, i.e. e >= 18: 3 s after T0 + 75.
    expect(await rl.get('k', { at: T0 + 75 })).toMatchObject({ msBeforeNext: 3_000 });
    await expect(rl.consume('k', 1, { at: T0 + 78 })).resolves.toMatchObject({ remainingPoints: 0 });
    // Two windows later nothing is left of either count.
    expect(await rl.get('k', { at: T0 + 180 })).toBeNull();
  });

  it('surfaces store failures as errors, never as a rate-limit answer', async () => {
    const store = await fresh();
    const rl = new StoreRateLimiter({ store, points: 2, durationSeconds: 60 });
    await store.close();
    const e = await rejection(rl.consume('k', 1, { at: T0 }));
    expect(e).toBeInstanceOf(StoreUnavailableError);
    await expect(rl.get('k', { at: T0 })).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('consumes a group of limits all or nothing', async () => {
    const store = await fresh();
    const limiters = new PolicyLimiters(store);
    const loose = { points: 10, durationSeconds: 60, window: 'fixed' as const, key: 'a', cost: 1, index: 0 };
    const tight = { points: 1, durationSeconds: 60, window: 'fixed' as const, key: 'b', cost: 1, index: 1 };
    const first = await limiters.consume([loose, tight], T0);
    expect(first.ok).toBe(true);
    const second = await limiters.consume([loose, tight], T0);
    expect(second).toEqual({ ok: false, index: 1, msBeforeNext: 60_000 });
    expect(await limiters.read([loose, tight], T0)).toEqual([
      { remainingPoints: 9, msBeforeNext: 60_000 },
      { remainingPoints: 0, msBeforeNext: 60_000 },
    ]);
    if (first.ok) await first.undo();
    expect(await limiters.read([loose, tight], T0)).toEqual([
      { remainingPoints: 10, msBeforeNext: 60_000 },
      { remainingPoints: 1, msBeforeNext: 60_000 },
    ]);
  });
});
}

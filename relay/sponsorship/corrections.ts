/**
 * Corrections to counters (a release, a settlement below the reservation)
 * that the store certainly did not apply because it was down: without them a
 * store outage would leave every reservation it cut off counted at its worst
 * case until the period ends (the reliability suite saw ~15 per Redis kill at
 * 20 in flight: requests waiting for a relayer when Redis died). Kept in this
 * instance's memory and applied once the store answers again, before the next
 * reservation. Only a store error marked `unapplied` (never sent, or refused
 * before running) is kept: repeating anything else could count it twice.
 */
import { StoreUnavailableError } from '../errors/base.ts';
import type { Store } from '../store/types.ts';

/** Bounds the memory an outage can take; past it, corrections are lost (over-counting: the safe side). */
const MAX_KEPT = 10_000;

export class DeferredCorrections {
  private readonly kept: { key: string; delta: bigint }[] = [];
  private flushing = false;

  constructor(private readonly store: Store) {}

  get size(): number {
    return this.kept.length;
  }

  /** store.adjust, remembering it if the store certainly did not apply it; rethrows either way. */
  async adjust(key: string, delta: bigint): Promise<void> {
    try {
      await this.store.adjust(key, delta);
    } catch (e) {
      if (e instanceof StoreUnavailableError && e.unapplied && this.kept.length < MAX_KEPT) this.kept.push({ key, delta });
      throw e;
    }
  }

  /** Applies what was kept, oldest first; one pass at a time, stopping while the store is still down. */
  async flush(): Promise<void> {
    if (this.flushing || this.kept.length === 0) return;
    this.flushing = true;
    try {
      while (this.kept.length > 0) {
        const c = this.kept[0]!;
        try {
          await this.store.adjust(c.key, c.delta);
        } catch (e) {
          if (e instanceof StoreUnavailableError && e.unapplied) return;
          // Applied or not is unknown now: dropped, since applying it twice would under-count.
        }
        this.kept.shift();
      }
    } finally {
      this.flushing = false;
    }
  }
}

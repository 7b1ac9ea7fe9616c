/**
 * Fixed accounting windows for tiers and budgets. Windows are aligned to the
 * period start (UTC midnight, ISO Monday, first of the month, or multiples of
 * N seconds since the epoch) so every relay instance derives the same counter
 * key for the same instant without coordinating.
 */
import type { Period } from './primitives.ts';

export interface PeriodWindow {
  /** Unix seconds, inclusive. */
  start: number;
  /** Unix seconds, exclusive. */
  end: number;
}

const DAY = 86_400;

export function periodWindow(period: Period, now: number): PeriodWindow {
  if (!Number.isFinite(now)) throw new RangeError(`now must be unix seconds, got ${now}`);
  const t = Math.floor(now);
  switch (period) {
    case 'day':
      return aligned(t, DAY);
    case 'week': {
      // 1970-01-01 was a Thursday: shift by 3 days so weeks start on Monday (ISO 8601).
      const days = Math.floor(t / DAY);
      const start = (days - mod(days + 3, 7)) * DAY;
      return { start, end: start + 7 * DAY };
    }
    case 'month': {
      // Calendar months, not 30-day blocks: "per month" quotas are read that way by customers.
      const d = new Date(t * 1000);
      const y = d.getUTCFullYear();
      const m = d.getUTCMonth();
      return { start: Date.UTC(y, m, 1) / 1000, end: Date.UTC(y, m + 1, 1) / 1000 };
    }
    default:
      return aligned(t, period);
  }
}

/** Human label for messages: "day", "week", "month" or "3600s". */
export function periodLabel(period: Period): string {
  return typeof period === 'number' ? `${period}s` : period;
}

function aligned(t: number, seconds: number): PeriodWindow {
  const start = t - mod(t, seconds);
  return { start, end: start + seconds };
}

// `%` keeps the dividend's sign; pre-epoch instants still need a non-negative offset.
function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/**
 * A UTC day range from a query (`from`, `to`, YYYY-MM-DD): what usage,
 * usage by sender and refusals all read the same way, with the same limits.
 */
import { invalidInput } from '../errors/issues.ts';
import { dayOf } from '../store/keys.ts';

export const MAX_DAYS = 92;
const DAY_MS = 86_400_000;

/** Midnight UTC of a YYYY-MM-DD day, or undefined for a day that does not exist (2025-02-30). */
function dayStart(day: string): number | undefined {
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day ? undefined : ms;
}

/** The days from..to inclusive (default: today), or a 400 naming the bad bound. */
export function dayRange(q: { from?: string | undefined; to?: string | undefined }): { from: string; to: string; days: string[] } {
  const from = q.from ?? q.to ?? dayOf(Date.now() / 1000);
  const to = q.to ?? from;
  const start = dayStart(from);
  const end = dayStart(to);
  if (start === undefined) throw invalidInput('invalid_request', [{ path: 'query.from', message: `no such day '${from}'` }]);
  if (end === undefined) throw invalidInput('invalid_request', [{ path: 'query.to', message: `no such day '${to}'` }]);
  if (end < start) throw invalidInput('invalid_request', [{ path: 'query.to', message: 'must not be before from' }]);
  const n = (end - start) / DAY_MS + 1;
  if (n > MAX_DAYS) throw invalidInput('invalid_request', [{ path: 'query.from', message: `at most ${MAX_DAYS} days per request` }]);
  return { from, to, days: Array.from({ length: n }, (_, i) => new Date(start + i * DAY_MS).toISOString().slice(0, 10)) };
}

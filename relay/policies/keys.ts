/**
 * Store keys owned by the policy runtime. policies/runtime.ts derives the
 * policy-relative suffixes (`policy:<id>:…`, with the period start in them so
 * periods reset by changing key); here they get a tenant namespace, so two
 * tenants sharing a policy id never share a counter, and the usage keys the
 * admin API reads are defined next to the code that writes them.
 */
import { normalizeFelt } from '../../policies/index.ts';

/** Every counter a tenant's policies use lives under this prefix. */
export const tenantKey = (tenantId: string, suffix: string): string => `sponsor:${tenantId}:${suffix}`;

/**
 * Reservation lines carry only {key, amount}, so a line's kind is read from
 * its key: counters of transactions end in `:txs` (runtime.ts names tier tx
 * counters that way, usage keys below follow), everything else counts fri.
 * Settlement corrects fee lines to the actual fee and leaves count lines.
 */
export const isCountKey = (key: string): boolean => key.endsWith(':txs');

/** UTC calendar day of a unix time, the granularity of usage accounting. */
export function dayOf(unixSeconds: number): string {
  return new Date(Math.floor(unixSeconds) * 1000).toISOString().slice(0, 10);
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export type UsageScope = { kind: 'tenant' } | { kind: 'policy'; id: string } | { kind: 'sender'; address: string };

/** Counter pair for one usage scope and day: transactions relayed and sponsored fee (fri). */
export function usageKeys(tenantId: string, day: string, scope: UsageScope): { txs: string; fee: string } {
  if (!DAY_RE.test(day)) throw new RangeError(`day must be YYYY-MM-DD, got ${day}`);
  const who =
    scope.kind === 'tenant'
      ? 'all'
      : scope.kind === 'policy'
        ? `policy:${scope.id}`
        : `sender:${normalizeFelt(scope.address) ?? scope.address}`;
  const base = `usage:${tenantId}:${day}:${who}`;
  return { txs: `${base}:txs`, fee: `${base}:fee` };
}

/** Usage is kept a little over a year so the admin API can answer year-on-year questions. */
export const USAGE_RETENTION_MS = 400 * 86_400_000;

/**
 * Refusals counted per tenant, UTC day, policy, rule and reason: what the
 * console's "refusals by rule and reason" reads. A counter per combination
 * and day (expiring), plus a capped list of the combinations seen, written
 * only when a day's counter is created; so a read never scans keys and a
 * tenant's share of the Store stays bounded however many refusals come.
 *
 * Counting is best effort: it runs after the decision, and a Store hiccup
 * while counting must never turn into a different answer to the caller.
 */
import type { RelayError } from '../errors/base.ts';
import { dayOf, Keys, TTL } from '../store/keys.ts';
import type { Store } from '../store/types.ts';

/** Distinct (day, policy, rule, reason) combinations kept in the index. */
const MAX_INDEX = 2_000;
/** Refusals that no policy decided (a safeguard, no policy at all) are filed under this. */
export const NO_POLICY = '-';

export interface RefusalCount {
  day: string;
  policy: string;
  rule: string;
  reason: string;
  count: number;
}

/** Key segments are [A-Za-z0-9_.[\]-]; anything else (never expected) is replaced, so `:` and `|` stay separators. */
const seg = (s: string): string => s.replace(/[^A-Za-z0-9_.[\]-]/g, '_').slice(0, 64);

/** The policy and rule a refusal names: `-` when no policy decided, rule `safeguard` for the operator's safeguards. */
export function refusalLabels(err: RelayError): { policy: string; rule: string } {
  const data = (err.data ?? {}) as { policy?: unknown; rule?: unknown };
  const policy = typeof data.policy === 'string' ? data.policy : NO_POLICY;
  // Policy refusals carry `policy` (null when none applied); operator safeguards carry none.
  const rule = typeof data.rule === 'string' ? data.rule : 'policy' in data ? NO_POLICY : 'safeguard';
  return { policy, rule };
}

export class RefusalLog {
  constructor(private readonly store: Store) {}

  /** Counts one refusal at unix time `at`; never throws. */
  async record(tenantId: string, err: RelayError, at: number): Promise<void> {
    const { policy, rule } = refusalLabels(err);
    const who = `${seg(policy)}|${seg(rule)}|${seg(err.reason)}`;
    const day = dayOf(at);
    try {
      const n = await this.store.incr(Keys.refusals(tenantId, day, who), 1, { ttlMs: TTL.refusals });
      if (n === 1) await this.store.append(Keys.refusalIndex(tenantId), `${day} ${who}`, MAX_INDEX);
    } catch {
      // Uncounted is better than a refusal answered with a different error.
    }
  }

  /** Counts for the days from..to (YYYY-MM-DD, inclusive), most refused first. */
  async counts(tenantId: string, from: string, to: string): Promise<RefusalCount[]> {
    const index = await this.store.range(Keys.refusalIndex(tenantId), 0, MAX_INDEX);
    const wanted = [...new Set(index)].flatMap((entry) => {
      const [day, who] = entry.split(' ');
      if (!day || !who || day < from || day > to) return [];
      const [policy = NO_POLICY, rule = NO_POLICY, reason = 'unknown'] = who.split('|');
      return [{ day, who, policy, rule, reason }];
    });
    const rows = await Promise.all(
      wanted.map(async (w) => ({ day: w.day, policy: w.policy, rule: w.rule, reason: w.reason, count: Number(await this.store.amount(Keys.refusals(tenantId, w.day, w.who))) })),
    );
    return rows.filter((r) => r.count > 0).sort((a, b) => b.count - a.count || (a.day < b.day ? 1 : a.day > b.day ? -1 : 0));
  }
}

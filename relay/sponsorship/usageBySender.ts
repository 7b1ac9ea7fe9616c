/**
 * Usage per user per day, for the admin API's listing. Each day's per-sender
 * counters already exist (ledger.ts); what was missing is which senders had
 * any, without scanning keys. The ledger notes a (day, sender) pair the
 * moment a sender's day counter is created (ledger.ts), in a capped list per tenant, so
 * a tenant's share of the Store stays bounded and a read is one list.
 */
import { Keys } from '../store/keys.ts';
import type { Store } from '../store/types.ts';
import { MAX_SENDER_DAYS, usageKeys } from './ledger.ts';

export interface SenderDay {
  day: string;
  sender: string;
  txs: number;
  /** Sponsored fee, fri. */
  fee: bigint;
}

/** Every sender's usage per day from..to (inclusive), newest day first, then by fee. */
export async function usageBySender(store: Store, tenantId: string, from: string, to: string, limit: number): Promise<{ rows: SenderDay[]; truncated: boolean }> {
  const listed = await store.range(Keys.usageSenders(tenantId), 0, MAX_SENDER_DAYS);
  const pairs = [...new Set(listed)]
    .map((e) => e.split(' ') as [string, string])
    .filter(([day, sender]) => sender !== undefined && day >= from && day <= to);
  const rows = await Promise.all(
    pairs.map(async ([day, sender]) => {
      const k = usageKeys(tenantId, day, { kind: 'sender', address: sender });
      const [txs, fee] = await Promise.all([store.amount(k.txs), store.amount(k.fee)]);
      return { day, sender, txs: Number(txs), fee };
    }),
  );
  // A transaction that never landed gives its count back: such a pair lists nothing.
  const sorted = rows.filter((r) => r.txs > 0 || r.fee > 0n).sort((a, b) => (a.day !== b.day ? (a.day < b.day ? 1 : -1) : b.fee > a.fee ? 1 : b.fee < a.fee ? -1 : 0));
  return { rows: sorted.slice(0, limit), truncated: sorted.length > limit };
}

/**
 * An account's safeguard marks, for the operator: the holds of its
 * transactions in flight (the Paymaster quota's, the payment's, through every
 * tenant) and its revert counts. A mark whose transaction is gone but was
 * never given back (a correction lost in a store outage, bookkeeping that
 * failed after submission) refuses the account until its TTL, ~26 h
 * (store/keys.ts holdTtlMs); a sender paused for reverts waits a day. The
 * operator, who pays for what the marks prevent, may clear them.
 *
 * Clearing subtracts what was read, never more: a hold taken between the read
 * and the clear stays counted, and a revert count that moved is left alone.
 * Whether a tracked transaction of the account can still land is the
 * caller's question (admin/routes/accounts.ts asks execution): a hold with a
 * transaction behind it is what stops concurrent sends reverting on our gas.
 */
import { Keys } from '../store/keys.ts';
import type { Store } from '../store/types.ts';
import { REVERT_LIMIT } from './safeguards.ts';

export interface AccountMarks {
  account: string;
  holds: { quota: bigint; payment: bigint; tenants: { tenant: string; payment: bigint }[] };
  reverts: { account: number; tenants: { tenant: string; reverts: number }[]; paused: boolean };
}

export interface ClearWhat {
  holds: boolean;
  reverts: boolean;
}

const count = (raw: string | null): number => {
  const n = Number(raw ?? 0);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
};

interface Raw {
  marks: AccountMarks;
  revertRaw: { key: string; raw: string | null }[];
}

async function read(store: Store, tenantIds: readonly string[], account: string): Promise<Raw> {
  const revertKeys = [Keys.accountReverts(account), ...tenantIds.map((t) => Keys.reverts(t, account))];
  const [quota, payment, tenantPayments, reverts] = await Promise.all([
    store.amount(Keys.quotaHold(account)),
    store.amount(Keys.accountPayment(account)),
    Promise.all(tenantIds.map((t) => store.amount(Keys.paymentHold(t, account)))),
    Promise.all(revertKeys.map((k) => store.get(k))),
  ]);
  const byTenant = tenantIds.map((tenant, i) => ({ tenant, payment: tenantPayments[i]!, reverts: count(reverts[i + 1]!) }));
  const everywhere = count(reverts[0]!);
  return {
    marks: {
      account,
      holds: { quota, payment, tenants: byTenant.filter((t) => t.payment > 0n).map(({ tenant, payment }) => ({ tenant, payment })) },
      reverts: {
        account: everywhere,
        tenants: byTenant.filter((t) => t.reverts > 0).map(({ tenant, reverts }) => ({ tenant, reverts })),
        paused: Math.max(everywhere, ...byTenant.map((t) => t.reverts)) >= REVERT_LIMIT,
      },
    },
    revertRaw: revertKeys.map((key, i) => ({ key, raw: reverts[i]! })),
  };
}

export const readAccountMarks = async (store: Store, tenantIds: readonly string[], account: string): Promise<AccountMarks> =>
  (await read(store, tenantIds, account)).marks;

/** Clears what `what` names; answers the marks left afterwards. */
export async function clearAccountMarks(store: Store, tenantIds: readonly string[], account: string, what: ClearWhat): Promise<AccountMarks> {
  const { marks, revertRaw } = await read(store, tenantIds, account);
  const work: Promise<unknown>[] = [];
  if (what.holds) {
    const held = [
      { key: Keys.quotaHold(account), amount: marks.holds.quota },
      { key: Keys.accountPayment(account), amount: marks.holds.payment },
      ...marks.holds.tenants.map((t) => ({ key: Keys.paymentHold(t.tenant, account), amount: t.payment })),
    ];
    for (const h of held) if (h.amount > 0n) work.push(store.adjust(h.key, -h.amount));
  }
  if (what.reverts) for (const r of revertRaw) if (r.raw !== null) work.push(store.deleteIfEquals(r.key, r.raw));
  await Promise.all(work);
  return readAccountMarks(store, tenantIds, account);
}

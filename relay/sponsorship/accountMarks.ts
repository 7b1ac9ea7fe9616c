/**
 * An account's safeguard marks, for the operator: the holds of its
 * transactions in flight (the Paymaster quota's, the payment's) and its
 * revert count, all in the account's unit and shared by every tenant. A mark whose transaction is gone but was
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
  holds: { quota: bigint; payment: bigint };
  reverts: { count: number; paused: boolean };
}

export interface ClearWhat {
  holds: boolean;
  reverts: boolean;
}

const count = (raw: string | null): number => {
  const n = Number(raw ?? 0);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
};

async function read(store: Store, account: string): Promise<{ marks: AccountMarks; revertsRaw: string | null }> {
  const [quota, payment, revertsRaw] = await Promise.all([
    store.amount(Keys.quotaHold(account)),
    store.amount(Keys.paymentHold(account)),
    store.get(Keys.reverts(account)),
  ]);
  const n = count(revertsRaw);
  return { marks: { account, holds: { quota, payment }, reverts: { count: n, paused: n >= REVERT_LIMIT } }, revertsRaw };
}

export const readAccountMarks = async (store: Store, account: string): Promise<AccountMarks> => (await read(store, account)).marks;

/** Clears what `what` names; answers the marks left afterwards. */
export async function clearAccountMarks(store: Store, account: string, what: ClearWhat): Promise<AccountMarks> {
  const { marks, revertsRaw } = await read(store, account);
  const work: Promise<unknown>[] = [];
  if (what.holds) {
    if (marks.holds.quota > 0n) work.push(store.adjust(Keys.quotaHold(account), -marks.holds.quota));
    if (marks.holds.payment > 0n) work.push(store.adjust(Keys.paymentHold(account), -marks.holds.payment));
  }
  if (what.reverts && revertsRaw !== null) work.push(store.deleteIfEquals(Keys.reverts(account), revertsRaw));
  await Promise.all(work);
  return readAccountMarks(store, account);
}

/**
 * A tracking id's record (SNIP-29 paymaster_trackingIdToLatestHash): the
 * transaction now standing for the user's request, what it reserved, and what
 * it takes to send it again (the relayer's calls, the signed window). Stored
 * with a TTL; the active and dropped sets are what the sweeper walks.
 */
import type { Call } from 'starknet';
import type { RelayDeps } from '../deps.ts';
import type { Reservation } from '../sponsorship/request.ts';
import { Keys, TTL } from '../store/keys.ts';

export type TrackingStatus = 'active' | 'accepted' | 'dropped';

export interface TrackingRecord {
  id: string;
  /** The latest transaction sent for this request. */
  txHash: string;
  status: TrackingStatus;
  account: string;
  tenant: string;
  relayer: string;
  feeMode: 'sponsored' | 'default';
  reservation: Reservation;
  /** When `txHash` was sent (ms). */
  createdAt: number;
  actualFee?: string;
  executionStatus?: string;
  revertReason?: string;
  /** When it was given up on; it is watched for late inclusion a while longer. */
  droppedAt?: number;
  /** Dropped with its holds still counting it (it may land late): given back when it lands or the watch ends. */
  holdsKept?: boolean;
  /** To send it again: the relayer's calls, the tip, the worst case reserved (fri), the signed window's end (unix s). */
  resend?: { calls: Call[]; tip: string; maxFee: string; executeBefore: number };
  /** Every hash sent for this request, oldest first. */
  hashes?: string[];
  /** A deployment's idempotency claim (its address): given back if it reverts or never lands (idempotency.ts). */
  deploymentClaim?: string;
}

export async function saveTracking(deps: RelayDeps, rec: TrackingRecord): Promise<void> {
  await deps.store.set(Keys.tracking(rec.id), JSON.stringify(rec), { ttlMs: TTL.tracking });
  await deps.store.addToSet(Keys.trackingActive, rec.id);
}

export async function readTracking(deps: RelayDeps, id: string): Promise<TrackingRecord | undefined> {
  const raw = await deps.store.get(Keys.tracking(id));
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as TrackingRecord;
  } catch {
    // A record no one can read can't be settled; it drops out of the active set.
    return undefined;
  }
}

/** The compare-and-set that makes every transition happen once, whichever instance sees it first. */
export const transition = (deps: RelayDeps, from: TrackingRecord, to: TrackingRecord): Promise<boolean> =>
  deps.store.compareAndSet(Keys.tracking(from.id), JSON.stringify(from), JSON.stringify(to), { ttlMs: TTL.tracking });

/** Records written before reservations named their sender still settle against the right one. */
export const reservationOf = (rec: TrackingRecord): Reservation => ({ tenant: rec.tenant, sender: rec.account, ...rec.reservation });

/** The reservation's holds (counts of transactions in flight), and everything else. */
export const holdsOf = (res: Reservation): Reservation => ({ ...res, lines: res.lines.filter((l) => l.kind === 'hold') });
export const withoutHolds = (res: Reservation): Reservation => ({ ...res, lines: res.lines.filter((l) => l.kind !== 'hold') });

export interface InFlight {
  trackingId: string;
  tenant: string;
  status: 'active' | 'dropped';
  feeMode: TrackingRecord['feeMode'];
  txHash: string;
  createdAt: number;
}

/**
 * The account's tracked transactions that may still land, so still count in its holds: active ones, and
 * dropped ones watched with their holds kept. A walk of both sets, for the operator (admin/routes/accounts.ts).
 */
export async function inFlightOf(deps: RelayDeps, account: string): Promise<InFlight[]> {
  const want = BigInt(account);
  const ours = (a: unknown) => {
    try {
      return typeof a === 'string' && BigInt(a) === want;
    } catch {
      return false;
    }
  };
  const ids = [...new Set([...(await deps.store.members(Keys.trackingActive)), ...(await deps.store.members(Keys.trackingDropped))])];
  const out: InFlight[] = [];
  for (let i = 0; i < ids.length; i += 256) {
    const recs = await Promise.all(ids.slice(i, i + 256).map((id) => readTracking(deps, id)));
    for (const r of recs) {
      if (!r || !ours(r.account) || !(r.status === 'active' || (r.status === 'dropped' && r.holdsKept))) continue;
      out.push({ trackingId: r.id, tenant: r.tenant, status: r.status === 'active' ? 'active' : 'dropped', feeMode: r.feeMode, txHash: r.txHash, createdAt: r.createdAt });
    }
  }
  return out;
}

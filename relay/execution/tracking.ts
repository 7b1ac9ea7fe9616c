/**
 * Tracking ids (SNIP-29 paymaster_trackingIdToLatestHash) and settlement.
 * A record moves active → accepted | dropped exactly once: the transition is
 * a compare-and-set on the stored record, so when several relay instances
 * (or a request and the background sweeper) observe the same receipt, only
 * one of them settles the budget reservation.
 */
import type { RelayDeps } from '../deps.ts';
import { RelayError } from '../errors/base.ts';
import { NodeCode, nodeCodeOf } from '../errors/chain.ts';
import type { Reservation } from '../sponsorship/request.ts';
import { Keys, TTL } from '../store/keys.ts';

export type TrackingStatus = 'active' | 'accepted' | 'dropped';

export interface TrackingRecord {
  id: string;
  txHash: string;
  status: TrackingStatus;
  account: string;
  tenant: string;
  relayer: string;
  feeMode: 'sponsored' | 'default';
  reservation: Reservation;
  createdAt: number;
  actualFee?: string;
  executionStatus?: string;
  revertReason?: string;
  /** When it was given up on; it is watched for late inclusion a while longer. */
  droppedAt?: number;
}

const TTL_MS = TTL.tracking;
/** A transaction the node has never heard of for this long is considered dropped. */
const DROP_AFTER_MS = 5 * 60_000;
/** How long a dropped transaction is still looked for. */
const LATE_WINDOW_MS = 60 * 60_000;
const trackKey = Keys.tracking;
const ACTIVE_SET = Keys.trackingActive;
const DROPPED_SET = Keys.trackingDropped;

export async function saveTracking(deps: RelayDeps, rec: TrackingRecord): Promise<void> {
  await deps.store.set(trackKey(rec.id), JSON.stringify(rec), { ttlMs: TTL_MS });
  await deps.store.addToSet(ACTIVE_SET, rec.id);
}

export async function readTracking(deps: RelayDeps, id: string): Promise<TrackingRecord | undefined> {
  const raw = await deps.store.get(trackKey(id));
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as TrackingRecord;
  } catch {
    // A record no one can read can't be settled; it drops out of the active set.
    return undefined;
  }
}

export async function latestHash(
  deps: RelayDeps,
  tenantId: string,
  id: string,
): Promise<{ transaction_hash: string; status: TrackingStatus }> {
  let rec = await readTracking(deps, id);
  // Another tenant's id is indistinguishable from an unknown one.
  if (!rec || rec.tenant !== tenantId) {
    throw new RelayError('unknown_tracking_id', {
      details: 'Use the tracking_id returned by paymaster_executeTransaction; ids expire after 7 days.',
      data: { tracking_id: id },
    });
  }
  if (rec.status === 'active') rec = await refresh(deps, rec);
  return { transaction_hash: rec.txHash, status: rec.status };
}

type Outcome = Pick<TrackingRecord, 'status' | 'actualFee' | 'executionStatus' | 'revertReason'>;

/** What the chain says of a transaction now: final, or undefined while it may still land. */
async function observe(deps: RelayDeps, rec: TrackingRecord): Promise<Outcome | undefined> {
  try {
    const st = await deps.provider.getTransactionStatus(rec.txHash);
    const finality = String(st.finality_status);
    if (finality === 'REJECTED') return { status: 'dropped' };
    if (finality !== 'ACCEPTED_ON_L2' && finality !== 'ACCEPTED_ON_L1') return undefined;
    const receipt = (await deps.provider.getTransactionReceipt(rec.txHash)) as unknown as {
      value: { actual_fee: { amount: string }; execution_status: string; revert_reason?: string };
    };
    const v = receipt.value;
    return {
      status: 'accepted',
      actualFee: BigInt(v.actual_fee.amount).toString(),
      executionStatus: v.execution_status,
      ...(v.revert_reason ? { revertReason: v.revert_reason } : {}),
    };
  } catch (e) {
    // Only "never heard of it" is an answer; anything else is the node failing.
    if (nodeCodeOf(e) !== NodeCode.TXN_HASH_NOT_FOUND) throw e;
    return Date.now() - rec.createdAt > DROP_AFTER_MS ? { status: 'dropped' } : undefined;
  }
}

/** Records written before reservations named their sender still settle against the right one. */
const reservationOf = (rec: TrackingRecord) => ({ tenant: rec.tenant, sender: rec.account, ...rec.reservation });

/** Looks at the chain once and settles the record, exactly once, if its transaction is final. */
export async function refresh(deps: RelayDeps, rec: TrackingRecord): Promise<TrackingRecord> {
  const outcome = await observe(deps, rec);
  if (!outcome) return rec;
  const next: TrackingRecord = { ...rec, ...outcome, ...(outcome.status === 'dropped' ? { droppedAt: Date.now() } : {}) };
  if (!(await transition(deps, rec, next))) return (await readTracking(deps, rec.id)) ?? next;
  await deps.store.removeFromSet(ACTIVE_SET, rec.id);
  if (next.status === 'accepted') await deps.gate.settle(reservationOf(rec), BigInt(next.actualFee!), next.executionStatus === 'REVERTED');
  else {
    // A transaction the node lost track of can still land: watched a while longer (late inclusion).
    if (rec.txHash) await deps.store.addToSet(DROPPED_SET, rec.id);
    await deps.gate.release(reservationOf(rec));
  }
  deps.log('tracking.final', { id: rec.id, status: next.status, fee: next.actualFee });
  return next;
}

/**
 * A dropped transaction that lands after all is charged when it appears: what
 * its release gave back is taken again, as settled, whatever the limits say now.
 */
async function recheckDropped(deps: RelayDeps, rec: TrackingRecord): Promise<void> {
  const outcome = await observe(deps, { ...rec, createdAt: 0 });
  if (outcome?.status === 'accepted') {
    const next: TrackingRecord = { ...rec, ...outcome };
    if (await transition(deps, rec, next)) {
      await deps.gate.recharge(reservationOf(rec), BigInt(next.actualFee!), next.executionStatus === 'REVERTED');
      deps.log('tracking.late_inclusion', { id: rec.id, fee: next.actualFee });
    }
  }
  if (outcome?.status === 'accepted' || Date.now() - (rec.droppedAt ?? 0) > LATE_WINDOW_MS) await deps.store.removeFromSet(DROPPED_SET, rec.id);
}

/** The compare-and-set that makes every transition happen once, whichever instance sees it first. */
const transition = (deps: RelayDeps, from: TrackingRecord, to: TrackingRecord) =>
  deps.store.compareAndSet(trackKey(from.id), JSON.stringify(from), JSON.stringify(to), { ttlMs: TTL_MS });

const sweeping = new WeakSet<RelayDeps>();

/**
 * Settles whatever is final among active records; run periodically. One run
 * at a time per instance (a slow node must not stack runs up), and one bad
 * record is logged and skipped, never stopping the rest.
 */
export async function sweep(deps: RelayDeps): Promise<number> {
  if (sweeping.has(deps)) return 0;
  sweeping.add(deps);
  let settled = 0;
  try {
    for (const id of await deps.store.members(ACTIVE_SET)) {
      try {
        const rec = await readTracking(deps, id);
        if (!rec) await deps.store.removeFromSet(ACTIVE_SET, id);
        else if ((await refresh(deps, rec)).status !== 'active') settled++;
      } catch (e) {
        deps.log('tracking.sweep_failed', { id, error: String(e) });
      }
    }
    for (const id of await deps.store.members(DROPPED_SET)) {
      try {
        const rec = await readTracking(deps, id);
        if (rec?.status === 'dropped') await recheckDropped(deps, rec);
        else await deps.store.removeFromSet(DROPPED_SET, id);
      } catch (e) {
        deps.log('tracking.sweep_failed', { id, error: String(e) });
      }
    }
  } finally {
    sweeping.delete(deps);
  }
  return settled;
}

/**
 * Settlement: what the chain says of a tracked transaction, and what the
 * relay does about it, exactly once whichever instance sees it first (every
 * transition is a compare-and-set on the record). Accepted: the reservation
 * becomes the actual fee. Dropped: sent again while the user's window allows
 * (resubmit.ts), else given back, and watched a while for a late inclusion.
 * Its holds (the account's Paymaster quota, a default-mode payment) stay until
 * it lands or the watch ends: a transaction that may still land must still
 * count, or the next one could be sent past the quota or the balance.
 */
import type { RelayDeps } from '../deps.ts';
import { NodeCode, nodeCodeOf } from '../errors/chain.ts';
import { Keys } from '../store/keys.ts';
import { resubmit } from './resubmit.ts';
import { holdLines, readTracking, reservationOf, transition, type TrackingRecord } from './trackingRecord.ts';

/** How long a dropped transaction is still looked for. */
const LATE_WINDOW_MS = 60 * 60_000;

type Outcome = Pick<TrackingRecord, 'status' | 'actualFee' | 'executionStatus' | 'revertReason'>;

/** What the chain says of a transaction now: final, or undefined while it may still land. */
async function observe(deps: RelayDeps, rec: TrackingRecord, dropAfterMs: number): Promise<Outcome | undefined> {
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
    return Date.now() - rec.createdAt > dropAfterMs ? { status: 'dropped' } : undefined;
  }
}

/** Looks at the chain once and moves the record on if its transaction is final. */
export async function refresh(deps: RelayDeps, rec: TrackingRecord): Promise<TrackingRecord> {
  // Only an active record moves on: a final one re-"moved" to itself would pass the compare-and-set and settle twice.
  if (rec.status !== 'active') return rec;
  const outcome = await observe(deps, rec, deps.config.trackingDropAfterMs);
  if (!outcome) return rec;
  if (outcome.status === 'dropped') {
    const again = await resubmit(deps, rec);
    if (again) return (await transition(deps, rec, again)) ? again : ((await readTracking(deps, rec.id)) ?? again);
  }
  const next: TrackingRecord = { ...rec, ...outcome, ...(outcome.status === 'dropped' ? { droppedAt: Date.now(), holdsKept: true } : {}) };
  if (!(await transition(deps, rec, next))) return (await readTracking(deps, rec.id)) ?? next;
  await deps.store.removeFromSet(Keys.trackingActive, rec.id);
  if (next.status === 'accepted') await deps.gate.settle(reservationOf(rec), BigInt(next.actualFee!), next.executionStatus === 'REVERTED');
  else {
    // A transaction the node lost track of can still land: watched a while longer (late inclusion).
    await deps.store.addToSet(Keys.trackingDropped, rec.id);
    await deps.gate.release(holdLines(reservationOf(rec), false));
  }
  deps.metrics.trackingFinal(next.executionStatus === 'REVERTED' ? 'reverted' : next.status);
  deps.log('tracking.final', { id: rec.id, status: next.status, fee: next.actualFee });
  return next;
}

/**
 * A dropped transaction that lands after all is charged when it appears: what
 * its release gave back is taken again, as settled, whatever the limits say now.
 * Every hash sent for the request is looked at.
 */
export async function recheckDropped(deps: RelayDeps, rec: TrackingRecord): Promise<void> {
  let landed: { hash: string; outcome: Outcome } | undefined;
  for (const hash of rec.hashes ?? [rec.txHash]) {
    const outcome = await observe(deps, { ...rec, txHash: hash, createdAt: 0 }, 0);
    if (outcome?.status === 'accepted') landed = { hash, outcome };
  }
  const ended = !landed && Date.now() - (rec.droppedAt ?? 0) > LATE_WINDOW_MS;
  if (landed || ended) {
    const { holdsKept: _kept, ...rest } = rec;
    const next: TrackingRecord = landed ? { ...rest, ...landed.outcome, txHash: landed.hash } : rest;
    // One instance moves it on; a record dropped before holds were kept gave them back already.
    if (await transition(deps, rec, next)) {
      if (landed) await deps.gate.recharge(reservationOf(rec), BigInt(next.actualFee!), next.executionStatus === 'REVERTED');
      if (rec.holdsKept) await deps.gate.release(holdLines(reservationOf(rec), true));
      if (landed) deps.log('tracking.late_inclusion', { id: rec.id, fee: next.actualFee });
    }
    await deps.store.removeFromSet(Keys.trackingDropped, rec.id);
  }
}

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
import { Keys, TTL } from '../store/keys.ts';
import { freeDeploymentClaim } from './idempotency.ts';
import { resubmit } from './resubmit.ts';
import { holdsOf, readTracking, reservationOf, transition, withoutHolds, type TrackingRecord } from './trackingRecord.ts';


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

const succeeded = (o: Outcome | undefined): boolean => o?.status === 'accepted' && o.executionStatus !== 'REVERTED';

/**
 * What a record sent more than once (resubmit.ts) cost: an earlier hash may land after all (another mempool
 * had it), and then the later one reverts on the Paymaster's nonce, or the other way round. Every hash that
 * landed cost the relayers and is charged; the one that succeeded, if any, is the outcome.
 */
function together(landed: { hash: string; outcome: Outcome }[]): Outcome & { txHash: string } {
  const main = landed.find((l) => succeeded(l.outcome)) ?? landed[landed.length - 1]!;
  const fee = landed.reduce((sum, l) => sum + BigInt(l.outcome.actualFee ?? 0), 0n);
  return { ...main.outcome, txHash: main.hash, actualFee: fee.toString() };
}

/** The record's earlier hashes that landed. */
async function earlierLanded(deps: RelayDeps, rec: TrackingRecord): Promise<{ hash: string; outcome: Outcome }[]> {
  const out: { hash: string; outcome: Outcome }[] = [];
  for (const hash of (rec.hashes ?? []).filter((h) => h !== rec.txHash)) {
    const outcome = await observe(deps, { ...rec, txHash: hash, createdAt: Date.now() }, Infinity);
    if (outcome?.status === 'accepted') out.push({ hash, outcome });
  }
  return out;
}

/** Looks at the chain once and moves the record on if its transaction is final. */
export async function refresh(deps: RelayDeps, rec: TrackingRecord): Promise<TrackingRecord> {
  // Only an active record moves on: a final one re-"moved" to itself would pass the compare-and-set and settle twice.
  if (rec.status !== 'active') return rec;
  let outcome: (Outcome & { txHash?: string }) | undefined = await observe(deps, rec, deps.config.trackingDropAfterMs);
  if ((rec.hashes?.length ?? 0) > 1) {
    const earlier = await earlierLanded(deps, rec);
    if (earlier.length > 0) {
      // The newest may still land: settled once it is final, or gone.
      if (!outcome) return rec;
      outcome = together([...earlier, ...(outcome.status === 'accepted' ? [{ hash: rec.txHash, outcome }] : [])]);
    }
  }
  if (!outcome) return rec;
  if (outcome.status === 'dropped') {
    const again = await resubmit(deps, rec);
    if (again === 'busy') return rec;
    if (again) return again;
  }
  const next: TrackingRecord = { ...rec, ...outcome, ...(outcome.status === 'dropped' ? { droppedAt: Date.now(), holdsKept: true } : {}) };
  if (!(await transition(deps, rec, next))) return (await readTracking(deps, rec.id)) ?? next;
  // A transaction the node lost track of can still land: watched a while longer (late inclusion). Listed
  // there before it leaves the active set, so a crash in between leaves it watched, never forgotten.
  if (next.status === 'dropped') await deps.store.addToSet(Keys.trackingDropped, rec.id);
  await deps.store.removeFromSet(Keys.trackingActive, rec.id);
  if (next.status === 'accepted') await deps.gate.settle(reservationOf(rec), BigInt(next.actualFee!), next.executionStatus === 'REVERTED');
  else await deps.gate.release(withoutHolds(reservationOf(rec)));
  if (next.executionStatus === 'REVERTED') await freeClaimOf(deps, rec);
  deps.metrics.trackingFinal(next.executionStatus === 'REVERTED' ? 'reverted' : next.status);
  deps.log('tracking.final', { id: rec.id, status: next.status, fee: next.actualFee });
  return next;
}

/**
 * A dropped transaction that lands after all is charged when it appears: what
 * its release gave back is taken again, as settled, whatever the limits say now,
 * and its holds are given back. Every hash sent for the request is looked at.
 * When the watch ends with nothing seen, its holds are given back.
 */
export async function recheckDropped(deps: RelayDeps, rec: TrackingRecord): Promise<void> {
  const all: { hash: string; outcome: Outcome }[] = [];
  for (const hash of rec.hashes ?? [rec.txHash]) {
    const outcome = await observe(deps, { ...rec, txHash: hash, createdAt: 0 }, 0);
    if (outcome?.status === 'accepted') all.push({ hash, outcome });
  }
  const landed = all.length > 0 ? together(all) : undefined;
  const ended = !landed && Date.now() - (rec.droppedAt ?? 0) > TTL.lateWatch;
  if (!landed && !ended) return;
  // One instance moves it on. Another may have ended the watch a moment before this one saw it land
  // (its node behind): the landing is still charged, on the record as that instance left it.
  for (let cur: TrackingRecord | undefined = rec, tries = 0; cur?.status === 'dropped' && tries < 2; tries++) {
    const { holdsKept, ...rest } = cur;
    const next: TrackingRecord = landed ? { ...rest, ...landed } : rest;
    if (!landed && !holdsKept) break;
    if (await transition(deps, cur, next)) {
      try {
        if (landed) await deps.gate.recharge(reservationOf(cur), BigInt(next.actualFee!), next.executionStatus === 'REVERTED');
      } finally {
        // Whatever the charge met: the holds go back (the record is final; nothing else would give them back).
        // A record dropped before holds were kept gave them back with the rest.
        if (holdsKept) await deps.gate.release(holdsOf(reservationOf(cur)));
      }
      if (landed) deps.log('tracking.late_inclusion', { id: cur.id, fee: next.actualFee });
      break;
    }
    cur = await readTracking(deps, rec.id);
  }
  if (ended || landed?.executionStatus === 'REVERTED') {
    // As the record stands now: another instance, its node ahead, may have seen it land after all.
    const final = await readTracking(deps, rec.id);
    if (!final || final.status === 'dropped' || final.executionStatus === 'REVERTED') await freeClaimOf(deps, rec);
  }
  await deps.store.removeFromSet(Keys.trackingDropped, rec.id);
}

/** Best effort: a claim left behind only holds its address until the claim's TTL, as before. */
const freeClaimOf = (deps: RelayDeps, rec: TrackingRecord) =>
  rec.deploymentClaim ? freeDeploymentClaim(deps, rec.deploymentClaim, rec.id).catch((e: unknown) => deps.log('tracking.claim_kept', { id: rec.id, error: String(e) })) : undefined;

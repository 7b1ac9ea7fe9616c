/**
 * A dropped transaction is not a dropped request. The user's signed outside
 * execution still holds (its SNIP-9 nonce was never used), so while its window
 * is open the relay simulates it again and sends it through any relayer; the
 * tracking id then answers the new hash. It gives up (and the request is
 * dropped) when the window closes, when the execution would now revert, or
 * when it would cost more than was reserved for it.
 */
import type { RelayDeps } from '../deps.ts';
import { isRelayError } from '../errors/base.ts';
import { JsonRpcCode } from '../errors/codes.ts';
import { Keys } from '../store/keys.ts';
import { simulate } from './simulate.ts';
import { submit } from './submit.ts';
import { readTracking, transition, type TrackingRecord } from './trackingRecord.ts';

/** One instance resends a given record at a time; the lease outlives a slow simulation and submission. */
const RESEND_LEASE_MS = 60_000;

/**
 * The record as sent again (recorded before the lease is let go, so no other
 * instance reads the old one as droppable meanwhile), `busy` while another
 * instance is sending it, or undefined when there is nothing left to send.
 */
export async function resubmit(deps: RelayDeps, rec: TrackingRecord): Promise<TrackingRecord | 'busy' | undefined> {
  const r = rec.resend;
  if (!r) return undefined;
  const lease = Keys.resendLease(rec.id);
  const token = crypto.randomUUID();
  // Taken before anything is judged: while another instance sends it, nobody may give up on it (the
  // window closing meanwhile included), or its new hash would land on a record already dropped and released.
  if (!(await deps.store.setIfAbsent(lease, token, { ttlMs: RESEND_LEASE_MS })).created) return 'busy';
  try {
    // `rec` was read before the lease: another instance may have sent it again or settled it since. Left to the next look.
    const now = await readTracking(deps, rec.id);
    if (!now || now.status !== 'active' || now.txHash !== rec.txHash) return 'busy';
    const timeLeft = async () => r.executeBefore > (await deps.clock.now()) + deps.config.timeBounds.minRemainingSeconds;
    if (!(await timeLeft())) return undefined;
    const tip = BigInt(r.tip);
    let sim;
    try {
      sim = await simulate(deps, r.calls, tip);
    } catch (e) {
      // It would revert now (its nonce used, state moved): nothing left to send. An outage is retried later.
      if (isRelayError(e) && e.code !== JsonRpcCode.UNAVAILABLE) return undefined;
      throw e;
    }
    if (sim.maxFee > BigInt(r.maxFee)) return undefined;
    const relayer = await deps.relayers.acquire();
    let txHash: string;
    let nonceUsed: boolean;
    try {
      // Judged again after the relayer wait, as execute does: sent with too little left, it reverts on the relayer's gas.
      if (!(await timeLeft())) {
        await relayer.release();
        return undefined;
      }
      ({ txHash, nonceUsed } = await submit(relayer, r.calls, sim.resourceBounds, await deps.provider.getChainId(), tip));
    } catch (e) {
      await relayer.release();
      throw e;
    }
    // Sent: from here nothing may throw before the hash is recorded (a lost hash is a landing never charged).
    await relayer.commit(sim.maxFee, !nonceUsed).catch((e) => deps.log('tracking.resubmit_bookkeeping_failed', { id: rec.id, txHash, step: 'lease', error: String(e) }));
    deps.log('tracking.resubmitted', { id: rec.id, previous: rec.txHash, txHash });
    return await record(deps, rec, txHash, relayer.address);
  } finally {
    await deps.store.deleteIfEquals(lease, token).catch(() => undefined);
  }
}

/** Adds the new hash to the record, as it stands now if it moved meanwhile; a store failure is retried, then logged. */
async function record(deps: RelayDeps, rec: TrackingRecord, txHash: string, relayer: string): Promise<TrackingRecord> {
  let cur: TrackingRecord | undefined = rec;
  for (let tries = 0; tries < 3 && cur; tries++) {
    const again: TrackingRecord = { ...cur, txHash, relayer, createdAt: Date.now(), hashes: [...(cur.hashes ?? [cur.txHash]), txHash] };
    // Settled meanwhile through an earlier hash (it landed between the simulation and the send): the new hash is
    // kept on the record, but nothing watches a settled record; it reverts on the used nonce, uncharged (README).
    if (cur.status !== 'active') Object.assign(again, { txHash: cur.txHash, relayer: cur.relayer, createdAt: cur.createdAt });
    try {
      if (await transition(deps, cur, again)) return again;
      cur = await readTracking(deps, rec.id);
    } catch (e) {
      deps.log('tracking.resubmit_bookkeeping_failed', { id: rec.id, txHash, step: 'record', error: String(e) });
    }
  }
  deps.log('tracking.resubmit_unrecorded', { id: rec.id, txHash });
  return cur ?? rec;
}

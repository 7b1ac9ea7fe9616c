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
  if (r.executeBefore <= (await deps.clock.now()) + deps.config.timeBounds.minRemainingSeconds) return undefined;
  const lease = Keys.resendLease(rec.id);
  const token = crypto.randomUUID();
  // Dropping it now could lose the hash the other instance is about to record.
  if (!(await deps.store.setIfAbsent(lease, token, { ttlMs: RESEND_LEASE_MS })).created) return 'busy';
  try {
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
    try {
      ({ txHash } = await submit(relayer, r.calls, sim.resourceBounds, await deps.provider.getChainId(), tip));
      await relayer.commit(sim.maxFee);
    } catch (e) {
      await relayer.release();
      throw e;
    }
    deps.log('tracking.resubmitted', { id: rec.id, previous: rec.txHash, txHash });
    const again: TrackingRecord = { ...rec, txHash, relayer: relayer.address, createdAt: Date.now(), hashes: [...(rec.hashes ?? [rec.txHash]), txHash] };
    return (await transition(deps, rec, again)) ? again : ((await readTracking(deps, rec.id)) ?? again);
  } finally {
    await deps.store.deleteIfEquals(lease, token).catch(() => undefined);
  }
}

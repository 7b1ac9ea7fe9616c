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
import type { TrackingRecord } from './trackingRecord.ts';

/** One instance resends a given record at a time; the lease outlives a slow simulation and submission. */
const RESEND_LEASE_MS = 60_000;

export async function resubmit(deps: RelayDeps, rec: TrackingRecord): Promise<TrackingRecord | undefined> {
  const r = rec.resend;
  if (!r) return undefined;
  if (r.executeBefore <= (await deps.clock.now()) + deps.config.timeBounds.minRemainingSeconds) return undefined;
  const lease = Keys.resendLease(rec.id);
  const token = crypto.randomUUID();
  if (!(await deps.store.setIfAbsent(lease, token, { ttlMs: RESEND_LEASE_MS })).created) return undefined;
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
    try {
      const { txHash } = await submit(relayer, r.calls, sim.resourceBounds, await deps.provider.getChainId(), tip);
      await relayer.commit(sim.maxFee);
      deps.log('tracking.resubmitted', { id: rec.id, previous: rec.txHash, txHash });
      return { ...rec, txHash, relayer: relayer.address, createdAt: Date.now(), hashes: [...(rec.hashes ?? [rec.txHash]), txHash] };
    } catch (e) {
      await relayer.release();
      throw e;
    }
  } finally {
    await deps.store.deleteIfEquals(lease, token).catch(() => undefined);
  }
}

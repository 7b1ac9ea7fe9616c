/**
 * Tracking ids (SNIP-29 paymaster_trackingIdToLatestHash): the answer a
 * client polls, and the sweeper that moves every active record on (see
 * settle.ts) on whichever instance runs it.
 */
import type { RelayDeps } from '../deps.ts';
import { RelayError } from '../errors/base.ts';
import { Keys, TTL } from '../store/keys.ts';
import { recheckDropped, refresh } from './settle.ts';
import { readTracking, type TrackingStatus } from './trackingRecord.ts';

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
  // Polls are free to send and a look is node work (a status, a receipt, maybe a resubmission), so one
  // poll a second per record asks the chain, on any instance; the others answer the record as it stands.
  // The sweeper settles every record anyway; a poll only makes its own answer fresher.
  if (rec.status === 'active' && (await deps.store.setIfAbsent(Keys.trackingLook(id), '1', { ttlMs: TTL.trackingLook })).created) {
    // A node that fails this look leaves the record as it stands, and that is still the answer (the spec gives this method no other error).
    rec = await refresh(deps, rec).catch((e: unknown) => (deps.log('tracking.look_failed', { trackingId: id, error: String(e) }), rec!));
  }
  return { transaction_hash: rec.txHash, status: rec.status };
}

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
    for (const id of await deps.store.members(Keys.trackingActive)) {
      try {
        const rec = await readTracking(deps, id);
        // Final already (another instance moved it on and has yet to take it out of the set): nothing to do.
        if (!rec || rec.status !== 'active') await deps.store.removeFromSet(Keys.trackingActive, id);
        else if ((await refresh(deps, rec)).status !== 'active') settled++;
      } catch (e) {
        deps.log('tracking.sweep_failed', { id, error: String(e) });
      }
    }
    for (const id of await deps.store.members(Keys.trackingDropped)) {
      try {
        const rec = await readTracking(deps, id);
        if (rec?.status === 'dropped') await recheckDropped(deps, rec);
        else await deps.store.removeFromSet(Keys.trackingDropped, id);
      } catch (e) {
        deps.log('tracking.sweep_failed', { id, error: String(e) });
      }
    }
  } finally {
    sweeping.delete(deps);
  }
  return settled;
}

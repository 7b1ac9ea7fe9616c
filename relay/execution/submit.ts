/**
 * Signs and sends the relayer's transaction with the bounds the simulation
 * produced. Only the node's INVALID_TRANSACTION_NONCE (code 52) means the
 * cached nonce is stale (another process used the account, or a previous
 * send was lost): drop it, re-read, retry once. Any other refusal is final.
 */
import type { Call } from 'starknet';
import type { ResourceBounds } from '../chain/fees.ts';
import { RelayError } from '../errors/base.ts';
import { NodeCode, nodeCodeOf } from '../errors/chain.ts';
import type { RelayerLease } from '../relayers/pool.ts';

export async function submit(lease: RelayerLease, calls: Call[], resourceBounds: ResourceBounds, tip?: bigint): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await lease.account.execute(calls, {
        nonce: lease.nonce,
        resourceBounds,
        ...(tip === undefined ? {} : { tip }),
      });
      return res.transaction_hash;
    } catch (e) {
      if (attempt === 0 && nodeCodeOf(e) === NodeCode.INVALID_TRANSACTION_NONCE) {
        await lease.refreshNonce();
        continue;
      }
      throw new RelayError('submission_failed', {
        details: 'The node refused the relayer transaction; nothing was charged to the user. Retry shortly.',
        cause: e,
      });
    }
  }
}

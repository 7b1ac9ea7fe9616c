/**
 * Signs and sends the relayer's transaction with the bounds the simulation
 * produced. A nonce refusal means the cached nonce is stale (another process
 * used the account, or a previous send was lost): drop it, re-read, retry once.
 */
import type { Call } from 'starknet';
import { JsonRpcCode, RelayError } from '../errors.ts';
import type { RelayerLease } from '../relayers/pool.ts';

function isNonceError(e: unknown): boolean {
  const err = e as { baseError?: { code?: number }; message?: string };
  return err?.baseError?.code === 52 || /invalid transaction nonce|nonce/i.test(String(err?.message ?? ''));
}

export async function submit(lease: RelayerLease, calls: Call[], resourceBounds: unknown, tip?: bigint): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await lease.account.execute(calls, {
        nonce: lease.nonce,
        resourceBounds: resourceBounds as never,
        ...(tip === undefined ? {} : { tip }),
      });
      return res.transaction_hash;
    } catch (e) {
      if (attempt === 0 && isNonceError(e)) {
        await lease.refreshNonce();
        continue;
      }
      throw new RelayError(JsonRpcCode.UNAVAILABLE, 'Submission failed', {
        reason: 'submission_failed',
        details: 'The node refused the relayer transaction; nothing was charged to the user. Retry shortly.',
        cause: e,
        httpStatus: 503,
      });
    }
  }
}

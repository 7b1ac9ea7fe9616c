/**
 * Signs and sends the relayer's transaction with the bounds the simulation
 * produced. When the node's answer is lost in transit (it may or may not
 * have taken the transaction), the hash is computed from the signed
 * transaction the relay still holds, so the relay has a hash to look up,
 * never a reason to send a second transaction. It is computed only then: a
 * hash costs ~8 ms of CPU and the node's answer already carries it. So is
 * an error that does not say the node refused it (SUBMISSION_REFUSED): a
 * gateway that timed out after taking it answers UNEXPECTED_ERROR, and a
 * release then would let the request be sent again while the first copy
 * lands, on gas no reservation covers. Only the node's
 * INVALID_TRANSACTION_NONCE (code 52) means the cached nonce is stale: drop
 * it, re-read, retry once. Any other refusal is final.
 */
import type { Call } from 'starknet';
import type { ResourceBounds } from '../chain/fees.ts';
import { invokeHash } from '../chain/invoke.ts';
import { RelayError } from '../errors/base.ts';
import { chainUnavailable, NodeCode, nodeCodeOf, SUBMISSION_REFUSED } from '../errors/chain.ts';
import type { RelayerLease } from '../relayers/pool.ts';

export interface Submission {
  txHash: string;
  /** The node's answer was lost: the transaction may exist; tracking will find out. */
  unconfirmed: boolean;
}

export async function submit(lease: RelayerLease, calls: Call[], resourceBounds: ResourceBounds, chainId: string, tip: bigint): Promise<Submission> {
  for (let attempt = 0; ; attempt++) {
    let signed;
    try {
      signed = await lease.account.getSignedTransaction(calls, { nonce: lease.nonce, resourceBounds, tip });
    } catch (e) {
      // Nothing was sent yet.
      throw chainUnavailable(e);
    }
    try {
      const res = await lease.account.provider.invokeSignedTx(signed);
      return { txHash: res.transaction_hash, unconfirmed: false };
    } catch (e) {
      const code = nodeCodeOf(e);
      if (code === undefined || !SUBMISSION_REFUSED.has(code)) return { txHash: invokeHash(signed, chainId), unconfirmed: true };
      if (attempt === 0 && code === NodeCode.INVALID_TRANSACTION_NONCE) {
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

/**
 * Signs and sends the relayer's transaction with the bounds the simulation
 * produced. Its hash is computed before sending, so an answer lost in
 * transit (the node may or may not have taken it) leaves the relay holding a
 * hash to look up, never a reason to send a second transaction. Only the
 * node's INVALID_TRANSACTION_NONCE (code 52) means the cached nonce is stale:
 * drop it, re-read, retry once. Any other answer from the node is final.
 */
import type { Call } from 'starknet';
import type { ResourceBounds } from '../chain/fees.ts';
import { invokeHash } from '../chain/invoke.ts';
import { RelayError } from '../errors/base.ts';
import { chainUnavailable, NodeCode, nodeCodeOf } from '../errors/chain.ts';
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
    const txHash = invokeHash(signed, chainId);
    try {
      const res = await lease.account.provider.invokeSignedTx(signed);
      return { txHash: res.transaction_hash, unconfirmed: false };
    } catch (e) {
      const code = nodeCodeOf(e);
      if (code === undefined) return { txHash, unconfirmed: true };
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

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
 * it, re-read, retry once. Any other refusal is final. After a lost answer
 * the node is asked once whether it has the hash: that says whether the
 * relayer's nonce is taken (`nonceUsed`, which the lease's commit keeps).
 */
import type { Call } from 'starknet';
import type { ResourceBounds } from '../chain/fees.ts';
import { Felt } from '../chain/felt.ts';
import { invokeHash } from '../chain/invoke.ts';
import { RelayError } from '../errors/base.ts';
import { chainUnavailable, NodeCode, nodeCodeOf, SUBMISSION_REFUSED } from '../errors/chain.ts';
import type { RelayerLease } from '../relayers/pool.ts';

export interface Submission {
  txHash: string;
  /** The node's answer was lost: the transaction may exist; tracking will find out. */
  unconfirmed: boolean;
  /**
   * Whether the relayer's nonce is taken: the node answered, or, its answer lost, it knows the hash
   * (in its mempool at least). A nonce counted taken that was never sent would, on a node that
   * queues future nonces (Starknet 0.14), hold every later transaction of the relayer behind it;
   * one counted free that is in the mempool is refused once when reused, or replaces it.
   */
  nonceUsed: boolean;
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
      // Canonical, whatever padding the node used: clients match it against the spec's FELT pattern. One that isn't a felt is no answer.
      return { txHash: Felt.parse(res.transaction_hash), unconfirmed: false, nonceUsed: true };
    } catch (e) {
      const code = nodeCodeOf(e);
      if (code === undefined || !SUBMISSION_REFUSED.has(code)) {
        const txHash = invokeHash(signed, chainId);
        return { txHash, unconfirmed: true, nonceUsed: await nodeHas(lease, txHash) };
      }
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

/** Asked once after a lost answer: unknown (TXN_HASH_NOT_FOUND), rejected, or no answer at all count as not taken. */
async function nodeHas(lease: RelayerLease, txHash: string): Promise<boolean> {
  try {
    const st = await lease.account.provider.getTransactionStatus(txHash);
    return String(st.finality_status) !== 'REJECTED';
  } catch {
    return false;
  }
}

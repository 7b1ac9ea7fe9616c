/**
 * The relayer's real transaction, executed by the node WITH validation
 * against the pending (pre_confirmed) state, before anything is sent: bad
 * signatures and reverting calls stop here and cost no gas, and a
 * transaction the user already sent that would make this one revert is seen
 * now, not after the relayer has paid. The node is asked through
 * starknet_estimateFee without SKIP_VALIDATE rather than
 * starknet_simulateTransactions: both execute the same transaction the same
 * way and refuse the same failures, but the estimate skips building a trace
 * the relay never read (on devnet ~10 ms instead of ~50 ms; bench/latency.ts).
 */
import type { Account, Call } from 'starknet';
import { checkL2Gas, withMargins, type ResourceBounds } from '../chain/fees.ts';
import { revertToError } from '../chain/revert.ts';
import type { RelayDeps } from '../deps.ts';
import { isRelayError } from '../errors/base.ts';
import { chainUnavailable, NodeCode, nodeCodeOf, nodeTraceOf } from '../errors/chain.ts';

export interface Simulation {
  /** The simulated fee, no margin: what the transaction is expected to cost. */
  fee: bigint;
  /** Amount bound × price bound: the most the relayer can be charged. */
  maxFee: bigint;
  resourceBounds: ResourceBounds;
}

// Under load (50 in flight over 4 relayers) four attempts still lost the race about once in 100 requests.
const MAX_ATTEMPTS = 8;

/**
 * A simulation uses a relayer's chain nonce read a moment earlier; when that
 * relayer lands another transaction in between, the node refuses the nonce,
 * which says nothing about the user's request: read again and retry.
 */
export async function simulate(deps: RelayDeps, calls: Call[], tip: bigint, first?: Simulator): Promise<Simulation> {
  for (let attempt = 1; ; attempt++) {
    let relayer: Simulator | undefined;
    try {
      relayer = attempt === 1 && first ? first : await deps.relayers.simulator();
      const sim = await simulateOnce(relayer, calls, tip);
      checkL2Gas(sim.l2Gas, deps.config.fees.maxL2GasPerTx);
      return sim;
    } catch (e) {
      if (isRelayError(e)) throw e;
      if (attempt < MAX_ATTEMPTS && (isStaleNonce(e) || (await nonceMoved(deps, e, relayer)))) continue;
      const trace = nodeTraceOf(e);
      if (trace) throw revertToError(trace, e);
      throw chainUnavailable(e);
    }
  }
}

/**
 * A stale nonce by the node's own code. An execution error is judged by the
 * chain (nonceMoved), never by its trace: the trace carries the user's calls'
 * revert data, so matching its text would let a crafted revert reason buy
 * MAX_ATTEMPTS node estimates for one refused request.
 */
function isStaleNonce(e: unknown): boolean {
  return nodeCodeOf(e) === NodeCode.INVALID_TRANSACTION_NONCE;
}

/**
 * Nodes word a stale nonce differently (devnet: "Account transaction nonce is
 * invalid."), so an execution error is also checked against the chain: if the
 * relayer's nonce moved since it was read, the failure says nothing about the
 * user's calls.
 */
async function nonceMoved(deps: RelayDeps, e: unknown, relayer: Simulator | undefined): Promise<boolean> {
  if (!relayer || nodeCodeOf(e) !== NodeCode.TRANSACTION_EXECUTION_ERROR) return false;
  const now = await deps.provider.getNonceForAddress(relayer.account.address, 'pre_confirmed').catch(() => undefined);
  return now !== undefined && BigInt(now) !== relayer.nonce;
}

/** A relayer account and its chain nonce (RelayerPool.simulator()), read by the caller ahead when it can. */
export type Simulator = { account: Account; nonce: bigint };

async function simulateOnce(relayer: Simulator, calls: Call[], tip: bigint): Promise<Simulation & { l2Gas: bigint }> {
  // skipValidate: false runs the relayer's __validate__, then the Paymaster and the account's outside
  // execution (the user's signature); the node answers TRANSACTION_EXECUTION_ERROR with the trace when
  // any of it fails or reverts (JSON-RPC 0.8+), which simulate() turns into the SNIP-29 refusal.
  const est = await relayer.account.estimateInvokeFee(calls, {
    nonce: relayer.nonce,
    skipValidate: false,
    blockIdentifier: 'pre_confirmed',
    tip,
  });
  const { bounds, maxFee } = withMargins(est.resourceBounds);
  // The tip is paid per unit of L2 gas on top of the price: part of the worst case the relayer can be charged.
  return { fee: est.overall_fee, maxFee: maxFee + tip * bounds.l2_gas.max_amount, resourceBounds: bounds, l2Gas: est.resourceBounds.l2_gas.max_amount };
}

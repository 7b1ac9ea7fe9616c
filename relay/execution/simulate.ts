/**
 * The relayer's real transaction, executed by the node against the pending
 * (pre_confirmed) state, before anything is sent: bad signatures and
 * reverting calls stop here and cost no gas, and a transaction the user
 * already sent that would make this one revert is seen now, not after the
 * relayer has paid. The user's signature is checked inside __execute__ (the
 * Paymaster calls the account's execute_from_outside_v2, which verifies it),
 * so the estimate skips only the relayer's own __validate__: the relayer's
 * signature on its own transaction, which the relay makes itself. Skipping it
 * spares hashing and signing a query transaction (~8 ms of Poseidon in JS) and
 * the node's validation run; its gas (config.fees.validateL2Gas) is added
 * back before the margins. starknet_estimateFee rather than
 * starknet_simulateTransactions: the same execution and refusals without the
 * trace the relay never reads (bench/latency.ts).
 */
import type { Account, Call } from 'starknet';
import { checkL2Gas, withMargins, type ResourceBounds } from '../chain/fees.ts';
import { revertToError } from '../chain/revert.ts';
import type { RelayDeps } from '../deps.ts';
import { isRelayError, RelayError } from '../errors/base.ts';
import { chainUnavailable, NodeCode, nodeCodeOf, nodeTraceOf } from '../errors/chain.ts';

export interface Simulation {
  /** The simulated fee with the tip, no margin: what the transaction is expected to cost. */
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
      relayer = attempt === 1 && first ? first : await deps.relayers.simulator(attempt > 1);
      const sim = await simulateOnce(deps, relayer, calls, tip, BigInt(deps.config.fees.validateL2Gas));
      checkL2Gas(sim.l2Gas, deps.config.fees.maxL2GasPerTx);
      return sim;
    } catch (e) {
      if (isRelayError(e)) throw e;
      if (isStaleNonce(e) || (await nonceMoved(deps, e, relayer))) {
        if (attempt < MAX_ATTEMPTS) continue;
        // Every attempt lost the race to the relayers' own transactions: that says nothing about
        // the user's calls (never "they revert"), only that the relayers are too busy right now.
        throw new RelayError('relayers_busy', {
          details: `Each of ${MAX_ATTEMPTS} simulations lost a race with the relayers' own transactions; nothing was submitted. Retry shortly.`,
          data: { retry_after: 1 },
          cause: e,
        });
      }
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

async function simulateOnce(deps: RelayDeps, relayer: Simulator, calls: Call[], tip: bigint, validateL2Gas: bigint): Promise<Simulation & { l2Gas: bigint }> {
  // The node answers TRANSACTION_EXECUTION_ERROR with the trace when the Paymaster, the account's outside
  // execution (the user's signature) or the user's calls fail or revert (JSON-RPC 0.8+), which
  // simulate() turns into the SNIP-29 refusal.
  const estimate = relayer.account.estimateInvokeFee(calls, {
    nonce: relayer.nonce,
    skipValidate: true,
    blockIdentifier: 'pre_confirmed',
    tip,
  });
  // The signature that follows hashes the same calldata: done while the node estimates.
  deps.relayers.prehashSoon(calls);
  const est = await estimate;
  const raw = est.resourceBounds;
  const l2Gas = raw.l2_gas.max_amount + validateL2Gas;
  const { bounds, maxFee } = withMargins({ ...raw, l2_gas: { ...raw.l2_gas, max_amount: l2Gas } });
  // The tip is paid per unit of L2 gas on top of the price, and the node's estimate leaves it out: it is part
  // of the expected fee (which a default-mode payment must cover: the tip is the caller's unsigned choice at
  // execute) and of the worst case the relayer can be charged.
  const fee = est.overall_fee + validateL2Gas * raw.l2_gas.max_price_per_unit + tip * l2Gas;
  return { fee, maxFee: maxFee + tip * bounds.l2_gas.max_amount, resourceBounds: bounds, l2Gas };
}

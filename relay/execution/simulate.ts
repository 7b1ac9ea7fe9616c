/**
 * The relayer's real transaction, simulated WITH validation against the
 * pending (pre_confirmed) state: bad signatures and reverting calls stop
 * here and cost no gas, and a transaction the user already sent that would
 * make this one revert is seen now, not after the relayer has paid.
 */
import { TransactionType, type Account, type Call } from 'starknet';
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

const MAX_ATTEMPTS = 4;

/**
 * A simulation uses a relayer's chain nonce read a moment earlier; when that
 * relayer lands another transaction in between, the node refuses the nonce,
 * which says nothing about the user's request: read again and retry.
 */
export async function simulate(deps: RelayDeps, calls: Call[], tip: bigint): Promise<Simulation> {
  for (let attempt = 1; ; attempt++) {
    let relayer: { account: Account; nonce: bigint } | undefined;
    try {
      relayer = await deps.relayers.simulator();
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
 * Nodes report a stale nonce either with its own code or, during a
 * simulation, as an execution error of the validation step; either way the
 * answer comes from the node's structured error, never the message.
 */
function isStaleNonce(e: unknown): boolean {
  const code = nodeCodeOf(e);
  if (code === NodeCode.INVALID_TRANSACTION_NONCE) return true;
  return code === NodeCode.TRANSACTION_EXECUTION_ERROR && /invalid transaction nonce/i.test(nodeTraceOf(e) ?? '');
}

/**
 * Nodes word a stale nonce differently (devnet: "Account transaction nonce is
 * invalid."), so an execution error is also checked against the chain: if the
 * relayer's nonce moved since it was read, the failure says nothing about the
 * user's calls.
 */
async function nonceMoved(deps: RelayDeps, e: unknown, relayer: { account: Account; nonce: bigint } | undefined): Promise<boolean> {
  if (!relayer || nodeCodeOf(e) !== NodeCode.TRANSACTION_EXECUTION_ERROR) return false;
  const now = await deps.provider.getNonceForAddress(relayer.account.address, 'pre_confirmed').catch(() => undefined);
  return now !== undefined && BigInt(now) !== relayer.nonce;
}

async function simulateOnce(relayer: { account: Account; nonce: bigint }, calls: Call[], tip: bigint): Promise<Simulation & { l2Gas: bigint }> {
  const res = await relayer.account.simulateTransaction([{ type: TransactionType.INVOKE, payload: calls }], {
    nonce: relayer.nonce,
    skipValidate: false,
    blockIdentifier: 'pre_confirmed',
    tip,
  });
  const sim = res.simulated_transactions[0]!;
  const exec = (sim.transaction_trace as { execute_invocation?: { revert_reason?: string } }).execute_invocation;
  if (exec && 'revert_reason' in exec && exec.revert_reason) throw revertToError(exec.revert_reason);
  const { bounds, maxFee } = withMargins(sim.resourceBounds);
  // The tip is paid per unit of L2 gas on top of the price: part of the worst case the relayer can be charged.
  return { fee: sim.overall_fee, maxFee: maxFee + tip * bounds.l2_gas.max_amount, resourceBounds: bounds, l2Gas: sim.resourceBounds.l2_gas.max_amount };
}

/**
 * SNIP-9 v2 outside executions signed by a user account and wrapped in a
 * Paymaster.execute_sponsored call, for the deploy seed and the contract tests.
 * (The relay builds its typed data itself; this is the direct path used before
 * and beneath the relay.)
 */
import {
  outsideExecution,
  OutsideExecutionVersion,
  type Account,
  type Call,
  type OutsideTransaction,
  type RpcProvider,
} from 'starknet';

export interface OutsideOptions {
  caller: string;
  /** Seconds relative to the chain's latest block timestamp. */
  afterOffset?: number;
  beforeOffset?: number;
  nonce?: string;
}

export async function chainNow(provider: RpcProvider): Promise<number> {
  const block = await provider.getBlock('latest');
  return Number(block.timestamp);
}

export async function signOutside(
  provider: RpcProvider,
  signer: Account,
  calls: Call[],
  opts: OutsideOptions,
): Promise<OutsideTransaction> {
  const now = await chainNow(provider);
  return signer.getOutsideTransaction(
    {
      caller: opts.caller,
      execute_after: now + (opts.afterOffset ?? -3600),
      execute_before: now + (opts.beforeOffset ?? 3600),
    },
    calls,
    OutsideExecutionVersion.V2,
    opts.nonce,
  );
}

/** Paymaster.execute_sponsored(account, outside_execution, signature). */
export function sponsoredCall(paymaster: string, ot: OutsideTransaction): Call {
  return {
    contractAddress: paymaster,
    entrypoint: 'execute_sponsored',
    calldata: [ot.signerAddress.toString(), ...outsideExecution.buildExecuteFromOutsideCallData(ot)],
  };
}

/** Paymaster.execute_with_fee(account, outside_execution, signature, fee_token, fee_amount: u256). */
export function feeCall(paymaster: string, ot: OutsideTransaction, feeToken: string, feeAmount: bigint): Call {
  const low = feeAmount & ((1n << 128n) - 1n);
  const high = feeAmount >> 128n;
  return {
    contractAddress: paymaster,
    entrypoint: 'execute_with_fee',
    calldata: [
      ot.signerAddress.toString(),
      ...outsideExecution.buildExecuteFromOutsideCallData(ot),
      feeToken,
      low.toString(),
      high.toString(),
    ],
  };
}

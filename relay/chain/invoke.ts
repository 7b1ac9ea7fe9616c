/**
 * The hash of a signed INVOKE v3, computed here before it is sent: if the
 * node's answer is lost, the relay still knows which transaction it may have
 * created and looks it up, instead of sending a second one for the same claim.
 */
import { hash, type Account } from 'starknet';

export type SignedInvoke = Awaited<ReturnType<Account['getSignedTransaction']>>;

const DA_MODE = { L1: 0, L2: 1 } as const;
const big = (r: { max_amount: string; max_price_per_unit: string }) => ({ max_amount: BigInt(r.max_amount), max_price_per_unit: BigInt(r.max_price_per_unit) });

export function invokeHash(tx: SignedInvoke, chainId: string): string {
  return hash.calculateInvokeTransactionHash({
    senderAddress: tx.sender_address,
    version: tx.version,
    compiledCalldata: tx.calldata,
    chainId: chainId as Parameters<typeof hash.calculateInvokeTransactionHash>[0]['chainId'],
    nonce: tx.nonce,
    accountDeploymentData: tx.account_deployment_data,
    nonceDataAvailabilityMode: DA_MODE[tx.nonce_data_availability_mode],
    feeDataAvailabilityMode: DA_MODE[tx.fee_data_availability_mode],
    resourceBounds: { l1_gas: big(tx.resource_bounds.l1_gas), l2_gas: big(tx.resource_bounds.l2_gas), l1_data_gas: big(tx.resource_bounds.l1_data_gas) },
    tip: tx.tip,
    paymasterData: tx.paymaster_data,
  });
}

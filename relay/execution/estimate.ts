/**
 * Fee estimation before the user has signed. The user's calls are estimated
 * as an INVOKE from the user's own account with validation skipped (no
 * signature exists yet, and an account holding 0 STRK can still be
 * estimated); deploy_and_invoke estimates the relayer's deployment and the
 * user's invoke in one sequence, so the invoke sees the deployed account.
 * The Paymaster + SNIP-9 wrapper is added as a fixed L2-gas overhead; the
 * exact fee is known only at execute, where the relayer's real transaction is
 * simulated with validation.
 *
 * User calls carry raw selectors, which starknet.js `Call`s can't express
 * (it always hashes `entrypoint`), so these transactions are built here.
 */
import { RpcProvider, hash, num } from 'starknet';
import { chainUnavailable } from '../errors.ts';
import { revertToError, traceFromRpcError } from './revert.ts';
import type { OutsideCall } from './typedData.ts';

/** Universal Deployer (v2) as predeployed on Starknet networks and devnet. */
export const UDC_ADDRESS = '0x02ceed65a4bd731034c01113685c831b01c15d7d432f71afb1cf1634b53a2125';
const QUERY_VERSION_3 = '0x100000000000000000000000000000003';
const h = (v: string | bigint | number) => num.toHex(v);

/** An OpenZeppelin/Argent Cairo 1 `__execute__(calls: Array<Call>)` calldata. */
export function executeCalldata(calls: OutsideCall[]): string[] {
  const out = [h(calls.length)];
  for (const c of calls) out.push(h(c.to), h(c.selector), h(c.calldata.length), ...c.calldata.map(h));
  return out;
}

export function udcDeployCall(classHash: string, salt: string, calldata: string[]): OutsideCall {
  return {
    to: UDC_ADDRESS,
    selector: hash.getSelectorFromName('deploy_contract'),
    calldata: [h(classHash), h(salt), '0x0', h(calldata.length), ...calldata.map(h)],
  };
}

function queryInvoke(sender: string, calls: OutsideCall[], nonce: bigint) {
  const zero = { max_amount: '0x0', max_price_per_unit: '0x0' };
  return {
    type: 'INVOKE',
    version: QUERY_VERSION_3,
    sender_address: h(sender),
    calldata: executeCalldata(calls),
    signature: [],
    nonce: h(nonce),
    resource_bounds: { l1_gas: zero, l2_gas: zero, l1_data_gas: zero },
    tip: '0x0',
    paymaster_data: [],
    account_deployment_data: [],
    nonce_data_availability_mode: 'L1',
    fee_data_availability_mode: 'L1',
  };
}

export interface Estimate {
  fee: bigint;
  l2GasPrice: bigint;
}

interface FeeEstimateRpc {
  overall_fee: string;
  l2_gas_price: string;
}

export interface QueryTx {
  sender: string;
  calls: OutsideCall[];
  nonce: bigint;
}

/** Estimates a sequence of transactions (later ones see earlier ones' effects). */
export async function estimateSequence(provider: RpcProvider, txs: QueryTx[]): Promise<Estimate> {
  let res: FeeEstimateRpc[];
  try {
    // The typed channel methods only accept starknet.js-built transactions; raw JSON-RPC is the escape hatch.
    const channel = provider.channel as unknown as { fetchEndpoint(method: string, params: unknown): Promise<unknown> };
    res = (await channel.fetchEndpoint('starknet_estimateFee', {
      request: txs.map((t) => queryInvoke(t.sender, t.calls, t.nonce)),
      simulation_flags: ['SKIP_VALIDATE'],
      block_id: 'latest',
    })) as FeeEstimateRpc[];
  } catch (e) {
    const trace = traceFromRpcError(e);
    if (trace) throw revertToError(trace, e);
    throw chainUnavailable(e);
  }
  let fee = 0n;
  let l2GasPrice = 0n;
  for (const r of res) {
    fee += BigInt(r.overall_fee);
    l2GasPrice = BigInt(r.l2_gas_price);
  }
  return { fee, l2GasPrice };
}

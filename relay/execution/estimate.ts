/**
 * Fee estimation before the user has signed. The user's calls are estimated
 * as an INVOKE from the user's own account with validation skipped (no
 * signature exists yet, and an account holding 0 STRK can still be
 * estimated); deploy_and_invoke estimates the relayer's deployment and the
 * user's invoke in one sequence, so the invoke sees the deployed account.
 * The Paymaster + SNIP-9 wrapper is added by build as a fixed L2-gas
 * overhead; the exact fee is known only at execute, where the relayer's real
 * transaction is simulated, the user's signature included.
 *
 * A sponsored build's estimate binds nothing: the user signs no fee, and
 * execute simulates the real transaction before anything is reserved or
 * sent. So a sender's estimate is reused for the same call shape (targets,
 * selectors, calldata lengths) for TTL.buildEstimate: a worker's heartbeat
 * or a dapp's repeated action is built without a node round trip. A shape
 * the node refused is never kept, and default mode always estimates: its
 * fee transfer is signed. Kept per tenant and account; anyone may build for
 * any address, so build refuses nothing on a kept estimate alone (build.ts).
 */
import { sha256 } from '@noble/hashes/sha256';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import type { RpcProvider } from 'starknet';
import { executeCalldata } from '../chain/calldata.ts';
import { toHex } from '../chain/felt.ts';
import { revertToError } from '../chain/revert.ts';
import type { OutsideCall } from '../chain/snip9.ts';
import { chainUnavailable, nodeTraceOf } from '../errors/chain.ts';
import { Keys, TTL } from '../store/keys.ts';
import type { Store } from '../store/types.ts';

const QUERY_VERSION_3 = '0x100000000000000000000000000000003';

function queryInvoke(sender: string, calls: OutsideCall[], nonce: bigint) {
  const zero = { max_amount: '0x0', max_price_per_unit: '0x0' };
  return {
    type: 'INVOKE',
    version: QUERY_VERSION_3,
    sender_address: toHex(sender),
    calldata: executeCalldata(calls),
    signature: [],
    nonce: toHex(nonce),
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
  /** L2 gas of the last transaction of the sequence: the user's. */
  l2Gas: bigint;
}

interface FeeEstimateRpc {
  overall_fee: string;
  l2_gas_price: string;
  l2_gas_consumed: string;
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
    const trace = nodeTraceOf(e);
    if (trace) throw revertToError(trace, e);
    throw chainUnavailable(e);
  }
  let fee = 0n;
  let l2GasPrice = 0n;
  let l2Gas = 0n;
  for (const r of res) {
    fee += BigInt(r.overall_fee);
    l2GasPrice = BigInt(r.l2_gas_price);
    l2Gas = BigInt(r.l2_gas_consumed);
  }
  return { fee, l2GasPrice, l2Gas };
}

/** What an estimate depends on besides chain state and values: each call's target, selector and calldata length. */
export function shapeOf(calls: OutsideCall[]): string {
  const text = calls.map((c) => `${BigInt(c.to).toString(16)}.${BigInt(c.selector).toString(16)}.${c.calldata.length}`).join(',');
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** The sender's estimate of the same call shape, if one was kept in the last TTL.buildEstimate; undefined otherwise. */
export async function reusedEstimate(store: Store, tenant: string, sender: string, calls: OutsideCall[]): Promise<Estimate | undefined> {
  const kept = await store.get(Keys.buildEstimate(sender, tenant, shapeOf(calls)));
  const m = kept === null ? null : /^(\d+):(\d+):(\d+)$/.exec(kept);
  // Anything else is not one this code kept: estimated afresh, never a 500.
  return m ? { fee: BigInt(m[1]!), l2GasPrice: BigInt(m[2]!), l2Gas: BigInt(m[3]!) } : undefined;
}

export async function keepEstimate(store: Store, tenant: string, sender: string, calls: OutsideCall[], e: Estimate): Promise<void> {
  await store.set(Keys.buildEstimate(sender, tenant, shapeOf(calls)), `${e.fee}:${e.l2GasPrice}:${e.l2Gas}`, { ttlMs: TTL.buildEstimate });
}

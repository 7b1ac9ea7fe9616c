/**
 * Calldata the relay puts on chain: the UDC deployment, the gas-token fee
 * transfer, an account's `__execute__`, and the Paymaster's entrypoints.
 * User calls carry raw selectors, which starknet.js `Call`s can't express
 * (it always hashes `entrypoint`), so these are built here as felts.
 */
import { hash, shortString, type Call } from 'starknet';
import { toHex } from './felt.ts';
import type { OutsideCall, OutsideExecution } from './snip9.ts';

/** Universal Deployer (v2) as predeployed on Starknet networks and devnet. */
export const UDC_ADDRESS = '0x02ceed65a4bd731034c01113685c831b01c15d7d432f71afb1cf1634b53a2125';
export const TRANSFER_SELECTOR = hash.getSelectorFromName('transfer');

const U128 = (1n << 128n) - 1n;
export const u256 = (v: bigint): [string, string] => [toHex(v & U128), toHex(v >> 128n)];
export const fromU256 = (low: string, high: string): bigint => BigInt(low) + (BigInt(high) << 128n);

/** An OpenZeppelin/Argent Cairo 1 `__execute__(calls: Array<Call>)` calldata. */
export function executeCalldata(calls: OutsideCall[]): string[] {
  const out = [toHex(calls.length)];
  for (const c of calls) out.push(toHex(c.to), toHex(c.selector), toHex(c.calldata.length), ...c.calldata.map(toHex));
  return out;
}

/** Pedersen over a list, chained from 0 and closed with its length (Cairo 0's hash_on_elements). */
export type PedersenOnElements = (xs: readonly bigint[]) => bigint;
export const jsPedersenOnElements: PedersenOnElements = (xs) => BigInt(hash.computeHashOnElements([...xs]));

const CONTRACT_ADDRESS_PREFIX = BigInt(shortString.encodeShortString('STARKNET_CONTRACT_ADDRESS'));
const ADDRESS_MOD = 2n ** 251n - 256n;
export type DeploymentAddress = (d: { salt: string; class_hash: string; calldata: readonly string[] }) => string;

/**
 * The address a deployment gets with deployer 0 (a DEPLOY_ACCOUNT, or the UDC
 * with unique = false). A Pedersen per felt of calldata, plus six: ~2 ms each
 * in JS, which is why the Node entry passes starknet-crypto's.
 */
export const deploymentAddress = (onElements: PedersenOnElements = jsPedersenOnElements): DeploymentAddress => (d) =>
  toHex(onElements([CONTRACT_ADDRESS_PREFIX, 0n, BigInt(d.salt), BigInt(d.class_hash), onElements(d.calldata.map((x) => BigInt(x)))]) % ADDRESS_MOD);

/** unique = false: the same address a DEPLOY_ACCOUNT would give, so the client can predict it. */
export function udcDeployCall(d: { class_hash: string; salt: string; calldata: string[] }): OutsideCall {
  return {
    to: UDC_ADDRESS,
    selector: hash.getSelectorFromName('deploy_contract'),
    calldata: [toHex(d.class_hash), toHex(d.salt), '0x0', toHex(d.calldata.length), ...d.calldata.map(toHex)],
  };
}

export function feeTransferCall(token: string, paymaster: string, amount: bigint): OutsideCall {
  return { to: token, selector: TRANSFER_SELECTOR, calldata: [paymaster, ...u256(amount)] };
}

/** Calldata of the OutsideExecution struct as the Paymaster and account ABIs expect it. */
export function serializeOutsideExecution(oe: OutsideExecution): string[] {
  const head = [toHex(oe.caller), toHex(oe.nonce), toHex(oe.executeAfter), toHex(oe.executeBefore)];
  return [...head, ...executeCalldata(oe.calls)];
}

/** The same deployment as a starknet.js Call, for the relayer's own transaction. */
export const udcDeployTx = (d: { class_hash: string; salt: string; calldata: string[] }): Call => ({
  contractAddress: UDC_ADDRESS,
  entrypoint: 'deploy_contract',
  calldata: udcDeployCall(d).calldata,
});

export interface PaymasterInvoke {
  account: string;
  execution: OutsideExecution;
  signature: string[];
  /** Default fee mode: the token and amount the last call transfers to the Paymaster. */
  fee?: { token: string; amount: bigint };
}

/** `execute_sponsored` or `execute_with_fee` on the CIRO Paymaster, which forwards to the account. */
export function paymasterCall(paymaster: string, p: PaymasterInvoke): Call {
  const body = [p.account, ...serializeOutsideExecution(p.execution), toHex(p.signature.length), ...p.signature];
  return p.fee
    ? { contractAddress: paymaster, entrypoint: 'execute_with_fee', calldata: [...body, p.fee.token, ...u256(p.fee.amount)] }
    : { contractAddress: paymaster, entrypoint: 'execute_sponsored', calldata: body };
}

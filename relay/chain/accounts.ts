/**
 * What the relay must know about a user account before it builds for it: is
 * it deployed, with which class, and does that class speak SNIP-9 v2. Only
 * definite answers are cached: a class never changes its interfaces, and an
 * address's class is trusted for an hour (execute reads it fresh anyway).
 * Failures are classified by the node's error code, never by message text.
 */
import type { RpcProvider } from 'starknet';
import { NodeCode, nodeCodeOf, nodeTraceOf } from '../errors/chain.ts';
import type { Store } from '../store/types.ts';
import { Keys, TTL } from '../store/keys.ts';
import { toHex } from './felt.ts';
import { innermostReason } from './revert.ts';

/** SRC-5 interface id of ISRC9_V2 (shared/specs/snip-9.md). */
export const SRC9_V2_INTERFACE_ID = '0x1d1144bb2138366ff28d8e9ab57456b1d332ac42196230c3a602003c89872';

export interface AccountInfo {
  deployed: boolean;
  classHash?: string;
  snip9v2: boolean;
}

type Chain = Pick<RpcProvider, 'getClassHashAt' | 'callContract'>;

/** The class at `address`, or undefined when the node says no contract is deployed there. */
export async function classHashAt(provider: Chain, address: string): Promise<string | undefined> {
  try {
    return toHex(await provider.getClassHashAt(address));
  } catch (e) {
    if (nodeCodeOf(e) === NodeCode.CONTRACT_NOT_FOUND) return undefined;
    throw e;
  }
}

export async function accountInfo(provider: Chain, store: Store, address: string): Promise<AccountInfo> {
  const key = Keys.accountClass(address);
  let classHash = (await store.get(key)) ?? undefined;
  if (!classHash) {
    classHash = await classHashAt(provider, address);
    if (!classHash) return { deployed: false, snip9v2: false };
    await store.set(key, classHash, { ttlMs: TTL.accountClass });
  }
  return { deployed: true, classHash, snip9v2: await classSupportsSnip9(provider, store, classHash, address) };
}

/**
 * A class without SRC-5 (no `supports_interface` entrypoint) is a definite
 * "no"; a node that failed, or a contract that vanished, says nothing about
 * the class and must not be cached as one.
 */
export async function classSupportsSnip9(provider: Chain, store: Store, classHash: string, address: string): Promise<boolean> {
  const key = Keys.classSnip9(classHash);
  const cached = await store.get(key);
  if (cached !== null) return cached === '1';
  let supported: boolean;
  try {
    const res = await provider.callContract({ contractAddress: address, entrypoint: 'supports_interface', calldata: [SRC9_V2_INTERFACE_ID] });
    supported = BigInt(res[0] ?? 0) === 1n;
  } catch (e) {
    if (!isMissingEntrypoint(e)) throw e;
    supported = false;
  }
  await store.set(key, supported ? '1' : '0', { ttlMs: TTL.classSnip9 });
  return supported;
}

function isMissingEntrypoint(e: unknown): boolean {
  const code = nodeCodeOf(e);
  if (code === NodeCode.ENTRYPOINT_NOT_FOUND) return true;
  // RPC 0.8+ reports it as a contract error whose innermost reason is the VM's ENTRYPOINT_NOT_FOUND.
  const trace = nodeTraceOf(e);
  return code === NodeCode.CONTRACT_ERROR && trace !== undefined && innermostReason(trace) === 'ENTRYPOINT_NOT_FOUND';
}

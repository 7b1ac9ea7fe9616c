/**
 * What the relay must know about a user account before it builds for it:
 * is it deployed, and does its class speak SNIP-9 v2. Answers are cached per
 * class hash in the store (a class never changes its interfaces), while the
 * deployment check is per address and only positive answers are cached.
 */
import { RpcProvider, num } from 'starknet';
import type { Store } from '../store/types.ts';

/** SRC-5 interface id of ISRC9_V2 (shared/specs/snip-9.md). */
export const SRC9_V2_INTERFACE_ID = '0x1d1144bb2138366ff28d8e9ab57456b1d332ac42196230c3a602003c89872';

export interface AccountInfo {
  deployed: boolean;
  classHash?: string;
  snip9v2: boolean;
}

export async function classHashAt(provider: RpcProvider, address: string): Promise<string | undefined> {
  try {
    return num.toHex(await provider.getClassHashAt(address));
  } catch (e) {
    // Only "contract not found" means undeployed; anything else is a chain failure to surface.
    if (/contract not found|CONTRACT_NOT_FOUND|20\b/i.test(String((e as Error)?.message ?? e))) return undefined;
    throw e;
  }
}

export async function accountInfo(provider: RpcProvider, store: Store, address: string): Promise<AccountInfo> {
  const deployedKey = `account:class:${num.toHex(address)}`;
  let classHash = (await store.get(deployedKey)) ?? undefined;
  if (!classHash) {
    classHash = await classHashAt(provider, address);
    if (!classHash) return { deployed: false, snip9v2: false };
    await store.set(deployedKey, classHash, { ttlMs: 3_600_000 });
  }
  return { deployed: true, classHash, snip9v2: await classSupportsSnip9(provider, store, classHash, address) };
}

export async function classSupportsSnip9(
  provider: RpcProvider,
  store: Store,
  classHash: string,
  address: string,
): Promise<boolean> {
  const key = `class:snip9v2:${classHash}`;
  const cached = await store.get(key);
  if (cached !== null) return cached === '1';
  let supported: boolean;
  try {
    const res = await provider.callContract({
      contractAddress: address,
      entrypoint: 'supports_interface',
      calldata: [SRC9_V2_INTERFACE_ID],
    });
    supported = BigInt(res[0] ?? 0) === 1n;
  } catch (e) {
    // A class without SRC-5 is a definite "no"; a chain outage must not be cached as one.
    if (!/entry ?point|ENTRYPOINT_NOT_FOUND|not found/i.test(String((e as Error)?.message ?? e))) throw e;
    supported = false;
  }
  await store.set(key, supported ? '1' : '0', { ttlMs: 86_400_000 });
  return supported;
}

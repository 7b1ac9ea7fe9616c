/**
 * What the relay must know about a user account before it builds for it: is
 * it deployed, with which class, does that class speak SNIP-9 v2, and its
 * nonce for the estimate (kept ten minutes; a stale one is read again). Only
 * definite answers are cached: a class never changes its entrypoints, and an
 * address's class is trusted for an hour (the Paymaster checks it on chain at
 * every relayed execution, which execute simulates before sending).
 * Failures are classified by the node's error code, never by message text.
 */
import { hash, type RpcProvider } from 'starknet';
import { NodeCode, nodeCodeOf } from '../errors/chain.ts';
import type { Store } from '../store/types.ts';
import { Keys, TTL } from '../store/keys.ts';
import { toHex } from './felt.ts';

type Chain = Pick<RpcProvider, 'getClassHashAt' | 'getClass'>;

const EXECUTE_FROM_OUTSIDE_V2 = BigInt(hash.getSelectorFromName('execute_from_outside_v2'));

/** The class at `address`, or undefined when the node says no contract is deployed there. */
export async function classHashAt(provider: Chain, address: string): Promise<string | undefined> {
  try {
    return toHex(await provider.getClassHashAt(address));
  } catch (e) {
    if (nodeCodeOf(e) === NodeCode.CONTRACT_NOT_FOUND) return undefined;
    throw e;
  }
}

/** The class at `address` from the store's cache (an hour), else the node's answer, kept; undefined when nothing is deployed there. */
export async function cachedClassHash(provider: Chain, store: Store, address: string): Promise<string | undefined> {
  const key = Keys.accountClass(address);
  const cached = await store.get(key);
  if (cached) return cached;
  const classHash = await classHashAt(provider, address);
  if (classHash) await store.set(key, classHash, { ttlMs: TTL.accountClass });
  return classHash;
}

/**
 * An account's nonce for build's estimate, from the store's cache when it has
 * one (`cached: true`; a wrong one only fails that estimate, which is then
 * retried with `freshNonce`), else the node's, kept.
 */
export async function cachedNonce(provider: Pick<RpcProvider, 'getNonceForAddress'>, store: Store, address: string): Promise<{ nonce: bigint; cached: boolean }> {
  const cached = await store.get(Keys.accountNonce(address));
  if (cached !== null) return { nonce: BigInt(cached), cached: true };
  return { nonce: await freshNonce(provider, store, address), cached: false };
}

export async function freshNonce(provider: Pick<RpcProvider, 'getNonceForAddress'>, store: Store, address: string): Promise<bigint> {
  const nonce = BigInt(await provider.getNonceForAddress(address));
  await store.set(Keys.accountNonce(address), nonce.toString(), { ttlMs: TTL.accountNonce });
  return nonce;
}

/**
 * Whether a class speaks SNIP-9 v2, read from the class itself: its external
 * entrypoints include execute_from_outside_v2. Never from an account at some
 * address: the answer is cached per class for every user of it, and an
 * address can change its class under us (upgrade) between two reads, which
 * would let one caller poison the answer for a whole class. Only an answer the
 * node gave is cached; a failure is thrown and caches nothing.
 */
export async function classSupportsSnip9(provider: Chain, store: Store, classHash: string): Promise<boolean> {
  const known = snip9Known.get(store)?.get(BigInt(classHash));
  if (known !== undefined) return known;
  const key = Keys.classSnip9(classHash);
  const cached = await store.get(key);
  if (cached !== null) return remember(store, classHash, cached === '1');
  const cls = (await provider.getClass(classHash)) as { entry_points_by_type?: { EXTERNAL?: { selector: string }[] } };
  const external = cls.entry_points_by_type?.EXTERNAL;
  // A legacy (Cairo 0) class has no Sierra entry point list: it never implements SNIP-9 v2.
  const supported = (external ?? []).some((e) => BigInt(e.selector) === EXECUTE_FROM_OUTSIDE_V2);
  await store.set(key, supported ? '1' : '0', { ttlMs: TTL.classSnip9 });
  return remember(store, classHash, supported);
}

/**
 * The same answers, also kept in this instance beside the store they were
 * read from or written to: a class hash names its code, so the answer can
 * never change, and every build saves a store round trip. Bounded, as
 * callers choose which classes are asked about.
 */
const snip9Known = new WeakMap<Store, Map<bigint, boolean>>();
const SNIP9_KNOWN_MAX = 1024;

function remember(store: Store, classHash: string, supported: boolean): boolean {
  let known = snip9Known.get(store);
  if (!known || known.size >= SNIP9_KNOWN_MAX) snip9Known.set(store, (known = new Map()));
  known.set(BigInt(classHash), supported);
  return supported;
}

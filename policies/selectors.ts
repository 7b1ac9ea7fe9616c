/**
 * Resolution of the two symbolic forms a policy may use: entrypoint names
 * (hashed to Starknet selectors) and manifest contract names (mapped to
 * addresses through the facts). Both yield canonical bigints / hex so the
 * evaluator compares values, never spellings.
 */
import { hash } from 'starknet';
import { isHex, normalizeFelt, parseFelt } from './primitives.ts';
import type { PolicyFacts } from './types.ts';

// getSelectorFromName is a keccak per call; policies repeat the same few names on every request. Bounded,
// oldest first out: tenant admins write the names, and a process-wide cache must not grow with them.
const selectorCache = new Map<string, bigint>();
export const SELECTOR_CACHE_MAX = 4096;

/** How many names the selector cache holds (tests). */
export const selectorCacheSize = (): number => selectorCache.size;

/** Selector of an entrypoint name or hex selector; undefined if neither. */
export function selectorOf(ref: string): bigint | undefined {
  if (ref.startsWith('0x')) return parseFelt(ref);
  let sel = selectorCache.get(ref);
  if (sel === undefined) {
    sel = BigInt(hash.getSelectorFromName(ref));
    if (selectorCache.size >= SELECTOR_CACHE_MAX) selectorCache.delete(selectorCache.keys().next().value!);
    selectorCache.set(ref, sel);
  }
  return sel;
}

export type ContractResolver = (ref: string) => string | undefined;

/** The contract name that stands for the sender's own account in allow entries. */
export const SELF = 'self';

/**
 * Canonical address for a contract reference. A manifest name missing from
 * the manifest resolves to undefined, so an allow entry naming it matches
 * nothing (fail closed) rather than matching everything.
 */
export function contractResolver(contracts: PolicyFacts['contracts'], sender?: string): ContractResolver {
  const lookup =
    typeof contracts === 'function'
      ? contracts
      : (name: string) => (Object.hasOwn(contracts, name) ? contracts[name] : undefined);
  return (ref) => {
    if (isHex(ref)) return normalizeFelt(ref);
    // `self`: the request's own account (the one self-call the Paymaster relays is revoke_session).
    if (ref === SELF) return sender === undefined ? undefined : normalizeFelt(sender);
    const address = lookup(ref);
    return typeof address === 'string' && isHex(address) ? normalizeFelt(address) : undefined;
  };
}

/**
 * Value schemas shared by the policy schema and the request schema, plus the
 * normalisers the evaluator compares with. Policies are authored by hand, so
 * every error message names the expected form rather than zod's generic text.
 */
import { z } from 'zod';

/** Starknet felts (and so contract addresses) are < P; addresses are further bounded by 2^251. */
export const ADDRESS_BOUND = 2n ** 251n;
/** Fees are u128 on Starknet; anything larger is an authoring mistake, not a big budget. */
export const U128_BOUND = 2n ** 128n;
export const FELT_PRIME = 2n ** 251n + 17n * 2n ** 192n + 1n;

const HEX_RE = /^0x[0-9a-fA-F]{1,64}$/;
const DECIMAL_RE = /^(0|[1-9][0-9]*)$/;
/** A decimal string short enough to be below `bound`: BigInt() of a long one costs CPU for nothing (~14 ms at 250k digits). */
const decimalUnder = (s: string, bound: bigint): boolean => s.length <= bound.toString().length && DECIMAL_RE.test(s) && BigInt(s) < bound;
/** Symbolic contract names come from the deployment manifest keys (`cdc_pool`, `job_mgr`). */
const SYMBOL_RE = /^[a-z][a-z0-9_]{0,63}$/;
/** Cairo identifiers: what `getSelectorFromName` hashes. */
const ENTRYPOINT_RE = /^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/;

// Refinements run even after the regex fails, so each guard re-checks the shape before BigInt().
const below = (bound: bigint) => (s: string) => !HEX_RE.test(s) || BigInt(s) < bound;

export const AddressSchema = z
  .string()
  .regex(HEX_RE, { error: 'expected a hex address like 0x049d…' })
  .refine(below(ADDRESS_BOUND), { error: 'address must be below 2^251' })
  .meta({ description: 'Starknet contract address (0x-prefixed hex felt)' });

export const FeltHexSchema = z
  .string()
  .regex(HEX_RE, { error: 'expected a 0x-prefixed hex felt' })
  .refine(below(FELT_PRIME), { error: 'felt must be below the Stark prime' });

export const SymbolSchema = z
  .string()
  .regex(SYMBOL_RE, { error: 'expected a manifest name like cdc_pool (lowercase, digits, _)' });

/** A contract is named either by address or by its deployment-manifest name. */
export const ContractRefSchema = z.union([AddressSchema, SymbolSchema], {
  error: 'expected a hex address (0x…) or a manifest name like cdc_pool',
});

export const EntrypointSchema = z
  .string()
  .regex(ENTRYPOINT_RE, { error: 'expected an entrypoint name like claim_rewards' });

/** Selectors are accepted as names (hashed at evaluation) or as raw hex selectors. */
export const SelectorRefSchema = z.union([FeltHexSchema, EntrypointSchema], {
  error: 'expected an entrypoint name (claim_rewards) or a hex selector (0x…)',
});

/**
 * Amounts travel as decimal strings because JSON numbers lose precision past
 * 2^53 and fees in fri routinely exceed that.
 */
export const decimalBelow = (bound: bigint, what: string) =>
  z
    .string()
    .regex(DECIMAL_RE, { error: 'expected a non-negative decimal integer string, e.g. "1000000000000000000"' })
    .refine((s) => !DECIMAL_RE.test(s) || decimalUnder(s, bound), { error: `value must fit in ${what}` });

/** A decimal string's value, if it is one below `bound`: for comparisons in refinements, which run on strings the regex refused too. */
export const decimalValue = (s: string | undefined, bound: bigint): bigint | undefined => (s !== undefined && decimalUnder(s, bound) ? BigInt(s) : undefined);

/** Fee amounts in fri (u128 on Starknet). */
export const DecimalSchema = decimalBelow(U128_BOUND, 'u128');
/** Calldata bounds may describe u256 token amounts. */
export const U256_BOUND = 2n ** 256n;
export const U256DecimalSchema = decimalBelow(U256_BOUND, 'u256');

/** 9999-12-31T23:59:59Z: keeps every instant printable as an ISO date in messages. */
const MAX_UNIX = 253_402_300_799;

/** Unix seconds or an ISO-8601 timestamp with an explicit offset (no local-time ambiguity). */
const INSTANT_ERROR = 'expected unix seconds or an ISO-8601 timestamp with offset (2025-01-01T00:00:00Z)';
export const InstantSchema = z.union(
  [z.number().int().nonnegative().max(MAX_UNIX), z.iso.datetime({ offset: true, error: INSTANT_ERROR })],
  { error: INSTANT_ERROR },
);

export const PeriodSchema = z.union(
  [z.enum(['day', 'week', 'month']), z.number().int().positive().max(366 * 86_400)],
  { error: "expected 'day', 'week', 'month' or a number of seconds" },
);

export type ContractRef = z.infer<typeof ContractRefSchema>;
export type Instant = z.infer<typeof InstantSchema>;
export type Period = z.infer<typeof PeriodSchema>;

export const isHex = (s: string): boolean => HEX_RE.test(s);

/**
 * Canonical felt form (lowercase, no leading zeros) so `0x0049d…` and `0x49D…`
 * compare equal. Returns undefined for anything that is not a felt.
 */
export function normalizeFelt(value: string): string | undefined {
  const n = parseFelt(value);
  return n === undefined ? undefined : '0x' + n.toString(16);
}

/** Calldata arrives as hex or decimal strings; both are legal felt encodings. */
export function parseFelt(value: string): bigint | undefined {
  if (HEX_RE.test(value)) {
    const n = BigInt(value);
    return n < FELT_PRIME ? n : undefined;
  }
  return decimalUnder(value, FELT_PRIME) ? BigInt(value) : undefined;
}

export function instantToUnix(at: Instant): number {
  return typeof at === 'number' ? at : Math.floor(Date.parse(at) / 1000);
}

/**
 * The relay's one felt schema, in the shapes the boundaries need. Bounds come
 * from the policy model (policies/primitives.ts), so the relay and the
 * policies agree on what a felt and an address are.
 */
import { z } from 'zod';
import { ADDRESS_BOUND, FELT_PRIME } from '../../policies/primitives.ts';

const HEX = /^0x[0-9a-fA-F]{1,64}$/;
const DECIMAL = /^\d{1,78}$/;

/** Lowercase 0x-hex without leading zeros: one spelling per value. */
export const toHex = (v: string | number | bigint): string => '0x' + BigInt(v).toString(16);

/** A 0x-hex felt, kept as written (manifest and config values are echoed back verbatim). */
export const FeltHex = z
  .string()
  .regex(HEX, 'expected a 0x-prefixed hex felt')
  .refine((s) => !HEX.test(s) || BigInt(s) < FELT_PRIME, 'not a felt (>= the field prime)');

/** A 0x-hex felt from a client, canonicalised once at the boundary. */
export const Felt = FeltHex.transform(toHex);

/** Hex, decimal string or JSON number: the encodings SNIP-12 typed data allows for a felt. */
export const FeltLike = z
  .union([z.string().regex(new RegExp(`${HEX.source}|${DECIMAL.source}`)), z.number().int().nonnegative()], {
    error: 'expected a felt (0x-hex, decimal string or integer)',
  })
  .refine((v) => BigInt(v) < FELT_PRIME, 'not a felt (>= the field prime)')
  .transform((v) => BigInt(v));

/**
 * A contract address (non-zero, below 2^251). Out of range is SNIP-29's 150
 * INVALID_ADDRESS, not a generic invalid-params error, so the issue carries
 * that reason for the handler to report.
 */
export const Address = z
  .string()
  .regex(HEX, 'expected a 0x-prefixed hex address')
  .superRefine((v, ctx) => {
    if (!HEX.test(v)) return;
    const n = BigInt(v);
    if (n === 0n || n >= ADDRESS_BOUND) {
      ctx.addIssue({ code: 'custom', message: 'must be a non-zero felt below 2^251', params: { reason: 'address_out_of_range' } });
    }
  })
  .transform(toHex);

/** A random 248-bit felt: SNIP-9 nonces and tracking ids. */
export function randomFelt(): string {
  return toHex('0x' + [...crypto.getRandomValues(new Uint8Array(31))].map((b) => b.toString(16).padStart(2, '0')).join(''));
}

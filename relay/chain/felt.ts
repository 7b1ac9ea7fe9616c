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
  // A transform, not a refine: refinements run even when the union failed, and BigInt('zz') throws.
  .transform((v, ctx) => {
    const n = BigInt(v);
    if (n < FELT_PRIME) return n;
    ctx.addIssue({ code: 'custom', message: 'not a felt (>= the field prime)' });
    return z.NEVER;
  });

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

/**
 * A list checked in one pass that stops at its first bad element. zod's own
 * arrays report every bad element: a 256 KiB body of bad felts made ~40,000
 * issue objects, 200-300 ms of CPU for one request with a public key. The
 * length is checked before any element, so an over-long list costs nothing.
 */
export function boundedList<T extends z.ZodType>(item: T, max: number, what = 'items', fast?: (v: unknown) => z.output<T> | undefined) {
  return z
    .array(z.unknown())
    .max(max, `at most ${max} ${what}`)
    .transform((xs, ctx) => {
      const out: z.output<T>[] = new Array(xs.length);
      for (let i = 0; i < xs.length; i++) {
        const quick = fast?.(xs[i]);
        if (quick !== undefined) {
          out[i] = quick;
          continue;
        }
        const r = item.safeParse(xs[i]);
        if (!r.success) {
          for (const issue of r.error.issues) ctx.addIssue({ ...issue, path: [i, ...issue.path] } as Parameters<typeof ctx.addIssue>[0]);
          return z.NEVER;
        }
        out[i] = r.data;
      }
      return out;
    });
}

/**
 * What Felt gives for a plain 0x-hex felt, without zod or a BigInt per
 * element (a list may hold thousands); undefined for anything else, which
 * Felt itself then judges. The prime has 63 hex digits, so only 63 or more
 * need the bound checked.
 */
export function quickFelt(v: unknown): string | undefined {
  if (typeof v !== 'string' || !HEX.test(v)) return undefined;
  let i = 2;
  while (i < v.length - 1 && v.charCodeAt(i) === 48) i++;
  const digits = v.slice(i).toLowerCase();
  if (digits.length >= 63 && BigInt('0x' + digits) >= FELT_PRIME) return undefined;
  return '0x' + digits;
}

/** What FeltLike gives for a hex or decimal string or a safe integer; undefined for anything else. */
export function quickFeltLike(v: unknown): bigint | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : undefined;
  if (typeof v !== 'string' || !(HEX.test(v) || DECIMAL.test(v))) return undefined;
  const n = BigInt(v);
  return n < FELT_PRIME ? n : undefined;
}

/** A list of client felts, canonicalised (Felt), at most `max`. */
export const feltList = (max: number) => boundedList(Felt, max, 'felts', quickFelt);
/** A list of typed-data felts (FeltLike), at most `max`. */
export const feltLikeList = (max: number) => boundedList(FeltLike, max, 'felts', quickFeltLike);

/** A random 248-bit felt: SNIP-9 nonces and tracking ids. */
export function randomFelt(): string {
  return toHex('0x' + [...crypto.getRandomValues(new Uint8Array(31))].map((b) => b.toString(16).padStart(2, '0')).join(''));
}

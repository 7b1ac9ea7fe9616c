/**
 * SNIP-9 v2 outside-execution typed data (SNIP-12 revision 1): built by the
 * relay at paymaster_buildTransaction, parsed back strictly at
 * paymaster_executeTransaction. Hashing is starknet.js `typedData`; the
 * shapes are the spec's (shared/specs/snip-29.md, "Version 2").
 */
import { typedData as td, num, shortString, type TypedData } from 'starknet';
import { z } from 'zod';

export const OUTSIDE_EXECUTION_TYPES_V2 = {
  StarknetDomain: [
    { name: 'name', type: 'shortstring' },
    { name: 'version', type: 'shortstring' },
    { name: 'chainId', type: 'shortstring' },
    { name: 'revision', type: 'shortstring' },
  ],
  OutsideExecution: [
    { name: 'Caller', type: 'ContractAddress' },
    { name: 'Nonce', type: 'felt' },
    { name: 'Execute After', type: 'u128' },
    { name: 'Execute Before', type: 'u128' },
    { name: 'Calls', type: 'Call*' },
  ],
  Call: [
    { name: 'To', type: 'ContractAddress' },
    { name: 'Selector', type: 'selector' },
    { name: 'Calldata', type: 'felt*' },
  ],
} as const;

export const ANY_CALLER = shortString.encodeShortString('ANY_CALLER');

export interface OutsideCall {
  to: string;
  selector: string;
  calldata: string[];
}

export interface OutsideExecution {
  caller: string;
  nonce: string;
  executeAfter: number;
  executeBefore: number;
  calls: OutsideCall[];
}

const hex = (v: string | bigint) => num.toHex(v);

/** Canonical hex (lowercase, unpadded): what wallets compare selectors against. */
export function normalizeCall(c: OutsideCall): OutsideCall {
  return { to: hex(c.to), selector: hex(c.selector), calldata: c.calldata.map((x) => hex(x)) };
}

export function buildTypedData(chainId: string, oe: OutsideExecution): TypedData {
  return {
    types: structuredClone(OUTSIDE_EXECUTION_TYPES_V2) as unknown as TypedData['types'],
    primaryType: 'OutsideExecution',
    domain: { name: 'Account.execute_from_outside', version: '2', chainId: hex(chainId), revision: '1' },
    message: {
      Caller: hex(oe.caller),
      Nonce: hex(oe.nonce),
      'Execute After': hex(BigInt(oe.executeAfter)),
      'Execute Before': hex(BigInt(oe.executeBefore)),
      Calls: oe.calls.map((c) => {
        const n = normalizeCall(c);
        return { To: n.to, Selector: n.selector, Calldata: n.calldata };
      }),
    },
  };
}

/** The Stark field prime: anything at or above it is not a felt and would not hash. */
const FIELD_PRIME = 2n ** 251n + 17n * 2n ** 192n + 1n;
const FeltLike = z
  .union([z.string().regex(/^(0x[0-9a-fA-F]{1,64}|\d{1,78})$/), z.number().int().nonnegative()])
  .refine((v) => BigInt(v) < FIELD_PRIME, 'not a felt (>= the field prime)');
/** SNIP-9 accounts take the bounds as u64 (block timestamps). */
const U64Like = FeltLike.refine((v) => BigInt(v) < 2n ** 64n, 'must fit in u64');
const toBig = (v: string | number) => BigInt(v);

/** Accepts revision/version as the integer or the shortstring, as SNIP-9 allows. */
const DomainField = z.union([z.string(), z.number()]).transform((v) => String(v));

const TypedDataV2Schema = z.object({
  types: z.record(z.string(), z.array(z.object({ name: z.string(), type: z.string() }))),
  primaryType: z.literal('OutsideExecution'),
  domain: z.object({
    name: z.literal('Account.execute_from_outside'),
    version: DomainField.refine((v) => v === '2', 'only SNIP-9 version 2 is supported'),
    chainId: z.union([z.string(), z.number()]),
    revision: DomainField.refine((v) => v === '1', 'SNIP-12 revision 1 is required'),
  }),
  message: z.object({
    Caller: FeltLike,
    Nonce: FeltLike,
    'Execute After': U64Like,
    'Execute Before': U64Like,
    Calls: z
      .array(z.object({ To: FeltLike, Selector: FeltLike, Calldata: z.array(FeltLike) }))
      .min(1, 'at least one call is required'),
  }),
});

export type ParseResult =
  | { ok: true; chainId: bigint; execution: OutsideExecution }
  | { ok: false; path: string; message: string };

/**
 * Parses client-supplied typed data. The type definitions must be exactly
 * the v2 ones: a different type string would change the hash the account
 * checks, so anything else is refused rather than interpreted.
 */
export function parseTypedData(input: unknown): ParseResult {
  const res = TypedDataV2Schema.safeParse(input);
  if (!res.success) {
    const i = res.error.issues[0]!;
    return { ok: false, path: i.path.join('.'), message: i.message };
  }
  const t = res.data;
  for (const [name, fields] of Object.entries(OUTSIDE_EXECUTION_TYPES_V2)) {
    const got = t.types[name];
    if (!got || JSON.stringify(got.map((f) => [f.name, f.type])) !== JSON.stringify(fields.map((f) => [f.name, f.type]))) {
      return { ok: false, path: `types.${name}`, message: 'must equal the SNIP-9 v2 type definition' };
    }
  }
  if (Object.keys(t.types).length !== 3) {
    return { ok: false, path: 'types', message: 'unexpected extra types' };
  }
  let chainId: bigint;
  try {
    chainId = typeof t.domain.chainId === 'number' ? BigInt(t.domain.chainId) : chainIdToBig(t.domain.chainId);
  } catch {
    return { ok: false, path: 'domain.chainId', message: 'not a felt or short string' };
  }
  const m = t.message;
  return {
    ok: true,
    chainId,
    execution: {
      caller: hex(toBig(m.Caller)),
      nonce: hex(toBig(m.Nonce)),
      executeAfter: Number(toBig(m['Execute After'])),
      executeBefore: Number(toBig(m['Execute Before'])),
      calls: m.Calls.map((c) => ({
        to: hex(toBig(c.To)),
        selector: hex(toBig(c.Selector)),
        calldata: c.Calldata.map((x) => hex(toBig(x))),
      })),
    },
  };
}

function chainIdToBig(v: string): bigint {
  return /^0x[0-9a-fA-F]+$/.test(v) ? BigInt(v) : BigInt(shortString.encodeShortString(v));
}

export function messageHash(t: TypedData, account: string): string {
  return td.getMessageHash(t, account);
}

/** Calldata of the OutsideExecution struct as the Paymaster/account ABI expects it. */
export function serializeOutsideExecution(oe: OutsideExecution): string[] {
  const out = [hex(oe.caller), hex(oe.nonce), hex(BigInt(oe.executeAfter)), hex(BigInt(oe.executeBefore)), hex(BigInt(oe.calls.length))];
  for (const c of oe.calls) {
    out.push(hex(c.to), hex(c.selector), hex(BigInt(c.calldata.length)), ...c.calldata.map((x) => hex(x)));
  }
  return out;
}

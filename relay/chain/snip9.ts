/**
 * SNIP-9 v2 outside executions as SNIP-12 revision 1 typed data: built by the
 * relay at paymaster_buildTransaction and parsed back, strictly, at
 * paymaster_executeTransaction. Hashing is starknet.js `typedData`; the
 * shapes are the spec's (shared/specs/snip-29.md, "Version 2").
 */
import { shortString, type TypedData } from 'starknet';
import { z } from 'zod';
import { boundedList, feltLikeList, FeltLike, toHex } from './felt.ts';

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

/** A call with canonical hex felts: what wallets compare selectors against. */
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

export function normalizeCall(c: OutsideCall): OutsideCall {
  return { to: toHex(c.to), selector: toHex(c.selector), calldata: c.calldata.map(toHex) };
}

export function buildTypedData(chainId: string, oe: OutsideExecution): TypedData {
  return {
    types: structuredClone(OUTSIDE_EXECUTION_TYPES_V2) as unknown as TypedData['types'],
    primaryType: 'OutsideExecution',
    // The SNIP-29 schema spells revision 1 as the integer (the shortstring "1" hashes the same).
    domain: { name: 'Account.execute_from_outside', version: '2', chainId: toHex(chainId), revision: 1 as unknown as string },
    message: {
      Caller: toHex(oe.caller),
      Nonce: toHex(oe.nonce),
      'Execute After': toHex(oe.executeAfter),
      'Execute Before': toHex(oe.executeBefore),
      Calls: oe.calls.map(normalizeCall).map((c) => ({ To: c.to, Selector: c.selector, Calldata: c.calldata })),
    },
  };
}

/** Per request, at build and at execute: what one relayed transaction may carry. */
export const MAX_CALLS = 64;
/**
 * Calldata felts across all of a request's calls. The sequencer's gateway
 * refuses a transaction with more than 4,000 (its stateless validator's
 * max_calldata_length), and the relayer's transaction wraps the calls: the
 * Paymaster call, the execution's fields, 3 felts a call, the signature, the
 * fee transfer and a deployment's UDC call need up to ~550 more.
 */
export const MAX_CALLDATA = 3400;

/** A signed execution may carry the fee transfer a build adds: one more call, of 3 felts (recipient, u256). */
const FEE_TRANSFER = { calls: 1, felts: 3 };

/**
 * A request's calls: at most `max.calls`, and `max.felts` of calldata in
 * all, both counted on the raw list before any call is parsed, then each
 * call parsed in order, stopping at the first bad one.
 */
export function callList<T extends z.ZodType>(call: T, calldataKey: string, max = { calls: MAX_CALLS, felts: MAX_CALLDATA }) {
  const maxCalls = max.calls;
  return z
    .array(z.unknown())
    .min(1, 'at least one call is required')
    .max(maxCalls, `at most ${maxCalls} calls`)
    .superRefine((calls, ctx) => {
      let felts = 0;
      for (const c of calls) {
        const data = (c as Record<string, unknown> | null)?.[calldataKey];
        if (Array.isArray(data)) felts += data.length;
      }
      if (felts > max.felts) {
        ctx.addIssue({ code: 'too_big', origin: 'array', maximum: max.felts, inclusive: true, input: calls, message: `at most ${max.felts} calldata felts across all calls (the chain's limit for a transaction, less what the relay wraps them in)` });
      }
    })
    .pipe(boundedList(call, maxCalls, 'calls'));
}

/** SNIP-9 accounts take the bounds as u64 (block timestamps). */
const U64Like = FeltLike.pipe(z.bigint().max(2n ** 64n - 1n, 'must fit in u64'));
/** Accepts revision/version as the integer or the shortstring, as SNIP-12 allows. */
const DomainField = z.union([z.string(), z.number()]).transform((v) => String(v));
const ChainId = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    return typeof v === 'number' || /^0x[0-9a-fA-F]+$/.test(v) ? BigInt(v) : BigInt(shortString.encodeShortString(v));
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not a felt or short string' });
    return z.NEVER;
  }
}).refine((v) => v < 2n ** 248n, 'a chain id is a short string (under 2^248)');
const sameFields = (a: unknown, b: readonly { name: string; type: string }[]) =>
  Array.isArray(a) && a.length === b.length && a.every((f, i) => f?.name === b[i]!.name && f?.type === b[i]!.type);

/**
 * The type definitions, compared with v2's as they come rather than parsed
 * entry by entry: a 256 KiB record of malformed entries made ~100k zod issues
 * (200 ms of CPU, and past ~120k a RangeError), for a value that can only
 * ever be one thing.
 */
const V2Types = z.unknown().superRefine((types, ctx) => {
  if (typeof types !== 'object' || types === null || Array.isArray(types)) {
    ctx.addIssue({ code: 'custom', message: 'expected the SNIP-9 v2 type definitions (an object)' });
    return;
  }
  const given = types as Record<string, unknown>;
  for (const [name, fields] of Object.entries(OUTSIDE_EXECUTION_TYPES_V2)) {
    if (!Object.hasOwn(given, name) || !sameFields(given[name], fields)) ctx.addIssue({ code: 'custom', path: [name], message: 'must equal the SNIP-9 v2 type definition' });
  }
  if (Object.keys(given).length !== 3) ctx.addIssue({ code: 'custom', message: 'unexpected extra types' });
});

/**
 * Client-supplied typed data → the domain OutsideExecution. The type
 * definitions must be exactly the v2 ones: a different type string would
 * change the hash the account checks, so anything else is refused rather
 * than interpreted.
 */
export const OutsideExecutionTypedData = z
  .object({
    types: V2Types,
    primaryType: z.literal('OutsideExecution'),
    domain: z.object({
      name: z.literal('Account.execute_from_outside'),
      version: DomainField.refine((v) => v === '2', 'only SNIP-9 version 2 is supported'),
      chainId: ChainId,
      revision: DomainField.refine((v) => v === '1', 'SNIP-12 revision 1 is required'),
    }),
    message: z.object({
      Caller: FeltLike,
      Nonce: FeltLike,
      'Execute After': U64Like,
      'Execute Before': U64Like,
      // The same size limits as a build's calls (chain/snip29.ts): a signed execution is no bigger.
      Calls: callList(z.object({ To: FeltLike, Selector: FeltLike, Calldata: feltLikeList(MAX_CALLDATA) }), 'Calldata', {
        calls: MAX_CALLS + FEE_TRANSFER.calls,
        felts: MAX_CALLDATA + FEE_TRANSFER.felts,
      }),
    }),
  })
  .transform(({ domain, message: m }) => ({
    chainId: domain.chainId,
    execution: {
      caller: toHex(m.Caller),
      nonce: toHex(m.Nonce),
      executeAfter: Number(m['Execute After']),
      executeBefore: Number(m['Execute Before']),
      calls: m.Calls.map((c) => ({ to: toHex(c.To), selector: toHex(c.Selector), calldata: c.Calldata.map(toHex) })),
    } satisfies OutsideExecution,
  }));

export type SignedOutsideExecution = z.output<typeof OutsideExecutionTypedData>;

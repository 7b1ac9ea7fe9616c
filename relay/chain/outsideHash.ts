/**
 * The SNIP-12 (revision 1) message hash of a SNIP-9 v2 outside execution,
 * with the Poseidon the caller passes: starknet-crypto's on Node. starknet.js
 * `typedData.getMessageHash` computes the same value in JS, ~0.3 s for a
 * session co-signature at its size limit, which anyone holding a session
 * could replay within its window. The layout is fixed by the v2 types
 * (./snip9.ts), so the encoding is written out: a struct is Poseidon over its
 * type hash and fields, an array (`Call*`, `felt*`) Poseidon over its
 * elements. Tested against starknet.js and the spec's vector.
 */
import { shortString, typedData, TypedDataRevision, type TypedData } from 'starknet';
import { OUTSIDE_EXECUTION_TYPES_V2, type OutsideExecution } from './snip9.ts';

export type PoseidonMany = (xs: readonly bigint[]) => bigint;

const TYPES = OUTSIDE_EXECUTION_TYPES_V2 as unknown as TypedData['types'];
const typeHash = (name: string) => BigInt(typedData.getTypeHash(TYPES, name, TypedDataRevision.ACTIVE));
const TYPE_HASH = { domain: typeHash('StarknetDomain'), execution: typeHash('OutsideExecution'), call: typeHash('Call') };
const short = (s: string) => BigInt(shortString.encodeShortString(s));
const MESSAGE_PREFIX = short('StarkNet Message');
// A shortstring of digits encodes as its number (starknet.js does, and the spec's vector agrees).
const DOMAIN = { name: short('Account.execute_from_outside'), version: 2n, revision: 1n };

/** The hash an account checks the outside execution's signature against (`account`: the signer's address). */
export function outsideExecutionHash(chainId: string | bigint, execution: OutsideExecution, account: string, poseidon: PoseidonMany): bigint {
  const domain = poseidon([TYPE_HASH.domain, DOMAIN.name, DOMAIN.version, BigInt(chainId), DOMAIN.revision]);
  const calls = execution.calls.map((c) => poseidon([TYPE_HASH.call, BigInt(c.to), BigInt(c.selector), poseidon(c.calldata.map((x) => BigInt(x)))]));
  const message = poseidon([
    TYPE_HASH.execution,
    BigInt(execution.caller),
    BigInt(execution.nonce),
    BigInt(execution.executeAfter),
    BigInt(execution.executeBefore),
    poseidon(calls),
  ]);
  return poseidon([MESSAGE_PREFIX, domain, BigInt(account), message]);
}

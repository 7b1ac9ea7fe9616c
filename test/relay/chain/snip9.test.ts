import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ec, hash, shortString, typedData, type TypedData } from 'starknet';
import { toHex } from '../../../relay/chain/felt.ts';
import { outsideExecutionHash } from '../../../relay/chain/outsideHash.ts';
import { loadNativeCrypto } from '../../../relay/entry/nativeCrypto.ts';
import { buildTypedData, OutsideExecutionTypedData } from '../../../relay/chain/snip9.ts';
import { formatPath } from '../../../policies/index.ts';
import { repoRoot } from '../../../scripts/local/toolchain.ts';

const ANY_CALLER = shortString.encodeShortString('ANY_CALLER');
const messageHash = (t: TypedData, account: string) => typedData.getMessageHash(t, account);
/** The strict parser's verdict: the domain execution, or the first problem's path. */
function parseTypedData(input: unknown) {
  const r = OutsideExecutionTypedData.safeParse(input);
  return r.success ? { ok: true as const, ...r.data } : { ok: false as const, path: formatPath(r.error.issues[0]!.path) };
}

// The known-good vector shipped with the specs is the authority, not the library.
const vectorText = readFileSync(join(repoRoot, '..', 'shared', 'specs', 'snip-9-v2-typed-data-vector.txt'), 'utf8');
const expected = (label: string) => {
  const m = new RegExp(`${label}\\s*[:=]\\s*(0x[0-9a-f]+)`).exec(vectorText);
  if (!m) throw new Error(`vector file lacks ${label}`);
  return m[1]!;
};

const vectorExecution = {
  caller: ANY_CALLER,
  nonce: '0x1',
  executeAfter: 1,
  executeBefore: 2_000_000_000,
  calls: [{ to: '0x123', selector: hash.getSelectorFromName('transfer'), calldata: ['0x456', '100', '0'] }],
};
const vector = buildTypedData('0x534e5f5345504f4c4941', vectorExecution);

describe('SNIP-9 v2 typed data', () => {
  it('matches the spec vector hash', () => {
    expect(messageHash(vector, '0xabc')).toBe(expected('getMessageHash\\(typedData, 0xabc\\)'));
  });

  it('uses the spec type hashes', () => {
    expect(typedData.getTypeHash(vector.types, 'OutsideExecution', '1' as any)).toBe(
      expected('OutsideExecution type hash \\(SNIP-9 v2\\)'),
    );
    expect(typedData.getTypeHash(vector.types, 'Call', '1' as any)).toBe(
      expected('Call type hash \\(SNIP-9 v2\\)'),
    );
    expect(typedData.getTypeHash(vector.types, 'StarknetDomain', '1' as any)).toBe(
      expected('StarknetDomain type hash \\(rev 1\\)'),
    );
  });

  it('round-trips through the strict parser', () => {
    const parsed = parseTypedData(JSON.parse(JSON.stringify(vector)));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.chainId).toBe(0x534e5f5345504f4c4941n);
    expect(parsed.execution.calls[0]!.calldata).toEqual(['0x456', '0x64', '0x0']);
    expect(messageHash(buildTypedData('0x534e5f5345504f4c4941', parsed.execution), '0xabc')).toBe(
      messageHash(vector, '0xabc'),
    );
  });

  it('refuses altered type definitions and foreign domains', () => {
    const altered = structuredClone(vector) as any;
    altered.types.Call[2].type = 'felt';
    expect(parseTypedData(altered)).toMatchObject({ ok: false, path: 'types.Call' });
    const v1 = structuredClone(vector) as any;
    v1.domain.version = '1';
    expect(parseTypedData(v1)).toMatchObject({ ok: false, path: 'domain.version' });
    const noCalls = structuredClone(vector) as any;
    noCalls.message.Calls = [];
    expect(parseTypedData(noCalls)).toMatchObject({ ok: false, path: 'message.Calls' });
  });

  it('is hashed by outsideExecutionHash as starknet.js hashes it, with either Poseidon', () => {
    const js = (xs: readonly bigint[]) => ec.starkCurve.poseidonHashMany([...xs]);
    const native = loadNativeCrypto().crypto!.poseidonMany;
    expect(toHex(outsideExecutionHash('0x534e5f5345504f4c4941', vectorExecution, '0xabc', js))).toBe(expected('getMessageHash\\(typedData, 0xabc\\)'));
    const felt = fc.bigInt({ min: 0n, max: 2n ** 251n }).map((n) => `0x${n.toString(16)}`);
    const execution = fc.record({
      caller: felt,
      nonce: felt,
      executeAfter: fc.integer({ min: 0, max: 2 ** 40 }),
      executeBefore: fc.integer({ min: 0, max: 2 ** 40 }),
      calls: fc.array(fc.record({ to: felt, selector: felt, calldata: fc.array(felt, { maxLength: 8 }) }), { maxLength: 4 }),
    });
    fc.assert(
      fc.property(execution, felt, fc.constantFrom('0x534e5f5345504f4c4941', '0x534e5f4d41494e'), (oe, account, chain) => {
        const want = BigInt(typedData.getMessageHash(buildTypedData(chain, oe), account));
        return outsideExecutionHash(chain, oe, account, js) === want && outsideExecutionHash(chain, oe, account, native) === want;
      }),
      { numRuns: 60 },
    );
  });
});

/**
 * Felt lists at the boundary: the quick path gives exactly what the felt
 * schema gives (or steps aside), a list stops at its first bad element, and
 * a request's calls are bounded in count and in calldata before any element
 * is parsed. Bodies of bad felts once cost 200-300 ms of CPU each in issue
 * objects; the issue counts here are what would grow again if that returned.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FELT_PRIME } from '../../../policies/primitives.ts';
import { Felt, FeltLike, feltList, quickFelt, quickFeltLike } from '../../../relay/chain/felt.ts';
import { UserTransactionParam } from '../../../relay/chain/snip29.ts';
import { callList, MAX_CALLDATA, OutsideExecutionTypedData } from '../../../relay/chain/snip9.ts';
import { CallParam } from '../../../relay/chain/snip29.ts';

const hexDigits = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 1, maxLength: 66 });
const nearPrime = fc.bigInt({ min: FELT_PRIME - 1000n, max: FELT_PRIME + 1000n });
// Felt-like and not: hex of any length and case, leading zeros, the prime's neighbours, decimals, junk, numbers.
const candidate = fc.oneof(
  hexDigits.map((d) => '0x' + d),
  hexDigits.map((d) => '0X' + d),
  nearPrime.map((n) => '0x' + n.toString(16)),
  nearPrime.map((n) => '0x' + n.toString(16).toUpperCase().padStart(64, '0')),
  nearPrime.map((n) => n.toString(10)),
  fc.bigInt({ min: 0n, max: 2n ** 260n }).map((n) => n.toString(10)),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.constantFrom('0x', '', '0x0', '0x00', ' 0x1', '0x1 ', '-1', null, true, {}, []),
);

describe('quick felt paths', () => {
  it('quickFelt gives what Felt gives, or steps aside', () => {
    fc.assert(
      fc.property(candidate, (v) => {
        const quick = quickFelt(v);
        const full = Felt.safeParse(v);
        if (quick !== undefined) expect(full).toEqual({ success: true, data: quick });
        else if (typeof v === 'string' && /^0x[0-9a-fA-F]{1,64}$/.test(v)) expect(full.success).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it('quickFeltLike gives what FeltLike gives, or steps aside', () => {
    fc.assert(
      fc.property(candidate, (v) => {
        const quick = quickFeltLike(v);
        if (quick !== undefined) expect(FeltLike.safeParse(v)).toEqual({ success: true, data: quick });
      }),
      { numRuns: 5000 },
    );
  });

  it('takes the common spellings without zod', () => {
    expect(quickFelt('0x000ABc')).toBe('0xabc');
    expect(quickFelt('0x0')).toBe('0x0');
    expect(quickFelt('0x' + FELT_PRIME.toString(16))).toBeUndefined();
    expect(quickFeltLike('123')).toBe(123n);
  });
});

describe('felt lists', () => {
  it('stop at the first bad felt, naming it', () => {
    const r = feltList(10_000).safeParse(['0x1', 'zz', ...Array(5000).fill('yy')]);
    expect(r.success).toBe(false);
    expect(r.error!.issues).toHaveLength(1);
    expect(r.error!.issues[0]!.path).toEqual([1]);
  });

  it('refuse an over-long list before reading an element', () => {
    const r = feltList(64).safeParse(Array(65).fill({ not: 'a felt' }));
    expect(r.error!.issues.map((i) => i.code)).toEqual(['too_big']);
  });

  it('canonicalise like Felt', () => {
    expect(feltList(4).parse(['0x01', '0xAB', '0x' + '0'.repeat(64)])).toEqual(['0x1', '0xab', '0x0']);
  });
});

describe('a request’s calls', () => {
  const to = '0x123';
  const call = (n: number, felt = '0x1') => ({ to, selector: '0x2', calldata: Array(n).fill(felt) });

  it(`carry at most ${MAX_CALLDATA} calldata felts in all, counted before parsing`, () => {
    const calls = callList(CallParam, 'calldata');
    expect(calls.safeParse([call(MAX_CALLDATA - 100), call(100)]).success).toBe(true);
    const over = calls.safeParse([call(MAX_CALLDATA - 100), call(101, 'not a felt')]);
    expect(over.error!.issues.map((i) => i.code)).toEqual(['too_big']);
    expect(over.error!.issues[0]!.message).toContain(`at most ${MAX_CALLDATA} calldata felts`);
  });

  it('report one issue for a body of bad felts, at its first bad felt', () => {
    const tx = { type: 'invoke', invoke: { user_address: '0xa11ce', calls: Array(10).fill(call(300, 'zz')) } };
    const r = UserTransactionParam.safeParse(tx);
    expect(r.error!.issues).toHaveLength(1);
    expect(r.error!.issues[0]!.path).toEqual(['invoke', 'calls', 0, 'calldata', 0]);
  });

  it('in signed typed data, leave room for the fee transfer a build adds', () => {
    const typed = (calls: object[]) => ({
      types: {
        StarknetDomain: [{ name: 'name', type: 'shortstring' }, { name: 'version', type: 'shortstring' }, { name: 'chainId', type: 'shortstring' }, { name: 'revision', type: 'shortstring' }],
        OutsideExecution: [{ name: 'Caller', type: 'ContractAddress' }, { name: 'Nonce', type: 'felt' }, { name: 'Execute After', type: 'u128' }, { name: 'Execute Before', type: 'u128' }, { name: 'Calls', type: 'Call*' }],
        Call: [{ name: 'To', type: 'ContractAddress' }, { name: 'Selector', type: 'selector' }, { name: 'Calldata', type: 'felt*' }],
      },
      primaryType: 'OutsideExecution',
      domain: { name: 'Account.execute_from_outside', version: '2', chainId: 'SN_SEPOLIA', revision: '1' },
      message: { Caller: '0x1', Nonce: '0x2', 'Execute After': '0', 'Execute Before': '99999999999', Calls: calls },
    });
    const asTyped = (c: ReturnType<typeof call>) => ({ To: c.to, Selector: c.selector, Calldata: c.calldata });
    const fee = { To: '0x4', Selector: '0x5', Calldata: ['0x6', '0x7', '0x0'] };
    expect(OutsideExecutionTypedData.safeParse(typed([asTyped(call(MAX_CALLDATA)), fee])).success).toBe(true);
    const r = OutsideExecutionTypedData.safeParse(typed([asTyped(call(MAX_CALLDATA)), fee, asTyped(call(1))]));
    expect(r.error!.issues.map((i) => i.code)).toEqual(['too_big']);
    const bad = OutsideExecutionTypedData.safeParse(typed([asTyped(call(2000, 'zz'))]));
    expect(bad.error!.issues).toHaveLength(1);
  });
});

/**
 * The relayers' signer must sign exactly what starknet.js's Signer signs (the
 * node checks the signature against the transaction's hash), whether the
 * calldata's hash was computed ahead or not, with the JS Poseidon and with the
 * Node entry's native one (built by setup: a missing addon fails here). Stark
 * signatures are deterministic (RFC 6979), so equal signatures mean equal hashes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { constants, ETransactionVersion3, Signer, type Call, type InvocationsSignerDetails } from 'starknet';
import { describe, expect, it } from 'vitest';
import { loadNativePoseidon } from '../../../relay/entry/nativeCrypto.ts';
import { jsPoseidonMany, RelayerHasher, RelayerSigner, type PoseidonMany } from '../../../relay/relayers/signer.ts';

const PK = '0x2dccce1da22003777062ee0870e9881b460a8b7eca276870f57c601f182136c';
const felt = fc.bigInt({ min: 0n, max: 2n ** 251n }).map((n) => `0x${n.toString(16)}`);
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const u128 = fc.bigInt({ min: 0n, max: 2n ** 128n - 1n });
const call = fc.record({ contractAddress: felt, entrypoint: fc.constantFrom('approve', 'transfer', 'execute_sponsored'), calldata: fc.array(felt, { maxLength: 40 }) });
const bound = fc.record({ max_amount: u64, max_price_per_unit: u128 });
const details = fc.record({
  walletAddress: felt,
  nonce: u64,
  tip: u64,
  version: fc.constantFrom(ETransactionVersion3.V3, ETransactionVersion3.F3),
  chainId: fc.constantFrom(constants.StarknetChainId.SN_SEPOLIA, constants.StarknetChainId.SN_MAIN),
  resourceBounds: fc.record({ l1_gas: bound, l2_gas: bound, l1_data_gas: bound }),
  nonceDataAvailabilityMode: fc.constantFrom('L1', 'L2'),
  feeDataAvailabilityMode: fc.constantFrom('L1', 'L2'),
  paymasterData: fc.array(felt, { maxLength: 3 }),
  accountDeploymentData: fc.array(felt, { maxLength: 3 }),
});

const library = new Signer(PK);
const sign = (s: Signer, calls: Call[], d: unknown) => s.signTransaction(calls, { ...(d as object), cairoVersion: '1' } as InvocationsSignerDetails);
const native = loadNativePoseidon();
const poseidons: [string, PoseidonMany | undefined][] = [['JS', jsPoseidonMany], ['native', native.poseidonMany]];

describe.each(poseidons)("the relayers' signer, %s Poseidon", (_, poseidon) => {
  it('signs what starknet.js signs, with and without the calldata hashed ahead', async () => {
    const hasher = new RelayerHasher(poseidon);
    const relayer = new RelayerSigner(PK, hasher);
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 3 }), details, fc.boolean(), async (calls, d, ahead) => {
        if (ahead) hasher.prehashCalldata(calls);
        expect(await sign(relayer, calls, d)).toEqual(await sign(library, calls, d));
      }),
      { numRuns: 40 },
    );
  });

  it('never signs a stale hash: the hash computed ahead is for that calldata only', async () => {
    const hasher = new RelayerHasher(poseidon);
    const relayer = new RelayerSigner(PK, hasher);
    const d = fc.sample(details, { numRuns: 1, seed: 7 })[0]!;
    const a: Call[] = [{ contractAddress: '0x1', entrypoint: 'approve', calldata: ['0x2', '0x3', '0x0'] }];
    const b: Call[] = [{ contractAddress: '0x1', entrypoint: 'approve', calldata: ['0x2', '0x4', '0x0'] }];
    hasher.prehashCalldata(a);
    const sigB = await sign(relayer, b, d);
    expect(sigB).toEqual(await sign(library, b, d));
    expect(sigB).not.toEqual(await sign(library, a, d));
  });
});

describe('the native Poseidon', () => {
  it('is built and loaded (scripts/build-native.sh, run by setup)', () => {
    expect(native.poseidonMany ? 'loaded' : native.reason).toBe('loaded');
  });

  it('equals @scure/starknet on any felts, and refuses what is not one', () => {
    const many = native.poseidonMany!;
    fc.assert(fc.property(fc.array(fc.bigInt({ min: 0n, max: 2n ** 251n }), { maxLength: 60 }), (xs) => many(xs) === jsPoseidonMany(xs)), { numRuns: 200 });
    expect(() => many([2n ** 256n])).toThrow(/not a felt/);
  });

  it('is not used when the addon is missing, or disagrees with @scure/starknet', () => {
    expect(loadNativePoseidon('/nonexistent/ciro_crypto.node')).toMatchObject({ reason: expect.stringMatching(/^not loaded/) });
    // A library whose "Poseidon" is a different function: the probe must catch it.
    const liar = join(mkdtempSync(join(tmpdir(), 'ciro-native-')), 'liar.cjs');
    writeFileSync(liar, "exports.poseidonHashMany = (xs) => '0x' + xs.length.toString(16);");
    expect(loadNativePoseidon(liar)).toMatchObject({ reason: expect.stringMatching(/^disagrees/) });
  });
});

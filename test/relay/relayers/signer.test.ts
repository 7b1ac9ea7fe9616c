/**
 * The relayers' signer must sign exactly what starknet.js's Signer signs (the
 * node checks the signature against the transaction's hash), whether the
 * calldata's hash was computed ahead or not, with the JS Poseidon and ECDSA and
 * with the Node entry's native ones (built by setup: a missing addon fails
 * here). JS Stark signatures are deterministic (RFC 6979), so equal ones
 * mean equal hashes; the native ones are checked by verifying them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { constants, ec, ETransactionVersion3, hash, Signer, stark, type Call, type InvocationsSignerDetails } from 'starknet';
import { describe, expect, it } from 'vitest';
import { deploymentAddress, jsPedersenOnElements } from '../../../relay/chain/calldata.ts';
import { toHex } from '../../../relay/chain/felt.ts';
import { loadNativeCrypto } from '../../../relay/entry/nativeCrypto.ts';
import { jsEcdsaSign, jsPoseidonMany, RelayerHasher, RelayerSigner, type RelayerCrypto } from '../../../relay/relayers/signer.ts';

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
// Compared as the node receives them: the library's signature object and our [r, s] both as hex felts.
const sign = async (s: Signer, calls: Call[], d: unknown) => stark.formatSignature(await s.signTransaction(calls, { ...(d as object), cairoVersion: '1' } as InvocationsSignerDetails));
const native = loadNativeCrypto();
const cryptos: [string, RelayerCrypto | undefined][] = [['JS', { poseidonMany: jsPoseidonMany, sign: jsEcdsaSign }], ['native', native.crypto]];

const verifies = (key: string, h: string, [r, s]: string[]) => ec.starkCurve.verify(new ec.starkCurve.Signature(BigInt(r!), BigInt(s!)), h, ec.starkCurve.getPublicKey(key));

describe.each(cryptos)("the relayers' signer, %s Poseidon and ECDSA", (_, crypto) => {
  it('signs the hash starknet.js signs, with and without the calldata hashed ahead', async () => {
    const hasher = new RelayerHasher(crypto?.poseidonMany);
    // The hash is proved equal through the JS signature (same k); the signature under test must then verify against it.
    const signed: string[] = [];
    const viaJs = new RelayerSigner(PK, hasher, (key, h) => (signed.push(h), jsEcdsaSign(key, h)));
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 3 }), details, fc.boolean(), async (calls, d, ahead) => {
        if (ahead) hasher.prehashCalldata(calls);
        expect(await sign(viaJs, calls, d)).toEqual(await sign(library, calls, d));
        expect(verifies(PK, signed.at(-1)!, crypto!.sign(PK, signed.at(-1)!))).toBe(true);
      }),
      { numRuns: 40 },
    );
    // Wired into the signer (its signRaw), the ECDSA under test signs what it is given, and that verifies against the library's hash.
    const call1 = [{ contractAddress: '0x1', entrypoint: 'approve', calldata: [] }];
    const d = fc.sample(details, { numRuns: 1, seed: 3 })[0];
    await sign(viaJs, call1, d);
    let calls = 0;
    const sig = await sign(new RelayerSigner(PK, hasher, (key, h) => (calls++, crypto!.sign(key, h))), call1, d);
    expect(calls).toBe(1);
    expect(verifies(PK, signed.at(-1)!, sig)).toBe(true);
  });

  it('never signs a stale hash: the hash computed ahead is for that calldata only', async () => {
    const hasher = new RelayerHasher(crypto?.poseidonMany);
    const relayer = new RelayerSigner(PK, hasher, crypto?.sign);
    const d = fc.sample(details, { numRuns: 1, seed: 7 })[0]!;
    const a: Call[] = [{ contractAddress: '0x1', entrypoint: 'approve', calldata: ['0x2', '0x3', '0x0'] }];
    const b: Call[] = [{ contractAddress: '0x1', entrypoint: 'approve', calldata: ['0x2', '0x4', '0x0'] }];
    hasher.prehashCalldata(a);
    const sigB = await sign(relayer, b, d);
    expect(sigB).toEqual(await sign(library, b, d));
    expect(sigB).not.toEqual(await sign(library, a, d));
  });

  it('hashes ordinary calldata ahead of the node, and leaves a big one for signing', async () => {
    let hashed = 0;
    const hasher = new RelayerHasher((xs) => (hashed++, jsPoseidonMany(xs)));
    const call = (n: number): Call[] => [{ contractAddress: '0x1', entrypoint: 'approve', calldata: Array(n).fill('0x2') }];
    hasher.prehashSoon(call(3));
    hasher.prehashSoon(call(2_000));
    await new Promise((r) => setImmediate(r));
    expect(hashed).toBe(1);
  });
});

describe('the native Poseidon, Pedersen and ECDSA', () => {
  it('are built and loaded (scripts/build-native.sh, run by setup)', () => {
    expect(native.crypto ? 'loaded' : native.reason).toBe('loaded');
  });

  it('Poseidon equals @scure/starknet on any felts, and refuses what is not one', () => {
    const many = native.crypto!.poseidonMany;
    fc.assert(fc.property(fc.array(fc.bigInt({ min: 0n, max: 2n ** 251n }), { maxLength: 60 }), (xs) => many(xs) === jsPoseidonMany(xs)), { numRuns: 200 });
    expect(() => many([2n ** 256n])).toThrow(/not a felt/);
  });

  it("Pedersen on elements equals starknet.js's, and so does a deployment's address from it", () => {
    const onElements = native.crypto!.pedersenOnElements!;
    fc.assert(fc.property(fc.array(fc.bigInt({ min: 0n, max: 2n ** 251n }), { maxLength: 20 }), (xs) => onElements(xs) === jsPedersenOnElements(xs)), { numRuns: 100 });
    const felt = fc.bigInt({ min: 1n, max: 2n ** 250n }).map((n) => `0x${n.toString(16)}`);
    fc.assert(
      fc.property(felt, felt, fc.array(felt, { maxLength: 16 }), (salt, cls, calldata) =>
        deploymentAddress(onElements)({ salt, class_hash: cls, calldata }) === toHex(hash.calculateContractAddressFromHash(salt, cls, calldata, 0))),
      { numRuns: 30 },
    );
    expect(() => onElements([2n ** 256n])).toThrow(/not a felt/);
  });

  it('signs what @scure/starknet verifies, and refuses what is not a felt', () => {
    // Both derive k by RFC 6979, but not always the same k (nativeCrypto.ts): the signature is checked, not compared.
    const sign = native.crypto!.sign;
    const key = fc.bigInt({ min: 1n, max: 2n ** 251n }).map((n) => `0x${n.toString(16)}`);
    const hash = fc.bigInt({ min: 0n, max: 2n ** 251n - 1n }).map((n) => `0x${n.toString(16)}`);
    fc.assert(fc.property(key, hash, (k, h) => verifies(k, h, sign(k, h))), { numRuns: 100 });
    expect(verifies(PK, '0xabc', sign(PK, '0xabc').reverse())).toBe(false); // the check above can fail
    expect(() => sign('0xzz', '0x1')).toThrow(/not a felt/);
  });

  it('are not used when the addon is missing, or disagrees with @scure/starknet', () => {
    expect(loadNativeCrypto('/nonexistent/ciro_crypto.node')).toMatchObject({ reason: expect.stringMatching(/^not loaded/) });
    // Libraries whose "Poseidon" or "signature" is a different function: the probe must catch either.
    const dir = mkdtempSync(join(tmpdir(), 'ciro-native-'));
    const liar = (name: string, code: string) => (writeFileSync(join(dir, name), code), join(dir, name));
    const real = `const real = require(${JSON.stringify(join(process.cwd(), 'relay/entry/native/ciro_crypto.node'))});`;
    expect(loadNativeCrypto(liar('hash.cjs', `${real} exports.sign = real.sign; exports.pedersenHashOnElements = real.pedersenHashOnElements; exports.poseidonHashMany = (xs) => '0x' + xs.length.toString(16);`))).toMatchObject({
      reason: expect.stringMatching(/^disagrees .* Poseidon/),
    });
    // A Pedersen that disagrees, or an addon built before it had one: only the Pedersen is left out.
    const wrongPedersen = loadNativeCrypto(liar('pedersen.cjs', `${real} exports.sign = real.sign; exports.poseidonHashMany = real.poseidonHashMany; exports.pedersenHashOnElements = (xs) => real.poseidonHashMany(xs);`));
    expect(wrongPedersen).toMatchObject({ pedersen: expect.stringMatching(/^disagrees .* Pedersen/) });
    expect(wrongPedersen.crypto && Object.keys(wrongPedersen.crypto).sort()).toEqual(['poseidonMany', 'sign']);
    const older = loadNativeCrypto(liar('older.cjs', `${real} exports.sign = real.sign; exports.poseidonHashMany = real.poseidonHashMany;`));
    expect(older).toMatchObject({ pedersen: expect.stringMatching(/^failed its probe/) });
    expect(older.crypto?.poseidonMany).toBeDefined();
    // A signature of another hash.
    expect(loadNativeCrypto(liar('sign.cjs', `${real} exports.poseidonHashMany = real.poseidonHashMany; exports.pedersenHashOnElements = real.pedersenHashOnElements; exports.sign = (k, h) => real.sign(k, '0x' + (BigInt(h) + 1n).toString(16));`))).toMatchObject({
      reason: expect.stringMatching(/does not verify$/),
    });
  });
});

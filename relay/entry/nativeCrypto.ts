/**
 * starknet-crypto's Poseidon and ECDSA (relay/entry/native, a Node addon
 * built by scripts/build-native.sh) for the relayers' transactions: ~0.2 ms
 * to hash a relayed execution where @scure/starknet takes ~6 ms, and ~0.1 ms
 * to sign where it takes ~1.5 ms, of the one thread every request shares.
 * Node-only, so it lives in the entry; without the addon (not built, another
 * platform) the relay keeps the JS functions. An addon whose hash disagrees
 * with @scure/starknet, or whose signature @scure/starknet does not verify,
 * on a probe is never used: every relayed transaction would be invalid.
 * Signatures are checked, not compared: both derive k by RFC 6979, but
 * @scure/starknet first pads a 63-hex-digit hash as cairo-lang does and
 * starknet-crypto does not, so for those hashes each signs with another,
 * equally secret, k.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ec } from 'starknet';
import { jsPedersenOnElements, type PedersenOnElements } from '../chain/calldata.ts';
import { jsPoseidonMany, type EcdsaSign, type PoseidonMany, type RelayerCrypto } from '../relayers/signer.ts';

export const NATIVE_ADDON = fileURLToPath(new URL('./native/ciro_crypto.node', import.meta.url));

interface Addon {
  poseidonHashMany(values: string[]): string;
  pedersenHashOnElements(values: string[]): string;
  sign(privateKey: string, hash: string): string[];
}

const P = 2n ** 251n + 17n * 2n ** 192n + 1n;
// Edges of the field and a few lengths around Poseidon's rate of 2 (padding).
const PROBES: bigint[][] = [[], [0n], [1n, 2n], [P - 1n, 0n, 1n], [0x123456789abcdefn, P - 2n, 3n, 2n ** 250n, 5n]];
// Keys and hashes at the edges of what a signature takes (hashes below 2^251, keys below the curve's order);
// the second hash has 63 hex digits, where the two derive different k.
const SIGN_PROBES: [string, string][] = [
  ['0x1', '0x0'],
  ['0x2dccce1da22003777062ee0870e9881b460a8b7eca276870f57c601f182136c', '0x7ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'],
  ['0x800000000000010ffffffffffffffffb781126dcae7b2321e66a241adc64d2e', '0x1234567890abcdef'],
];

/** `pedersen`: why the addon's Pedersen is left out (an addon built before it had one, or one that disagrees), its Poseidon and ECDSA still used. */
export type NativeLoad = { crypto: RelayerCrypto; reason?: undefined; pedersen?: string } | { crypto?: undefined; reason: string };

export function loadNativeCrypto(path = NATIVE_ADDON): NativeLoad {
  let addon: Addon;
  try {
    addon = createRequire(import.meta.url)(path) as Addon;
  } catch (e) {
    return { reason: `not loaded: ${(e as Error).message.split('\n')[0]}` };
  }
  const poseidonMany: PoseidonMany = (xs) => BigInt(addon.poseidonHashMany(xs.map((x) => `0x${x.toString(16)}`)));
  const pedersenOnElements: PedersenOnElements = (xs) => BigInt(addon.pedersenHashOnElements(xs.map((x) => `0x${x.toString(16)}`)));
  const sign: EcdsaSign = (privateKey, hash) => {
    const [r, s] = addon.sign(privateKey, hash);
    return [r!, s!];
  };
  try {
    for (const probe of PROBES) {
      if (poseidonMany(probe) !== jsPoseidonMany(probe)) return { reason: `disagrees with @scure/starknet on Poseidon [${probe.join(', ')}]` };
    }
    for (const [key, hash] of SIGN_PROBES) {
      const [r, s] = sign(key, hash).map(BigInt);
      if (!ec.starkCurve.verify(new ec.starkCurve.Signature(r!, s!), hash, ec.starkCurve.getPublicKey(key))) return { reason: `signs ${hash} with a signature @scure/starknet does not verify` };
    }
  } catch (e) {
    return { reason: `failed its probe: ${(e as Error).message}` };
  }
  const pedersen = probePedersen(pedersenOnElements);
  return pedersen ? { crypto: { poseidonMany, sign }, pedersen } : { crypto: { poseidonMany, sign, pedersenOnElements } };
}

function probePedersen(pedersenOnElements: PedersenOnElements): string | undefined {
  try {
    for (const probe of PROBES) {
      if (pedersenOnElements(probe) !== jsPedersenOnElements(probe)) return `disagrees with starknet.js on Pedersen [${probe.join(', ')}]`;
    }
  } catch (e) {
    return `failed its probe: ${(e as Error).message}`;
  }
  return undefined;
}

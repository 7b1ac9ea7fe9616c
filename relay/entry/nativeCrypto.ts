/**
 * starknet-crypto's Poseidon (relay/entry/native, a Node addon built by
 * scripts/build-native.sh) for the relayers' transaction hashes: ~0.2 ms for
 * a relayed execution's calldata where @scure/starknet takes ~6 ms of the one
 * thread every request shares. Node-only, so it lives in the entry; without
 * the addon (not built, another platform) the relay keeps the JS Poseidon.
 * An addon that disagrees with @scure/starknet on a probe is never used: a
 * wrong hash would make every relayed transaction's signature invalid.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { jsPoseidonMany, type PoseidonMany } from '../relayers/signer.ts';

export const NATIVE_ADDON = fileURLToPath(new URL('./native/ciro_crypto.node', import.meta.url));

interface Addon {
  poseidonHashMany(values: string[]): string;
}

const P = 2n ** 251n + 17n * 2n ** 192n + 1n;
// Edges of the field and a few lengths around Poseidon's rate of 2 (padding).
const PROBES: bigint[][] = [[], [0n], [1n, 2n], [P - 1n, 0n, 1n], [0x123456789abcdefn, P - 2n, 3n, 2n ** 250n, 5n]];

export type NativeLoad = { poseidonMany: PoseidonMany } | { poseidonMany?: undefined; reason: string };

export function loadNativePoseidon(path = NATIVE_ADDON): NativeLoad {
  let addon: Addon;
  try {
    addon = createRequire(import.meta.url)(path) as Addon;
  } catch (e) {
    return { reason: `not loaded: ${(e as Error).message.split('\n')[0]}` };
  }
  const poseidonMany: PoseidonMany = (xs) => BigInt(addon.poseidonHashMany(xs.map((x) => `0x${x.toString(16)}`)));
  try {
    for (const probe of PROBES) {
      if (poseidonMany(probe) !== jsPoseidonMany(probe)) return { reason: `disagrees with @scure/starknet on [${probe.join(', ')}]` };
    }
  } catch (e) {
    return { reason: `failed its probe: ${(e as Error).message}` };
  }
  return { poseidonMany };
}

/**
 * Where scripts/toolchain.sh put the pinned native tools. Both read
 * scripts/versions.env so a version bump is one edit.
 */
import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where `npm start` writes the demo's manifest, keys and edge state, and scripts/claim.ts reads them: `.local` unless CIRO_LOCAL_DIR says. */
export const localDir = (): string => resolve(process.env.CIRO_LOCAL_DIR ?? join(repoRoot, '.local'));

function readVersions(): Record<string, string> {
  const text = readFileSync(join(repoRoot, 'scripts', 'versions.env'), 'utf8');
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export const versions = readVersions();
export const toolchainDir = process.env.CIRO_TOOLCHAIN_DIR ?? join(homedir(), '.cache', 'ciro-toolchain');

function tool(dir: string, bin: string): string {
  const p = join(toolchainDir, dir, 'bin', bin);
  if (!existsSync(p)) {
    throw new Error(`${bin} not found at ${p}. Run \`bash scripts/setup.sh\` (or scripts/toolchain.sh) first.`);
  }
  return p;
}

export const tools = {
  devnet: () => tool(`starknet-devnet-${versions.STARKNET_DEVNET_VERSION}`, 'starknet-devnet'),
  usc: () => tool(`usc-${versions.USC_VERSION}`, 'universal-sierra-compiler'),
  starknetCompile: () => tool(`cairo-${versions.CAIRO_VERSION}`, 'starknet-compile'),
};

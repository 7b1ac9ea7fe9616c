/** Loads the compiled contracts that scripts/build-contracts.sh wrote. */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { json, type CompiledSierra, type CompiledSierraCasm } from 'starknet';
import { repoRoot } from './toolchain.ts';

/** The CIRO contracts proper (each embeds SRC-5 and the shared components). */
export const CIRO_CONTRACTS = ['CiroToken', 'CdcPool', 'JobMgr', 'Paymaster'] as const;
/** Local-chain stand-ins: MockPragma has Pragma's oracle ABI; MockReverter reverts with a chosen reason (attack tests). */
export const MOCK_CONTRACTS = ['MockPragma', 'MockReverter'] as const;
/** Everything scripts/build-contracts.sh writes. */
export const CONTRACTS = [...CIRO_CONTRACTS, ...MOCK_CONTRACTS] as const;
export type ArtifactName = (typeof CONTRACTS)[number];

export interface Artifact {
  sierra: CompiledSierra;
  casm: CompiledSierraCasm;
}

const cache = new Map<ArtifactName, Artifact>();

export function loadArtifact(name: ArtifactName): Artifact {
  const hit = cache.get(name);
  if (hit) return hit;
  const dir = join(repoRoot, 'contracts', 'target');
  const sierraPath = join(dir, `${name}.contract_class.json`);
  const casmPath = join(dir, `${name}.compiled_contract_class.json`);
  if (!existsSync(sierraPath) || !existsSync(casmPath)) {
    throw new Error(`missing ${name} artifacts in contracts/target: run \`npm run contracts:build\``);
  }
  // json.parse keeps big numbers exact in the CASM bytecode.
  const artifact = {
    sierra: json.parse(readFileSync(sierraPath, 'utf8')) as CompiledSierra,
    casm: json.parse(readFileSync(casmPath, 'utf8')) as CompiledSierraCasm,
  };
  cache.set(name, artifact);
  return artifact;
}

/** Loads the compiled contracts that scripts/build-contracts.sh wrote, and their class hashes. */
import { createHash } from 'node:crypto';
import { readFileSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hash, json, type CompiledSierra, type CompiledSierraCasm } from 'starknet';
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

export interface ClassHashes {
  classHash: string;
  compiledClassHash: string;
}

/**
 * The artifact's class hash and compiled class hash (which depends on the
 * node's Starknet version: Poseidon, or Blake from 0.14.1), kept on disk next
 * to the artifacts by their content. starknet.js computes both in JS on every
 * declare, three times per declareIfNot: ~20 s of CPU for the six contracts,
 * paid by every local chain the tests and benches start.
 */
export function classHashes(name: ArtifactName, starknetVersion: string): ClassHashes {
  const dir = join(repoRoot, 'contracts', 'target');
  const files = [`${name}.contract_class.json`, `${name}.compiled_contract_class.json`].map((f) => readFileSync(join(dir, f)));
  const digest = createHash('sha256').update(files[0]!).update(files[1]!).update(starknetVersion).digest('hex').slice(0, 32);
  const path = join(dir, `${name}.hashes-${digest}.json`);
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as ClassHashes;
  const { sierra, casm } = loadArtifact(name);
  const hashes = { classHash: hash.computeContractClassHash(sierra), compiledClassHash: hash.computeCompiledClassHash(casm, starknetVersion) };
  // Written whole, then renamed: test workers starting chains at once never read half a file.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(hashes));
  renameSync(tmp, path);
  return hashes;
}

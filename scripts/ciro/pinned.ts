/**
 * The CIRO contracts a chain was first seen with, kept beside the config
 * (`known-deployments.json`). Without a manifest file the addresses come
 * from the relay's GET /v1/contracts, and every write's calls are built from
 * them: a relay that later named others (compromised, or a look-alike at a
 * mistyped URL) could have the user sign an approve to its own contract, and
 * outside.ts would pass it, since those are the command's calls. So the first
 * answer for a chain is trusted, as ssh trusts a host key, and any later one
 * must name the same contracts. A manifest file (--manifest) is trusted as
 * given.
 *
 * The chain is the node's (its id checked against the relay's first, by the
 * caller), spelled one way: a relay's own spelling ("0x05…", decimal) must
 * not open a new entry. A relay on this machine is pinned apart: the local
 * devnet shares Sepolia's chain id. Account classes are recorded too, but
 * only checked where one is chosen (account create): an operator accepting
 * one more class must not stop every other command.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { num } from 'starknet';
import { configDir } from './config.ts';
import type { Deployment } from './context.ts';
import { usage } from './errors.ts';

interface Known {
  contracts: Record<string, string>;
  accountClassHashes: string[];
  firstSeen: { from: string; at: string };
}

export const knownDeploymentsFile = (env: NodeJS.ProcessEnv = process.env) => join(configDir(env), 'known-deployments.json');

const entryOf = (nodeChainId: string, relay: URL) =>
  num.toHex(BigInt(nodeChainId)) + (['localhost', '127.0.0.1', '[::1]'].includes(relay.hostname) ? ' (a relay on this machine)' : '');

function readKnown(file: string): Record<string, Known> {
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    parsed = undefined;
  }
  const ok = (k: unknown): k is Known => typeof k === 'object' && k !== null && typeof (k as Known).contracts === 'object' && Array.isArray((k as Known).accountClassHashes);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every(ok)) {
    throw usage(`${file} is not a list of known deployments`, `Delete it: the next command records the relay's contracts again.`);
  }
  return parsed as Record<string, Known>;
}

/** The deployment, once it is shown to name the contracts first seen for the node's chain (recorded if it is the first). */
export function pinDeployment(d: Deployment, nodeChainId: string, relay: URL, env: NodeJS.ProcessEnv = process.env): Deployment {
  const file = knownDeploymentsFile(env);
  const known = readKnown(file);
  const entry = entryOf(nodeChainId, relay);
  const seen = known[entry];
  if (!seen) {
    known[entry] = { contracts: d.contracts, accountClassHashes: d.accountClassHashes.map((h) => num.toHex64(h)), firstSeen: { from: d.source, at: new Date().toISOString() } };
    mkdirSync(dirname(file), { recursive: true });
    // Written whole, then renamed: two commands recording at once leave one complete file, never a torn one.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(known, null, 2) + '\n');
    renameSync(tmp, file);
    return d;
  }
  const moved = Object.entries(d.contracts).filter(([name, address]) => seen.contracts[name] === undefined || BigInt(seen.contracts[name]!) !== BigInt(address));
  if (moved.length > 0) {
    throw usage(
      `${d.source} names other CIRO contracts for chain ${entry} than first seen (${seen.firstSeen.from}, ${seen.firstSeen.at}): ${moved.map(([name, address]) => `${name} ${address} (was ${seen.contracts[name] ?? 'none'})`).join(', ')}; nothing was signed`,
      `If the contracts were redeployed, delete "${entry}" from ${file}; otherwise check relay_url, or pass --manifest with the addresses you trust.`,
    );
  }
  return d;
}

/** Refuses an account class the chain's first relay did not accept (a later relay adding its own class for new accounts). */
export function checkPinnedClass(classHash: string, nodeChainId: string, relay: URL, env: NodeJS.ProcessEnv = process.env): void {
  const file = knownDeploymentsFile(env);
  const entry = entryOf(nodeChainId, relay);
  const seen = readKnown(file)[entry];
  if (seen && !seen.accountClassHashes.some((c) => BigInt(c) === BigInt(classHash))) {
    throw usage(
      `account class ${classHash} was not among chain ${entry}'s accepted classes when first seen (${seen.firstSeen.from}); nothing was created`,
      `If the relay's operator added it, delete "${entry}" from ${file} to record the classes again, or pass --class-hash with one you trust.`,
    );
  }
}

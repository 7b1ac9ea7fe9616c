/**
 * The CIRO contracts a chain was first seen with, kept beside the config
 * (`known-deployments.json`). Without a manifest file the addresses come
 * from the relay's GET /v1/contracts, and every write's calls are built from
 * them: a relay that later named others (compromised, or a look-alike at a
 * mistyped URL) could have the user sign an approve to its own contract, and
 * outside.ts would pass it, since those are the command's calls. So the first
 * answer for a chain is trusted, as ssh trusts a host key, and any later one
 * must name the same contracts and account classes. A manifest file
 * (--manifest) is trusted as given. A relay on this machine (loopback) is
 * pinned apart: the local devnet shares Sepolia's chain id, and its
 * contracts are not Sepolia's.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

const classes = (d: Pick<Deployment, 'accountClassHashes'>) => [...new Set(d.accountClassHashes.map((h) => num.toHex64(h)))].sort();

/** The deployment, once it is shown to be the one first seen for its chain (recorded if it is the first). */
export function pinDeployment(d: Deployment, relay: URL, env: NodeJS.ProcessEnv = process.env): Deployment {
  const file = knownDeploymentsFile(env);
  let known: Record<string, Known> = {};
  try {
    if (existsSync(file)) known = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Known>;
  } catch {
    throw usage(`${file} is not valid JSON`, `Delete it: the next command records the relay's contracts again.`);
  }
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(relay.hostname);
  const chain = d.chainId.toLowerCase() + (local ? ' (a relay on this machine)' : '');
  const seen = known[chain];
  if (!seen) {
    known[chain] = { contracts: d.contracts, accountClassHashes: classes(d), firstSeen: { from: d.source, at: new Date().toISOString() } };
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(known, null, 2) + '\n');
    return d;
  }
  const moved = Object.entries(d.contracts).filter(([name, address]) => seen.contracts[name] === undefined || BigInt(seen.contracts[name]!) !== BigInt(address));
  const sameClasses = JSON.stringify(classes(seen)) === JSON.stringify(classes(d));
  if (moved.length > 0 || !sameClasses) {
    const what = [...moved.map(([name, address]) => `${name} ${address} (was ${seen.contracts[name] ?? 'none'})`), ...(sameClasses ? [] : ['the account classes'])];
    throw usage(
      `${d.source} names other CIRO contracts for chain ${d.chainId} than first seen (${seen.firstSeen.from}, ${seen.firstSeen.at}): ${what.join(', ')}; nothing was signed`,
      `If the contracts were redeployed, delete "${chain}" from ${file}; otherwise check relay_url, or pass --manifest with the addresses you trust.`,
    );
  }
  return d;
}

/**
 * The relay as a Worker on `wrangler dev` (scripts/edge.ts) against a local
 * chain, configured as the Node suites configure theirs: the chain's node,
 * manifest and relayers, no tip, fixed gas-token prices, the example policy
 * files. `config` adds to or overrides that.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEdge, type EdgeOptions, type EdgeRelay } from '../../scripts/edge.ts';
import type { LocalChain } from '../../scripts/local/chain.ts';
import { repoRoot } from '../../scripts/local/toolchain.ts';

export function examplePolicies(): unknown[] {
  const dir = join(repoRoot, 'policies', 'examples');
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
}

export function startChainEdge(chain: LocalChain, config: Record<string, unknown>, opts: Omit<EdgeOptions, 'config' | 'policies'> = {}): Promise<EdgeRelay> {
  return startEdge({
    config: {
      rpcUrl: chain.devnet.url,
      manifest: chain.manifest,
      relayers: chain.relayers.map((r) => ({ address: r.address, privateKey: r.privateKey })),
      relayerTip: '0',
      gasTokens: { STRK: { priceInStrk: '1000000000000000000' }, CIRO: { priceInStrk: '500000000000000000' } },
      ...config,
    },
    policies: examplePolicies(),
    ...opts,
  });
}

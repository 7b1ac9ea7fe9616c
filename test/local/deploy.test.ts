/**
 * The local chain tooling behind `npm start`: deployment is idempotent (a
 * second run finds the first run's classes and contracts and only re-applies
 * the wiring), and a devnet started here is stopped here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalChain, type LocalChain } from '../../scripts/local/chain.ts';
import { deployCiro } from '../../scripts/local/deploy.ts';
import { ManifestSchema } from '../../relay/chain/manifest.ts';

let chain: LocalChain;
beforeAll(async () => {
  chain = await startLocalChain();
});
afterAll(async () => chain?.stop());

describe('local chain', () => {
  it('writes a manifest the relay accepts', () => {
    expect(ManifestSchema.safeParse(chain.manifest).success).toBe(true);
    expect(chain.manifest.contracts.paymaster.address).toMatch(/^0x[0-9a-f]+$/);
  });

  it('deploys idempotently: same classes and addresses, no new declarations', async () => {
    const nonceBefore = BigInt(await chain.provider.getNonceForAddress(chain.deployer.address));
    const again = await deployCiro(chain.provider, chain.deployer.account, { relayers: chain.relayers.map((r) => r.address) });
    expect(again.contracts).toEqual(chain.manifest.contracts);
    // Only the wiring multicall is sent again: one transaction, no declare or deploy.
    expect(BigInt(await chain.provider.getNonceForAddress(chain.deployer.address))).toBe(nonceBefore + 1n);
  });

  it('stops its devnet and frees the port', async () => {
    const other = await startLocalChain();
    const { url, proc } = other.devnet;
    await other.stop();
    expect(proc.exitCode !== null || proc.signalCode !== null).toBe(true);
    await expect(fetch(url, { method: 'POST', body: '{}' })).rejects.toThrow();
  });
});

/**
 * A whole local chain in one call: devnet on a free port, the CIRO contracts
 * declared and deployed, optionally the demo state. Used by tests and by
 * `npm start`; whoever calls it owns `stop()`.
 */
import { LocalProvider } from './provider.ts';
import type { Manifest } from '../../relay/chain/manifest.ts';
import { startDevnet, type Devnet, type DevnetOptions } from './devnet.ts';
import { devnetAccounts, type KeyedAccount } from './accounts.ts';
import { deployCiro, type DeployOptions } from './deploy.ts';
import { seedDemo, type DemoState } from './seed.ts';
import { ensureSimulator } from './simulator.ts';

export interface LocalChain {
  devnet: Devnet;
  provider: LocalProvider;
  manifest: Manifest;
  /** accounts[0] deploys and administers; relayers and a client follow. */
  deployer: KeyedAccount;
  relayers: KeyedAccount[];
  /** Registered as a relayer on the Paymaster, unfunded, never sending, no key: the relay's config.simulator. */
  simulator: { address: string };
  client: KeyedAccount;
  spare: KeyedAccount[];
  demo?: DemoState;
  stop(): Promise<void>;
}

export interface LocalChainOptions {
  devnet?: DevnetOptions;
  relayerCount?: number;
  seed?: boolean;
  deploy?: Partial<DeployOptions>;
}

export async function startLocalChain(opts: LocalChainOptions = {}): Promise<LocalChain> {
  const relayerCount = opts.relayerCount ?? 2;
  const devnet = await startDevnet({ accounts: relayerCount + 4, ...opts.devnet });
  try {
    const provider = new LocalProvider({ nodeUrl: devnet.url });
    const accounts = await devnetAccounts(provider, devnet.url);
    const [deployer, ...rest] = accounts;
    const relayers = rest.slice(0, relayerCount);
    const client = rest[relayerCount]!;
    const spare = rest.slice(relayerCount + 1);
    const manifest = await deployCiro(provider, deployer!.account, {
      relayers: relayers.map((r) => r.address),
      ...opts.deploy,
    });
    manifest.rpcUrl = devnet.url;
    const simulator = { address: await ensureSimulator(provider, deployer!.account, manifest) };
    const demo = opts.seed
      ? await seedDemo(provider, manifest, { deployer: deployer!, relayer: relayers[0]!, client })
      : undefined;
    return { devnet, provider, manifest, deployer: deployer!, relayers, simulator, client, spare, demo, stop: devnet.stop };
  } catch (e) {
    await devnet.stop();
    throw e;
  }
}

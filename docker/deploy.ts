/**
 * The compose stack's one-shot (docker/compose.yaml, service `deploy`): what
 * `npm start` does before it serves, against a devnet that runs elsewhere.
 * Declares and deploys the CIRO contracts (idempotent: fixed salts), seeds the
 * demo worker, and writes to CIRO_STATE_DIR:
 *   relay.json     the relay's config (CIRO_CONFIG): node URL, manifest, relayers, simulation account, demo tenant
 *   manifest.json  the deployment manifest, with the node URL as seen from the host
 *   demo.json      the relay URL, the demo keys and the demo worker (what scripts/claim.ts reads)
 *   keys.json      the demo keys, kept so a re-run leaves the relay's config as it was
 * and prints the same summary as `npm start`. Exits 0 when done.
 *
 * Bundled by docker/chain.Dockerfile to scripts/local/deploy-stack.mjs (so the
 * bundled scripts/local/toolchain.ts finds the repo root two levels up), or
 * run as is: `tsx docker/deploy.ts`.
 *
 *   CIRO_DEVNET_URL       the node, as this process reaches it (http://devnet:5050/rpc)
 *   CIRO_PUBLIC_RPC_URL   the node, as clients on the host reach it (http://127.0.0.1:5050/rpc)
 *   CIRO_PUBLIC_RELAY_URL the relay, as clients on the host reach it (http://127.0.0.1:8080)
 *   CIRO_STATE_DIR        where the files go (/state)
 *   CIRO_RELAYER_COUNT    devnet accounts 1..N relay (2); the next one is the demo client
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, type ConfigInput } from '../relay/config.ts';
import { newApiKey } from '../relay/tenants/auth.ts';
import { devnetAccounts } from '../scripts/local/accounts.ts';
import { demoConfig } from '../scripts/local/demoConfig.ts';
import { deployCiro } from '../scripts/local/deploy.ts';
import { LocalProvider } from '../scripts/local/provider.ts';
import { seedDemo, type DemoState } from '../scripts/local/seed.ts';
import { ensureSimulator } from '../scripts/local/simulator.ts';

const env = process.env;
const rpcUrl = env.CIRO_DEVNET_URL ?? 'http://devnet:5050/rpc';
const publicRpcUrl = env.CIRO_PUBLIC_RPC_URL ?? 'http://127.0.0.1:5050/rpc';
const publicRelayUrl = env.CIRO_PUBLIC_RELAY_URL ?? 'http://127.0.0.1:8080';
const stateDir = env.CIRO_STATE_DIR ?? '/state';
const relayerCount = Number(env.CIRO_RELAYER_COUNT ?? 2);

type Key = { key: string; secretHash: string };

const log = (msg: string) => console.log(`[deploy] ${msg}`);

function readJson<T>(name: string): T | undefined {
  const file = join(stateDir, name);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

/** Written whole or not at all: the relay may read it at any time. */
function writeJson(name: string, value: unknown): void {
  const file = join(stateDir, name);
  writeFileSync(`${file}.tmp`, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** Compose waits for devnet's healthcheck; this also covers `tsx docker/deploy.ts` by hand. */
async function waitForNode(provider: LocalProvider, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await provider.getChainId();
      return;
    } catch (e) {
      if (Date.now() > until) throw new Error(`no node at ${rpcUrl} after ${timeoutMs / 1000}s: ${String(e)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** The demo worker of an earlier run, if the chain still has it (devnet state is kept in its volume). */
async function previousDemo(provider: LocalProvider): Promise<DemoState | undefined> {
  const demo = readJson<{ worker?: DemoState['worker'] } & Partial<DemoState>>('demo.json');
  if (!demo?.worker?.address) return undefined;
  const deployed = await provider.getClassHashAt(demo.worker.address).then(() => true, () => false);
  return deployed ? (demo as DemoState) : undefined;
}

async function main() {
  mkdirSync(stateDir, { recursive: true });
  const provider = new LocalProvider({ nodeUrl: rpcUrl });
  log(`waiting for the node at ${rpcUrl}`);
  await waitForNode(provider);

  const accounts = await devnetAccounts(provider, rpcUrl);
  if (accounts.length < relayerCount + 2) {
    throw new Error(`devnet has ${accounts.length} accounts; need ${relayerCount + 2} (deployer, ${relayerCount} relayers, client)`);
  }
  const [deployer, ...rest] = accounts;
  const relayers = rest.slice(0, relayerCount);
  const client = rest[relayerCount]!;

  log('declaring and deploying the CIRO contracts');
  const manifest = await deployCiro(provider, deployer!.account, { relayers: relayers.map((r) => r.address) });
  manifest.rpcUrl = publicRpcUrl;

  let demo = await previousDemo(provider);
  if (demo) log(`demo worker ${demo.worker.address} already on chain`);
  else {
    log('seeding the demo worker');
    demo = await seedDemo(provider, manifest, { deployer: deployer!, relayer: relayers[0]!, client });
  }

  const keys = readJson<{ demo: Key; admin: Key }>('keys.json') ?? {
    demo: await newApiKey('demo'),
    admin: await newApiKey('demo-admin'),
  };

  // Simulations run as an account of their own, so they never race the relayers' nonces (relay/relayers/simulator.ts).
  const simulator = await ensureSimulator(provider, deployer!.account, manifest, readJson<ConfigInput>('relay.json')?.simulator);

  // The relay of `npm start`; the store comes from CIRO_REDIS_URL in compose.yaml (memory when unset).
  const config: ConfigInput = demoConfig({ rpcUrl, manifest, relayers, simulator, keys });
  parseConfig(config); // a config the relay would refuse fails here, naming the field

  writeJson('keys.json', keys);
  writeJson('manifest.json', manifest);
  writeJson('relay.json', config);
  writeJson('demo.json', { relayUrl: publicRelayUrl, apiKey: keys.demo.key, adminKey: keys.admin.key, ...demo });

  console.log(`
CIRO relay      ${publicRelayUrl}   (SNIP-29 JSON-RPC at POST /, health at /health, manifest at /v1/contracts)
devnet          ${publicRpcUrl}
demo API key    ${keys.demo.key}   (x-paymaster-api-key, SNIP-29)
admin API key   ${keys.admin.key}   (x-paymaster-api-key, /v1 admin API; OpenAPI at /v1/openapi.json)
demo worker     ${demo.worker.address} (0 STRK, ${BigInt(demo.reward) / 10n ** 18n} CIRO claimable)
state           ${stateDir}: relay.json, manifest.json, demo.json
`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

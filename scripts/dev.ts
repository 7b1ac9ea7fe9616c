/**
 * `npm start`: the whole local stack on embedded defaults. Without CIRO_RPC_URL
 * it starts devnet, builds (if needed), declares and deploys the contracts,
 * seeds a demo worker with claimable rewards, then serves the relay with a
 * demo tenant and prints one command that sends a first gasless transaction.
 * `--edge` (or `npm run start:edge`) serves the relay as a Cloudflare Worker on
 * local workerd instead of Node. Ctrl-C, or a SIGTERM to this process alone,
 * stops everything it started: the relay, then devnet.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join, relative } from 'node:path';
import { parseConfig, type Config } from '../relay/config.ts';
import { createNodeRelay, listen } from '../relay/entry/node.ts';
import { loadPolicyFiles } from '../relay/entry/policyFiles.ts';
import { ec, stark } from 'starknet';
import { secretsFromEnv } from '../relay/entry/env.ts';
import { newApiKey } from '../relay/tenants/auth.ts';
import { startEdge } from './edge.ts';
import { WITH_ARGENT } from './local/argent.ts';
import { CONTRACTS } from './local/artifacts.ts';
import { demoConfig } from './local/demoConfig.ts';
import { startLocalChain } from './local/chain.ts';
import { handOverSignals } from './local/devnet.ts';
import { localDir, repoRoot } from './local/toolchain.ts';

const local = localDir();

// Set once everything is up: the relay, then devnet, stopped in that order on Ctrl-C or SIGTERM.
let shutdown: (() => Promise<void>) | undefined;
let stopping = false;
let stoppingAt = 0;
handOverSignals();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, async () => {
    // One Ctrl-C can arrive twice at once: the terminal's, to the whole group, and the one `tsx` (npm start) relays.
    if (stopping && Date.now() - stoppingAt < 1_000) return;
    // During start-up, or on a second signal: exit now, and devnet.ts's and edge.ts's exit hooks kill what was starting.
    if (!shutdown || stopping) process.exit(128 + constants.signals[sig]);
    stopping = true;
    stoppingAt = Date.now();
    // A stop that hangs (a relay closing on a store it can't reach) must not keep devnet running: the exit hooks take it.
    setTimeout(() => process.exit(1), 8_000);
    await shutdown().catch((e: unknown) => console.error(e));
    process.exit(0);
  });
}

function ensureContractsBuilt() {
  const missing = CONTRACTS.some((c) => !existsSync(join(repoRoot, 'contracts', 'target', `${c}.compiled_contract_class.json`)));
  if (missing) execFileSync('bash', [join(repoRoot, 'scripts', 'build-contracts.sh')], { stdio: 'inherit' });
}

const EDGE = process.argv.includes('--edge');

async function serveNode(config: Config, policyDir: string, port: number, secrets: Record<string, string>) {
  const relay = await createNodeRelay(config, { policyDir, secrets });
  const { url, server } = await listen(relay, port);
  return { url, stop: async () => void (server.close(), await relay.close()) };
}

async function main() {
  if (process.env.CIRO_RPC_URL) {
    console.error('CIRO_RPC_URL is set: run the relay alone with `tsx relay/entry/node.ts` (see README).');
    process.exit(2);
  }
  ensureContractsBuilt();
  console.log('starting devnet and deploying the CIRO contracts…');
  // Argent 0.4.0 predeclared and accepted, so workers can use session keys (relay/sessions/).
  const chain = await startLocalChain({ seed: true, ...WITH_ARGENT, devnet: { ...WITH_ARGENT.devnet, port: Number(process.env.DEVNET_PORT ?? 5050) } });
  const demoKey = await newApiKey('demo');
  const adminKey = await newApiKey('demo-admin');
  const config = parseConfig({
    ...demoConfig({ rpcUrl: chain.devnet.url, manifest: chain.manifest, relayers: chain.relayers, simulator: chain.simulator.address, keys: { demo: demoKey, admin: adminKey } }),
    // Embedded default: memory. CIRO_REDIS_URL shares state with other relay instances.
    store: process.env.CIRO_REDIS_URL ? { kind: 'redis', url: process.env.CIRO_REDIS_URL } : { kind: 'memory' },
  });
  const policyDir = join(repoRoot, 'policies', 'examples');
  // The demo tenant's session cosigner (its users' Argent guardian): from the env if set, else fresh per run.
  const secrets = { ...secretsFromEnv(process.env) };
  secrets['demo/SESSION_COSIGNER'] ??= stark.randomAddress();
  const guardian = ec.starkCurve.getStarkKey(secrets['demo/SESSION_COSIGNER']);
  const port = Number(process.env.PORT ?? 8080);
  // --edge: the same relay as a Worker on local workerd, its state in Durable Objects.
  const { url, stop: stopRelay } = EDGE
    ? await startEdge({ config, policies: loadPolicyFiles(policyDir), port, persistTo: join(local, 'edge-state'), secrets, inspectorPort: null })
    : await serveNode(config, policyDir, port, secrets);

  mkdirSync(local, { recursive: true });
  writeFileSync(join(local, 'manifest.json'), JSON.stringify(chain.manifest, null, 2));
  writeFileSync(join(local, 'demo.json'), JSON.stringify({ relayUrl: url, apiKey: demoKey.key, ...chain.demo }, null, 2));

  console.log(`
CIRO relay      ${url}   (SNIP-29 JSON-RPC at POST /, health at /health, manifest at /v1/contracts)
devnet          ${chain.devnet.url}
demo API key    ${demoKey.key}   (x-paymaster-api-key, SNIP-29)
admin API key   ${adminKey.key}   (x-paymaster-api-key, /v1 admin API; OpenAPI at /v1/openapi.json)
console         ${url}/console   (sign in with the admin API key)
session keys    ${url}/sessions (Argent 0.4.0 accounts with guardian ${guardian}; x-sessions service ${url}/sessions/argent)
demo worker     ${chain.demo!.worker.address} (0 STRK, ${BigInt(chain.demo!.reward) / 10n ** 18n} CIRO claimable)
manifest        ${relative(repoRoot, join(local, 'manifest.json'))}
state store     ${EDGE ? 'Durable Objects (wrangler dev, local workerd)' : config.store.kind}

Send a first gasless transaction (the worker claims its rewards), in another terminal:
  ${process.env.CIRO_LOCAL_DIR ? `CIRO_LOCAL_DIR='${local}' ` : ''}npx tsx scripts/claim.ts
`);
  shutdown = async () => {
    console.log('stopping the relay…');
    await stopRelay();
    console.log('stopping devnet…');
    await chain.stop();
    console.log('stopped.');
  };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

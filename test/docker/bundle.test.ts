/**
 * The production build, run the way the images run it: `npm run build:node`
 * compiles the relay to dist/relay.mjs, which is copied out of the repo (so
 * nothing can resolve from its node_modules) and started with plain Node, no
 * tsx. Then the compose stack's one-shot (docker/deploy.ts, bundled the same
 * way and laid out as in its image) against the same devnet, and the relay
 * bundle serving the config it wrote, with Redis as in compose.yaml, while the
 * demo worker claims its rewards gaslessly: `docker compose up` without the
 * containers.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Account, PaymasterRpc } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../relay/tenants/auth.ts';
import { startLocalChain, type LocalChain } from '../../scripts/local/chain.ts';
import { LocalProvider } from '../../scripts/local/provider.ts';
import { repoRoot } from '../../scripts/local/toolchain.ts';
import { balanceOf } from '../helpers/relay.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';

const node = join(repoRoot, 'node_modules', '.bin', 'node');
const work = mkdtempSync(join(tmpdir(), 'ciro-bundle-'));
const relayBundle = join(work, 'app', 'relay.mjs');
// NODE_OPTIONS as docker/Dockerfile sets it, so the bundle runs on the image's AsyncLocalStorage.
const IMAGE_NODE_OPTIONS = /NODE_OPTIONS="([^"]+)"/.exec(readFileSync(join(repoRoot, 'docker', 'Dockerfile'), 'utf8'))![1]!;
const deployBundle = join(work, 'ciro', 'scripts', 'local', 'deploy-stack.mjs');
const running = new Set<ChildProcess>();

interface Served {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** `node relay.mjs` in the image's layout (/app: the bundle and policies/); resolves once it listens. */
function serveBundle(env: Record<string, string>): Promise<Served> {
  const proc = spawn(node, [relayBundle], {
    cwd: join(work, 'app'),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: '0', CIRO_POLICY_DIR: join(work, 'app', 'policies'), NODE_OPTIONS: IMAGE_NODE_OPTIONS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const stop = () =>
    new Promise<void>((resolve) => {
      running.delete(proc);
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`relay bundle did not listen in 30s:\n${out}`)), 30_000);
    const fail = (e: Error) => {
      clearTimeout(timer);
      proc.kill('SIGKILL');
      reject(e);
    };
    proc.stdout!.on('data', () => {
      const m = /listening on (http:\/\/[^\s"]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, output: () => out, stop });
      }
    });
    proc.once('exit', (code) => fail(new Error(`relay bundle exited with ${code}:\n${out}`)));
  });
}

async function rpc(url: string, method: string, apiKey?: string): Promise<any> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(apiKey ? { 'x-paymaster-api-key': apiKey } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method }),
  });
  expect(res.status).toBe(200);
  return res.json();
}

const health = async (url: string) => fetch(`${url}/health`).then(async (res) => ({ status: res.status, body: await res.json() }));

const writeConfig = (name: string, config: unknown) => (writeFileSync(join(work, name), JSON.stringify(config)), join(work, name));

beforeAll(() => {
  const build = spawnSync('npm', ['run', 'build:node'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  expect(build.status, build.stdout + build.stderr).toBe(0);
  // The relay image's /app: the bundle and the example policies, nothing else.
  mkdirSync(join(work, 'app'), { recursive: true });
  for (const f of ['relay.mjs', 'relay.mjs.map']) cpSync(join(repoRoot, 'dist', f), join(work, 'app', f));
  cpSync(join(repoRoot, 'policies', 'examples'), join(work, 'app', 'policies'), { recursive: true });
  // And the addon of the image's `native` stage (setup.sh built this one from the same lockfile).
  cpSync(join(repoRoot, 'relay', 'entry', 'native', 'ciro_crypto.node'), join(work, 'app', 'native', 'ciro_crypto.node'));
  // The deploy image's /ciro, as docker/chain.Dockerfile lays it out.
  const deploy = spawnSync(node, ['docker/build-node.mjs', 'docker/deploy.ts', deployBundle], { cwd: repoRoot, encoding: 'utf8' });
  expect(deploy.status, deploy.stdout + deploy.stderr).toBe(0);
  cpSync(join(repoRoot, 'scripts', 'versions.env'), join(work, 'ciro', 'scripts', 'versions.env'));
  cpSync(join(repoRoot, 'contracts', 'target'), join(work, 'ciro', 'contracts', 'target'), { recursive: true });
}, 180_000);

afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

describe('npm run build:node', () => {
  it('writes one ESM file that imports nothing but Node built-ins', () => {
    // esbuild's own account of what the output imports at run time; a regex over the text would also
    // match import statements inside strings (the console's scripts are bundled as strings).
    const meta = JSON.parse(readFileSync(join(repoRoot, 'dist', 'relay.mjs.meta.json'), 'utf8')) as { outputs: Record<string, { imports: { path: string }[] }> };
    const specifiers = meta.outputs['dist/relay.mjs']!.imports.map((i) => i.path);
    const text = readFileSync(relayBundle, 'utf8');
    expect(specifiers.length).toBeGreaterThan(0);
    // Optional peers of @redis/client, loaded inside a try only by features the
    // relay never uses (OpenTelemetry.init(), the DIGEST command's hash).
    const optionalPeers = ['@opentelemetry/api', '@node-rs/xxhash'];
    const external = specifiers.filter((s) => !isBuiltin(s) && !optionalPeers.includes(s));
    expect(external).toEqual([]);
    expect(text).not.toMatch(/\btsx\b.*\bregister\b/);
    expect(statSync(relayBundle).size).toBeLessThan(8 * 1024 * 1024);
  });

  it('stops on a bad config with exit code 2 naming the field, as tsx relay/entry/node.ts does', () => {
    const file = writeConfig('bad.json', { rpcUrl: 'not a url', relayers: [] });
    const res = spawnSync(node, [relayBundle], {
      cwd: join(work, 'app'),
      env: { PATH: process.env.PATH, CIRO_CONFIG: file, PORT: '0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('rpcUrl');
    expect(res.stdout).not.toContain('listening');
  });
});

describe('the bundle against a local chain', () => {
  let chain: LocalChain;
  let redis: TestRedis;

  beforeAll(async () => {
    chain = await startLocalChain();
    redis = await startRedis();
  }, 300_000);

  afterAll(async () => {
    await redis?.stop();
    await chain?.stop();
  });

  const config = (apiKey: { secretHash: string }) => ({
    rpcUrl: chain.devnet.url,
    manifest: chain.manifest,
    relayers: chain.relayers.map((r) => ({ address: r.address, privateKey: r.privateKey })),
    relayerTip: '0',
    tenants: [{ id: 'test', name: 'Test', apiKeys: [{ id: 'test', secretHash: apiKey.secretHash, scope: 'sponsor' }], policies: ['worker-rewards'] }],
  });

  for (const store of ['memory', 'redis'] as const) {
    it(`serves /health and paymaster_isAvailable over HTTP (${store} store)`, async () => {
      const key = await newApiKey('test');
      const relay = await serveBundle({
        CIRO_CONFIG: writeConfig(`relay-${store}.json`, config(key)),
        ...(store === 'redis' ? { CIRO_REDIS_URL: redis.url } : {}),
      });
      try {
        const h = await health(relay.url);
        expect(h, relay.output()).toEqual({ status: 200, body: expect.objectContaining({ ok: true, store: true, chain: true }) });
        // The bundle finds the addon where the image puts it, and uses it.
        const crypto = relay.output().split('\n').flatMap((l) => (l.includes('"relay.crypto"') ? [JSON.parse(l)] : []));
        expect(crypto, relay.output()).toEqual([expect.objectContaining({ native: true })]);
        expect(await rpc(relay.url, 'paymaster_isAvailable')).toEqual({ jsonrpc: '2.0', id: 1, result: true });
        const tokens = await rpc(relay.url, 'paymaster_getSupportedTokens', key.key);
        expect(tokens.result.map((t: { token_address: string }) => BigInt(t.token_address))).toContain(
          BigInt(chain.manifest.tokens.STRK!.address),
        );
      } finally {
        await relay.stop();
      }
    });
  }

  it("runs the compose stack's deploy one-shot, and the relay serves what it wrote: a gasless claim lands", async () => {
    const state = join(work, 'state');
    const deploy = () =>
      spawnSync(node, [deployBundle], {
        cwd: join(work, 'ciro'),
        env: {
          PATH: process.env.PATH,
          CIRO_DEVNET_URL: chain.devnet.url,
          CIRO_PUBLIC_RPC_URL: chain.devnet.url,
          CIRO_STATE_DIR: state,
        },
        encoding: 'utf8',
        timeout: 240_000,
      });
    const first = deploy();
    expect(first.status, first.stdout + first.stderr).toBe(0);
    for (const f of ['relay.json', 'manifest.json', 'demo.json', 'keys.json']) expect(existsSync(join(state, f))).toBe(true);
    const demo = JSON.parse(readFileSync(join(state, 'demo.json'), 'utf8'));
    const manifest = JSON.parse(readFileSync(join(state, 'manifest.json'), 'utf8'));
    expect(first.stdout).toContain(demo.apiKey);
    // Same addresses as startLocalChain's deploy: fixed salts, same deployer.
    expect(manifest.contracts.paymaster.address).toBe(chain.manifest.contracts.paymaster.address);

    // Simulations run as an account of their own, registered as a relayer on the Paymaster (health checks that below).
    const { simulator } = JSON.parse(readFileSync(join(state, 'relay.json'), 'utf8')) as { simulator?: string };
    expect(simulator).toMatch(/^0x[0-9a-f]+$/);

    // Compose runs it again on every `up`: nothing changes that the relay has read.
    const keys = readFileSync(join(state, 'keys.json'), 'utf8');
    const again = deploy();
    expect(again.status, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('already on chain');
    expect(readFileSync(join(state, 'keys.json'), 'utf8')).toBe(keys);
    expect(JSON.parse(readFileSync(join(state, 'demo.json'), 'utf8')).worker).toEqual(demo.worker);
    expect(JSON.parse(readFileSync(join(state, 'relay.json'), 'utf8')).simulator).toBe(simulator);

    const relay = await serveBundle({ CIRO_CONFIG: join(state, 'relay.json'), CIRO_REDIS_URL: redis.url });
    try {
      expect(await health(relay.url)).toMatchObject({ status: 200, body: { simulator: true } });
      // As `npm start` prices it: CIRO live from the mock Pragma oracle the deploy seeded.
      const contracts = (await (await fetch(`${relay.url}/v1/contracts`)).json()) as { supportedTokens: { symbol: string; source: string }[] };
      expect(contracts.supportedTokens).toEqual(
        expect.arrayContaining([expect.objectContaining({ symbol: 'CIRO', source: 'pragma' }), expect.objectContaining({ symbol: 'STRK' })]),
      );
      const provider = new LocalProvider({ nodeUrl: manifest.rpcUrl });
      const paymaster = new PaymasterRpc({ nodeUrl: relay.url, headers: { 'x-paymaster-api-key': demo.apiKey } });
      const worker = new Account({ provider, address: demo.worker.address, signer: demo.worker.privateKey, paymaster });
      const ciro = manifest.contracts.ciro_token.address;
      const before = await balanceOf(provider, ciro, worker.address);
      const { transaction_hash } = await worker.executePaymasterTransaction(
        [{ contractAddress: manifest.contracts.cdc_pool.address, entrypoint: 'claim_rewards', calldata: [] }],
        { feeMode: { mode: 'sponsored' } },
      );
      const receipt = await provider.waitForTransaction(transaction_hash);
      expect(receipt.isSuccess(), relay.output()).toBe(true);
      expect((await balanceOf(provider, ciro, worker.address)) - before).toBe(BigInt(demo.reward));
    } finally {
      await relay.stop();
    }
  }, 300_000);
});

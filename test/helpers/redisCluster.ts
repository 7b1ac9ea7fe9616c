/**
 * A throw-away Redis Cluster for tests: `size` redis-server masters (no
 * replicas) on free loopback ports, each through startRedis (so each is
 * killed and its temp dir removed on stop, on exit and by the next run's
 * reaper), joined with `redis-cli --cluster create`, and ready once every
 * node says cluster_state:ok and knows every other.
 *
 * The cluster bus gets its own free port (`--cluster-port`): the default,
 * port + 10000, may be taken or past 65535. With `password`, every node
 * requires it and the URLs carry it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { RedisStore } from '../../relay/store/redis/store.ts';
import type { Store } from '../../relay/store/types.ts';
import { freePort, startRedis, type TestRedis } from './redis.ts';

const run = promisify(execFile);

export interface TestRedisCluster {
  /** One redis:// URL per node: seed nodes for a cluster client. */
  urls: string[];
  nodes: TestRedis[];
  /** The slot the servers put a key in (CLUSTER KEYSLOT), not a local computation. */
  keySlot(key: string): Promise<number>;
  /** Index in `nodes` of the master serving each slot, as the cluster reports it now. */
  slotOwners(): Promise<number[]>;
  /** Resolves once every node reports cluster_state:ok and knows all the others. */
  untilHealthy(timeoutMs?: number): Promise<void>;
  /** Stops every node and removes their temp dirs. Idempotent. */
  stop(): Promise<void>;
}

/** Cluster node timeout: short, so a stopped node fails the cluster (CLUSTERDOWN) within seconds. */
const NODE_TIMEOUT_MS = 2_000;

export interface StartClusterOptions {
  /** Masters, at least 3. Default 3. */
  size?: number;
  /** requirepass (and masterauth) on every node. */
  password?: string;
}

type Cli = (port: number, ...args: string[]) => Promise<string>;
const cliFor =
  (password?: string): Cli =>
  async (port, ...args) => {
    const env = password ? { ...process.env, REDISCLI_AUTH: password } : process.env;
    return (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000, env })).stdout;
  };

const field = (info: string, name: string) => new RegExp(`^${name}:(\\S+)`, 'm').exec(info)?.[1];

export async function startRedisCluster({ size = 3, password }: StartClusterOptions = {}): Promise<TestRedisCluster> {
  if (size < 3) throw new RangeError('redis-cli --cluster create needs at least 3 masters');
  const cli = cliFor(password);
  const auth = password ? ['--requirepass', password, '--masterauth', password] : [];
  const nodes: TestRedis[] = [];
  const stop = async () => {
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
  };
  try {
    for (let i = 0; i < size; i++) {
      const busPort = await freePort();
      const args = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(busPort)];
      nodes.push(await startRedis({ args: [...args, '--cluster-node-timeout', String(NODE_TIMEOUT_MS), ...auth] }));
    }
    const urls = nodes.map((n) => (password ? n.url.replace('redis://', `redis://:${encodeURIComponent(password)}@`) : n.url));
    const cluster = handle(nodes, urls, cli, stop);
    await cli(nodes[0]!.port, '--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes');
    await cluster.untilHealthy();
    return cluster;
  } catch (e) {
    await stop();
    throw e;
  }
}

function handle(nodes: TestRedis[], urls: string[], cli: Cli, stopNodes: () => Promise<void>): TestRedisCluster {
  const ports = nodes.map((n) => n.port);
  // A plain client of the first node, for CLUSTER KEYSLOT (a redis-cli process per key is slow).
  let probe: Promise<{ sendCommand(args: string[]): Promise<unknown>; destroy(): void }> | undefined;
  const stop = async () => {
    const p = probe;
    probe = undefined;
    await p?.then((c) => c.destroy()).catch(() => {});
    await stopNodes();
  };
  const healthy = async (port: number) => {
    const info = await cli(port, 'CLUSTER', 'INFO').catch(() => '');
    return field(info, 'cluster_state') === 'ok' && Number(field(info, 'cluster_known_nodes')) === ports.length;
  };
  return {
    urls,
    nodes,
    stop,
    async keySlot(key) {
      probe ??= createClient({ url: urls[0] }).on('error', () => {}).connect();
      const slot = await (await probe).sendCommand(['CLUSTER', 'KEYSLOT', key]);
      if (typeof slot !== 'number') throw new Error(`CLUSTER KEYSLOT answered ${String(slot)}`);
      return slot;
    },
    async slotOwners() {
      const owners: number[] = new Array(16_384).fill(-1);
      // <id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link> <slot or range>...
      for (const line of (await cli(ports[0]!, 'CLUSTER', 'NODES')).trim().split('\n')) {
        const [, addr, flags, , , , , , ...slots] = line.split(' ');
        if (!flags?.includes('master')) continue;
        const node = ports.indexOf(Number(/:(\d+)@/.exec(addr ?? '')?.[1]));
        for (const s of slots) {
          if (s.startsWith('[')) continue; // a slot being migrated
          const [from, to = from] = s.split('-').map(Number);
          for (let i = from!; i <= to!; i++) owners[i] = node;
        }
      }
      return owners;
    },
    async untilHealthy(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if ((await Promise.all(ports.map(healthy))).every(Boolean)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      const states = await Promise.all(ports.map(async (p) => `${p}: ${field(await cli(p, 'CLUSTER', 'INFO').catch(() => ''), 'cluster_state') ?? 'no answer'}`));
      throw new Error(`Redis Cluster not healthy within ${timeoutMs} ms (${states.join(', ')})`);
    },
  };
}

let seq = 0;

/**
 * A store backend on a 3-node cluster for `describe.each` suites (the shape of
 * test/relay/sponsorship/helpers.ts's backends): one cluster per file, a
 * fresh prefix per store. The prefix has no braces, so every key keeps its
 * own {unit} and different units land on different nodes.
 */
export function useClusterBackend(name = 'redis-cluster'): { name: string; fresh: () => Promise<Store> }[] {
  let cluster: TestRedisCluster | undefined;
  const stores: Store[] = [];
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close().catch(() => undefined)));
  });
  const fresh = async () => {
    const store = await RedisStore.connect({ cluster: cluster!.urls }, { prefix: `cl:${process.pid}:${++seq}:`, commandTimeoutMs: 2_000 });
    stores.push(store);
    return store;
  };
  return [{ name, fresh }];
}

/** How a call ended (its error, if any) and how long it took. */
export async function timed(p: Promise<unknown>): Promise<{ err: unknown; ms: number }> {
  const t0 = Date.now();
  const err = await p.then(() => undefined, (e: unknown) => e); // prettier-ignore
  return { err, ms: Date.now() - t0 };
}

/** Retries `probe` until it succeeds, for `ms` at most (a store recovering by itself). */
export async function untilServing(probe: () => Promise<unknown>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && (await timed(probe())).err) await new Promise((r) => setTimeout(r, 100));
  await probe();
}

/**
 * The node-redis client under RedisConnection, behind one small interface:
 * a client of one server (`createClient`), of a Redis Cluster
 * (`createCluster`, seeded with one or more node URLs; it learns the slot map
 * and reaches every master itself), or of the master a set of Sentinels
 * names (`createSentinel`; it follows a failover to the promoted replica).
 * All have the offline queue off and a
 * reconnect backoff that never gives up; connection.ts adds the deadlines.
 * node-redis' own command `timeout` is turned off (NO_COMMAND_TIMEOUT; node-redis
 * 6 defaults it to 5 s): connection.ts's deadline covers every command from
 * the call to the reply, and each node-redis timeout is an AbortSignal.timeout
 * whose timer always fires (a DOMException each, ~1% of an admin dry run's
 * CPU and its garbage).
 */
import { ClientClosedError, ClientOfflineError, createClient, createCluster, createSentinel } from 'redis';
import { StoreUnavailableError } from '../../errors/base.ts';

/** One server, the seed nodes of a Redis Cluster, or Sentinels and the name of the master they watch (`redis://[user:password@]host:port`). */
export type RedisTarget = { url: string } | { cluster: string[] } | { sentinel: { name: string; nodes: string[] } };

export interface Link {
  /** Resolves once commands can be served; keeps trying until then, or until destroyed. */
  connect(): Promise<void>;
  /** On a cluster, `key` picks the master of its slot (a script must keep all its keys in that slot). */
  send(args: string[], key?: string): Promise<unknown>;
  /** PING; on a cluster, every master must answer and see the cluster as up (or keyed commands fail with CLUSTERDOWN). */
  ping(): Promise<void>;
  readonly isReady: boolean;
  /** The last error the client reported while (re)connecting, to say why a connect timed out. */
  readonly lastError: Error | undefined;
  close(): Promise<void>;
  destroy(): void;
}

/** `0`: no timer per command (node-redis arms one only for a truthy timeout). */
export const NO_COMMAND_TIMEOUT = { timeout: 0 } as const;

const backoff = (retries: number) => Math.min(50 * 2 ** retries, 1_000);

/** Keeps credentials out of error messages and logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis';
  }
}

export function link(target: RedisTarget, timeoutMs: number): Link {
  if ('url' in target) return serverLink(target.url, timeoutMs);
  return 'cluster' in target ? clusterLink(target.cluster, timeoutMs) : sentinelLink(target.sentinel.name, target.sentinel.nodes, timeoutMs);
}

/** Where a target points, for messages: no credentials. */
export function describeTarget(target: RedisTarget): string {
  if ('url' in target) return redact(target.url);
  if ('cluster' in target) return `cluster ${target.cluster.map(redact).join(', ')}`;
  return `master '${target.sentinel.name}' of sentinels ${target.sentinel.nodes.map(redact).join(', ')}`;
}

function serverLink(url: string, timeoutMs: number): Link {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: NO_COMMAND_TIMEOUT,
    socket: { connectTimeout: timeoutMs, reconnectStrategy: backoff },
  });
  // Without a listener Node treats reconnect errors as fatal; they are not
  // lost, since every command in that state rejects with StoreUnavailableError.
  let lastError: Error | undefined;
  client.on('error', (e: Error) => void (lastError = e));
  return {
    get lastError() {
      return lastError;
    },
    connect: async () => void (await client.connect()),
    send: (args) => client.sendCommand(args),
    ping: async () => void (await client.sendCommand(['PING'])),
    get isReady() {
      return client.isReady;
    },
    close: () => client.close(),
    destroy: () => client.destroy(),
  };
}

/** What the seeds say about credentials and TLS holds for the nodes the cluster or the sentinels report (no URL of theirs). */
function nodeDefaults(urls: string[]): { username?: string; password?: string; tls: boolean } {
  const u = new URL(urls[0]!);
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    tls: u.protocol === 'rediss:',
  };
}

function clusterLink(urls: string[], timeoutMs: number): Link {
  let destroyed = false;
  const { tls, ...auth } = nodeDefaults(urls);
  const socket = { connectTimeout: timeoutMs, reconnectStrategy: (n: number) => (destroyed ? false : backoff(n)) } as const;
  const cluster = createCluster({
    rootNodes: urls.map((url) => ({ url })),
    commandOptions: NO_COMMAND_TIMEOUT,
    defaults: { ...auth, disableOfflineQueue: true, socket: tls ? { ...socket, tls: true } : socket },
  });
  let lastError: Error | undefined;
  cluster.on('error', (e: Error) => void (lastError = e)); // as above: every command while a node is unreachable fails on its own
  const destroy = () => {
    destroyed = true;
    cluster.destroy();
  };
  return {
    // Unlike one client's, a cluster's connect gives up after one pass over the seeds: retry it.
    async connect() {
      for (let attempt = 0; ; attempt++) {
        if (destroyed) throw new ClientClosedError();
        try {
          await cluster.connect();
        } catch (e) {
          if (destroyed) throw e;
          lastError = e as Error;
          await new Promise((r) => setTimeout(r, backoff(attempt)));
          continue;
        }
        if (!destroyed) return;
        cluster.destroy(); // destroyed while connecting: undo what that connect opened
        throw new ClientClosedError();
      }
    },
    send: (args, key) => cluster.sendCommand(key, false, args),
    ping: async () => {
      if (!cluster.isReady) throw new ClientOfflineError();
      await Promise.all(
        cluster.masters.map(async (m) => {
          const info = String(await (await cluster.nodeClient(m)).sendCommand(['CLUSTER', 'INFO']));
          if (!/^cluster_state:ok\b/m.test(info)) throw new StoreUnavailableError(new Error(`cluster_state is not ok on ${m.address}`));
        }),
      );
    },
    get isReady() {
      return cluster.isReady;
    },
    get lastError() {
      return lastError;
    },
    close: () => cluster.close(),
    destroy,
  };
}

/**
 * The master the sentinels name, followed through failovers: during one,
 * commands fail (StoreUnavailableError, fail closed) until the sentinels have
 * promoted a replica and the client has moved to it. One client to the
 * master is kept for every command, so they pipeline as on one server.
 */
function sentinelLink(name: string, urls: string[], timeoutMs: number): Link {
  const { tls, ...auth } = nodeDefaults(urls);
  const socket = { connectTimeout: timeoutMs, reconnectStrategy: backoff } as const;
  const options = { ...auth, disableOfflineQueue: true, socket: tls ? { ...socket, tls: true as const } : socket };
  const sentinel = createSentinel({
    name,
    sentinelRootNodes: urls.map((u) => new URL(u)).map((u) => ({ host: u.hostname, port: Number(u.port || 26379) })),
    nodeClientOptions: options,
    sentinelClientOptions: options,
    reserveClient: true,
    commandOptions: NO_COMMAND_TIMEOUT,
  });
  let lastError: Error | undefined;
  sentinel.on('error', (e: Error) => void (lastError = e)); // as above: every command in that state fails on its own
  return {
    get lastError() {
      return lastError;
    },
    connect: async () => void (await sentinel.connect()),
    send: (args) => sentinel.sendCommand(false, args),
    ping: async () => void (await sentinel.sendCommand(false, ['PING'])),
    get isReady() {
      return sentinel.isReady;
    },
    close: () => sentinel.close(),
    destroy: () => sentinel.destroy(),
  };
}

/**
 * The Redis connection behind RedisStore, built to fail closed (Node only),
 * to one server or to a Redis Cluster (links.ts builds either client).
 *
 * - Offline queue off: while reconnecting, commands reject at once instead of
 *   piling up until Redis returns.
 * - Our own per-command deadline, from the call to the reply: node-redis'
 *   `timeout` option only covers the wait before a command is written, so a
 *   server that accepts bytes but never answers (hung, paused, half-open
 *   link) would hang callers forever.
 * - After such a deadline the client is replaced: the old socket may have
 *   replies queued behind a stuck command, and a fresh client fails fast
 *   (offline) until the server answers its handshake.
 * - Reconnection never gives up; the backoff is capped so recovery is quick.
 *
 * Every I/O failure becomes StoreUnavailableError; Redis error replies that
 * signal a caller bug (WRONGTYPE, CROSSSLOT, script errors) pass through
 * unchanged. Replies are told apart by their error code, never by prose.
 */
import { ClientClosedError, ClientOfflineError, ErrorReply } from 'redis';
import { StoreUnavailableError } from '../../errors/base.ts';
import { describeTarget, type Link, link, type RedisTarget } from './links.ts';

export type { RedisTarget } from './links.ts';

/** A Redis error reply's code: the word it starts with (RESP's `-WRONGTYPE Operation against…`). */
export function replyCode(e: unknown): string | undefined {
  return e instanceof ErrorReply ? /^[A-Z]+/.exec(e.message)?.[0] : undefined;
}

// Codes meaning "Redis cannot serve right now" rather than "this call is wrong".
const UNAVAILABLE = new Set(['LOADING', 'BUSY', 'READONLY', 'MASTERDOWN', 'TRYAGAIN', 'CLUSTERDOWN', 'NOREPLICAS', 'MISCONF', 'OOM']);

function toStoreError(e: unknown): unknown {
  if (e instanceof ErrorReply && !UNAVAILABLE.has(replyCode(e) ?? '')) return e;
  if (e instanceof StoreUnavailableError) return e;
  // Offline or closed: never written to a socket. An UNAVAILABLE reply: refused before running.
  // A lost reply or a deadline says nothing of whether Redis ran the command.
  const unapplied = e instanceof ClientOfflineError || e instanceof ClientClosedError || e instanceof ErrorReply;
  return new StoreUnavailableError(e, { unapplied });
}

/** Rejects with `onTimeout()` if `p` has not settled within `ms`. */
function deadline<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}

export class RedisConnection {
  private closed = false;

  private constructor(
    private client: Link,
    private readonly target: RedisTarget,
    private readonly timeoutMs: number,
  ) {}

  /** Connects (for a cluster: learns its slots and reaches every master) or throws StoreUnavailableError after `connectTimeoutMs`. */
  static async open(target: RedisTarget, timeoutMs: number, connectTimeoutMs: number): Promise<RedisConnection> {
    const client = link(target, timeoutMs);
    try {
      const where = describeTarget(target);
      // The server's own refusal (protected mode, wrong password, …) says more than the timeout does.
      const why = () => (client.lastError ? `: ${client.lastError.message}` : '');
      await deadline(client.connect(), connectTimeoutMs, () => new Error(`no answer from ${where} within ${connectTimeoutMs} ms${why()}`));
    } catch (e) {
      client.destroy();
      throw new StoreUnavailableError(e);
    }
    return new RedisConnection(client, target, timeoutMs);
  }

  get isCluster(): boolean {
    return 'cluster' in this.target;
  }

  /** Sends one command; on a cluster `key` routes it to the master of that key's slot (none: any master). */
  async send(args: string[], key?: string): Promise<unknown> {
    const client = this.client;
    try {
      return await deadline(client.send(args, key), this.timeoutMs, () => this.stuck(client));
    } catch (e) {
      throw toStoreError(e);
    }
  }

  /** One server answers PING; a cluster answers only if every master does. */
  async ping(): Promise<void> {
    const client = this.client;
    try {
      await deadline(client.ping(), this.timeoutMs, () => this.stuck(client));
    } catch (e) {
      throw toStoreError(e);
    }
  }

  private stuck(client: Link): Error {
    // Deferred so this timeout, not the disconnect it triggers, is the reported cause.
    queueMicrotask(() => this.replace(client));
    return new Error(`no reply from Redis within ${this.timeoutMs} ms`);
  }

  private replace(stuck: Link): void {
    if (this.closed || this.client !== stuck) return; // already replaced by a concurrent timeout
    const fresh = link(this.target, this.timeoutMs);
    this.client = fresh;
    fresh.connect().catch(() => {}); // settles only once ready or destroyed; commands fail fast meanwhile
    stuck.destroy();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = this.client;
    if (!client.isReady) return void client.destroy();
    // Graceful close lets in-flight commands finish, but never waits on a dying server.
    await deadline(client.close(), 1_000, () => new Error('close timed out')).catch(() => {});
    client.destroy();
  }
}

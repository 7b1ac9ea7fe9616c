/**
 * The Redis connection behind RedisStore, built to fail closed (Node only).
 *
 * - Offline queue off: while reconnecting, commands reject at once instead of
 *   piling up until Redis returns.
 * - Our own per-command deadline: node-redis' `timeout` option only covers
 *   the wait before a command is written, so a server that accepts bytes but
 *   never answers (hung, paused, half-open link) would hang callers forever.
 * - After such a deadline the client is replaced: the old socket may have
 *   replies queued behind a stuck command, and a fresh client fails fast
 *   (offline) until the server answers its handshake.
 * - Reconnection never gives up; the backoff is capped so recovery is quick.
 *
 * Every I/O failure becomes StoreUnavailableError; Redis error replies that
 * signal a caller bug (WRONGTYPE, script errors) pass through unchanged.
 */
import { createClient, ErrorReply } from 'redis';
import { StoreUnavailableError } from '../../errors/base.ts';

type Client = ReturnType<typeof createClient>;

// Replies meaning "Redis cannot serve right now" rather than "this call is wrong".
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOREPLICAS|MISCONF|OOM)\b/;

function toStoreError(e: unknown): unknown {
  if (e instanceof ErrorReply && !UNAVAILABLE_REPLY.test(e.message)) return e;
  return e instanceof StoreUnavailableError ? e : new StoreUnavailableError(e);
}

/** Rejects with `onTimeout()` if `p` has not settled within `ms`. */
function deadline<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}

/** Keeps credentials out of error messages and logs. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis';
  }
}

export class RedisConnection {
  private closed = false;

  private constructor(
    private client: Client,
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  /** Connects or throws StoreUnavailableError after `connectTimeoutMs`. */
  static async open(url: string, timeoutMs: number, connectTimeoutMs: number): Promise<RedisConnection> {
    const client = RedisConnection.client(url, timeoutMs);
    const connecting = client.connect();
    try {
      await deadline(connecting, connectTimeoutMs, () => new Error(`no answer from ${redact(url)} within ${connectTimeoutMs} ms`));
    } catch (e) {
      client.destroy();
      throw new StoreUnavailableError(e);
    }
    return new RedisConnection(client, url, timeoutMs);
  }

  private static client(url: string, timeoutMs: number): Client {
    const client: Client = createClient({
      url,
      disableOfflineQueue: true,
      commandOptions: { timeout: timeoutMs },
      socket: {
        connectTimeout: timeoutMs,
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1_000),
      },
    });
    // Without a listener Node treats reconnect errors as fatal; they are not
    // lost, since every command in that state rejects with StoreUnavailableError.
    client.on('error', () => {});
    return client;
  }

  async send(args: string[]): Promise<unknown> {
    const client = this.client;
    try {
      return await deadline(client.sendCommand(args), this.timeoutMs, () => {
        // Deferred so this timeout, not the disconnect it triggers, is the reported cause.
        queueMicrotask(() => this.replace(client));
        return new Error(`no reply from Redis within ${this.timeoutMs} ms`);
      });
    } catch (e) {
      throw toStoreError(e);
    }
  }

  private replace(stuck: Client): void {
    if (this.closed || this.client !== stuck) return; // already replaced by a concurrent timeout
    const fresh = RedisConnection.client(this.url, this.timeoutMs);
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
    if (client.isOpen) client.destroy();
  }
}

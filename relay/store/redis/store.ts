/**
 * Shared store for several relay instances, backed by Redis (Node only).
 * Every multi-step method is one Lua script, so atomicity holds across
 * instances; amounts are decimal strings handled exactly (redis-lua.ts).
 * Connection handling and fail-closed behaviour live in redis-conn.ts.
 */
import { createHash } from 'node:crypto';
import { ErrorReply } from 'redis';
import { RedisConnection } from './connection.ts';
import * as lua from './lua.ts';
import type { Commit, ReserveLine, ReserveResult, Store, TtlOptions } from '../types.ts';
import { checkDelta, checkIncrBy, checkLines, checkMaxLen, checkPage, parseAmount, ttlOf } from '../validate.ts';

export interface RedisStoreOptions {
  /** Namespace for every key, so several relays or tests can share one Redis. Default `ciro:`. */
  prefix?: string;
  /** Upper bound for one command; a slower answer counts as "unavailable". Default 2000. */
  commandTimeoutMs?: number;
  /** How long `connect` waits for the first connection before giving up. Default 5000. */
  connectTimeoutMs?: number;
}

type Script = { src: string; sha: string };

const script = (src: string): Script => ({ src, sha: createHash('sha1').update(src).digest('hex') });
const S = {
  setIfAbsent: script(lua.SET_IF_ABSENT),
  deleteIfEquals: script(lua.DELETE_IF_EQUALS),
  compareAndSet: script(lua.COMPARE_AND_SET),
  commit: script(lua.COMMIT),
  incr: script(lua.INCR),
  reserve: script(lua.RESERVE),
  adjust: script(lua.ADJUST),
  append: script(lua.APPEND),
};

const ttlArg = (ttl: number | undefined) => (ttl === undefined ? '0' : String(ttl));

export class RedisStore implements Store {
  readonly kind = 'redis';

  private constructor(
    private readonly conn: RedisConnection,
    private readonly prefix: string,
  ) {}

  /** Connects, or throws StoreUnavailableError when Redis does not answer in time. */
  static async connect(url: string, opts: RedisStoreOptions = {}): Promise<RedisStore> {
    const conn = await RedisConnection.open(url, opts.commandTimeoutMs ?? 2_000, opts.connectTimeoutMs ?? 5_000);
    return new RedisStore(conn, opts.prefix ?? 'ciro:');
  }

  async ping(): Promise<void> {
    await this.cmd('PING');
  }

  async get(key: string): Promise<string | null> {
    return (await this.cmd('GET', this.k(key))) as string | null;
  }

  async set(key: string, value: string, opts?: TtlOptions): Promise<void> {
    const ttl = ttlOf(opts);
    await (ttl === undefined ? this.cmd('SET', this.k(key), value) : this.cmd('SET', this.k(key), value, 'PX', String(ttl)));
  }

  async delete(key: string): Promise<void> {
    await this.cmd('DEL', this.k(key));
  }

  async setIfAbsent(key: string, value: string, opts?: TtlOptions) {
    const [created, stored] = (await this.eval(S.setIfAbsent, [key], [value, ttlArg(ttlOf(opts))])) as [number, string];
    return { created: created === 1, value: stored };
  }

  async deleteIfEquals(key: string, expected: string): Promise<boolean> {
    return (await this.eval(S.deleteIfEquals, [key], [expected])) === 1;
  }

  async compareAndSet(key: string, expected: string | null, value: string, opts?: TtlOptions): Promise<boolean> {
    const argv = [expected === null ? '0' : '1', expected ?? '', value, ttlArg(ttlOf(opts))];
    return (await this.eval(S.compareAndSet, [key], argv)) === 1;
  }

  async commit(c: Commit): Promise<boolean> {
    const appends = c.append ?? [];
    appends.forEach((a) => checkMaxLen(a.maxLen));
    const keys = [c.key, ...(c.bump ?? []), ...appends.map((a) => a.key)];
    const argv = [c.expected === null ? '0' : '1', c.expected ?? '', c.value, ttlArg(ttlOf(c)), String(c.bump?.length ?? 0)];
    for (const a of appends) argv.push(a.value, String(a.maxLen ?? 0));
    return (await this.eval(S.commit, keys, argv)) === 1;
  }

  async incr(key: string, by: number, opts?: TtlOptions): Promise<number> {
    checkIncrBy(by);
    return Number(await this.eval(S.incr, [key], [String(by), ttlArg(ttlOf(opts))]));
  }

  async reserve(lines: ReserveLine[]): Promise<ReserveResult> {
    checkLines(lines);
    const argv = lines.flatMap((l) => [l.amount.toString(), l.limit.toString(), ttlArg(ttlOf(l))]);
    const reply = (await this.eval(S.reserve, lines.map((l) => l.key), argv)) as [number, ...(string | number)[]];
    if (reply[0] === 1) return { ok: true, used: reply.slice(1).map((u) => BigInt(u)) };
    const [, blocking, used, limit] = reply;
    return { ok: false, blocking: Number(blocking), used: BigInt(used!), limit: BigInt(limit!) };
  }

  async adjust(key: string, delta: bigint): Promise<bigint> {
    checkDelta(delta);
    const argv = [delta < 0n ? '-' : '+', (delta < 0n ? -delta : delta).toString()];
    return BigInt((await this.eval(S.adjust, [key], argv)) as string);
  }

  async amount(key: string): Promise<bigint> {
    return parseAmount(key, await this.get(key));
  }

  async append(key: string, value: string, maxLen?: number): Promise<void> {
    checkMaxLen(maxLen);
    await this.eval(S.append, [key], [value, String(maxLen ?? 0)]);
  }

  async range(key: string, offset: number, limit: number): Promise<string[]> {
    checkPage(offset, limit);
    // LRANGE's stop is inclusive and -1 means "to the end", so limit 0 must not reach Redis.
    if (limit === 0) return [];
    return (await this.cmd('LRANGE', this.k(key), String(offset), String(offset + limit - 1))) as string[];
  }

  async addToSet(key: string, member: string): Promise<void> {
    await this.cmd('SADD', this.k(key), member);
  }

  async removeFromSet(key: string, member: string): Promise<void> {
    await this.cmd('SREM', this.k(key), member);
  }

  async members(key: string): Promise<string[]> {
    return (await this.cmd('SMEMBERS', this.k(key))) as string[];
  }

  async close(): Promise<void> {
    await this.conn.close();
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  private cmd(...args: string[]): Promise<unknown> {
    return this.conn.send(args);
  }

  /** EVALSHA first; after a Redis restart the script cache is empty, so fall back to EVAL (which re-caches). */
  private async eval(s: Script, keys: string[], argv: string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys.map((k) => this.k(k)), ...argv];
    try {
      return await this.conn.send(['EVALSHA', s.sha, ...tail]);
    } catch (e) {
      if (!(e instanceof ErrorReply && e.message.startsWith('NOSCRIPT'))) throw e;
      return await this.conn.send(['EVAL', s.src, ...tail]);
    }
  }
}

/**
 * Shared store for several relay instances, backed by one Redis or a Redis
 * Cluster (Node only). Every multi-step method is one Lua script, so
 * atomicity holds across instances; amounts are decimal strings handled
 * exactly (lua.ts). Connection handling and fail-closed behaviour live in
 * connection.ts.
 *
 * On a cluster a script runs on the one master of its keys' slot, so every
 * key of one call must share a slot: store/keys.ts puts a call's keys in one
 * {unit}, the prefix may not disturb that (slot.ts), and a call that mixes
 * slots is refused here with a RangeError before it reaches Redis.
 */
import { createHash } from 'node:crypto';
import { RedisConnection, replyCode, type RedisTarget } from './connection.ts';
import { GetBatch } from './getBatch.ts';
import * as lua from './lua.ts';
import { hashSlot, prefixProblem } from './slot.ts';
import type { Commit, ReserveLine, ReserveResult, Store, TtlOptions } from '../types.ts';
import { checkDelta, checkIncrBy, checkLines, checkMaxLen, checkPage, parseAmount, ttlOf } from '../validate.ts';

export interface RedisStoreOptions {
  /** Namespace for every key, so several relays or tests can share one Redis. Default `ciro:`. See slot.ts for braces. */
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
  private readonly gets: GetBatch;

  private constructor(
    private readonly conn: RedisConnection,
    private readonly prefix: string,
  ) {
    // Routed by its first key: a batch's keys share one slot.
    this.gets = new GetBatch((keys) => conn.send(['MGET', ...keys], keys[0]) as Promise<(string | null)[]>, conn.isCluster);
  }

  /**
   * Connects to one Redis (a URL) or a Redis Cluster (`{ cluster: [seed URLs] }`),
   * or throws StoreUnavailableError when it does not answer in time.
   */
  static async connect(target: string | RedisTarget, opts: RedisStoreOptions = {}): Promise<RedisStore> {
    const prefix = opts.prefix ?? 'ciro:';
    const problem = prefixProblem(prefix);
    if (problem) throw new RangeError(`${problem}; got '${prefix}'`);
    const to = typeof target === 'string' ? { url: target } : target;
    const conn = await RedisConnection.open(to, opts.commandTimeoutMs ?? 2_000, opts.connectTimeoutMs ?? 5_000);
    return new RedisStore(conn, prefix);
  }

  async ping(): Promise<void> {
    this.gets.flush();
    await this.conn.ping();
  }

  get(key: string): Promise<string | null> {
    return this.gets.get(this.k(key));
  }

  async set(key: string, value: string, opts?: TtlOptions): Promise<void> {
    const ttl = ttlOf(opts);
    await (ttl === undefined ? this.on(key, 'SET', value) : this.on(key, 'SET', value, 'PX', String(ttl)));
  }

  async delete(key: string): Promise<void> {
    await this.on(key, 'DEL');
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
    const argv = lines.flatMap((l) => [l.amount.toString(), l.limit.toString(), ttlArg(ttlOf(l)), l.renewTtl ? '1' : '0']);
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

  amount(key: string): Promise<bigint> {
    return this.get(key).then((raw) => parseAmount(key, raw));
  }

  async append(key: string, value: string, maxLen?: number): Promise<void> {
    checkMaxLen(maxLen);
    await this.eval(S.append, [key], [value, String(maxLen ?? 0)]);
  }

  async range(key: string, offset: number, limit: number): Promise<string[]> {
    checkPage(offset, limit);
    // LRANGE's stop is inclusive and -1 means "to the end", so limit 0 must not reach Redis.
    if (limit === 0) return [];
    return (await this.on(key, 'LRANGE', String(offset), String(offset + limit - 1))) as string[];
  }

  async addToSet(key: string, member: string): Promise<void> {
    await this.on(key, 'SADD', member);
  }

  async removeFromSet(key: string, member: string): Promise<void> {
    await this.on(key, 'SREM', member);
  }

  async members(key: string): Promise<string[]> {
    return (await this.on(key, 'SMEMBERS')) as string[];
  }

  async close(): Promise<void> {
    // Gets already called go out first: a graceful close answers what is in flight.
    this.gets.flush();
    await this.conn.close();
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  /** A one-key command: `name key ...rest`, routed by that key on a cluster. */
  private on(key: string, name: string, ...rest: string[]): Promise<unknown> {
    const k = this.k(key);
    return this.send([name, k, ...rest], k);
  }

  /** Every command but a get goes out here, after the gets called before it (they must not be overtaken). */
  private send(args: string[], key: string | undefined): Promise<unknown> {
    this.gets.flush();
    return this.conn.send(args, key);
  }

  /**
   * EVALSHA first; after a Redis restart (or on a cluster node that never ran
   * it) the script cache is empty, so fall back to EVAL (which re-caches).
   */
  private async eval(s: Script, keys: string[], argv: string[]): Promise<unknown> {
    const ks = keys.map((k) => this.k(k));
    if (this.conn.isCluster) sameSlot(ks);
    const tail = [String(ks.length), ...ks, ...argv];
    try {
      return await this.send(['EVALSHA', s.sha, ...tail], ks[0]);
    } catch (e) {
      if (replyCode(e) !== 'NOSCRIPT') throw e;
      return await this.send(['EVAL', s.src, ...tail], ks[0]);
    }
  }
}

/** One script runs on one cluster node: keys of two slots would be a CROSSSLOT error, i.e. a bug in the caller's keys. */
function sameSlot(keys: string[]): void {
  const slot = hashSlot(keys[0]!);
  const other = keys.find((k) => hashSlot(k) !== slot);
  if (other !== undefined) throw new RangeError(`one store call touches two Redis Cluster slots: '${keys[0]}' and '${other}'`);
}

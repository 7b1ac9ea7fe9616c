/**
 * The Store on Cloudflare: each call goes to the Durable Object that owns the
 * key's atomic unit (the part of the key in braces, see store/keys.ts), which
 * runs it atomically. A call that touches several keys (a reservation, a
 * commit) must keep to one unit; the key table guarantees it, and a call that
 * doesn't is a bug refused here. Reaching an object that can't answer is
 * StoreUnavailableError, so the relay fails closed; it is marked `unapplied`
 * only when the runtime says the call never ran (an overloaded object refuses
 * calls before running them), so a correction is kept and repeated only then.
 */
import { StoreUnavailableError } from '../../errors/base.ts';
import { unitOf } from '../keys.ts';
import type { Commit, ReserveLine, ReserveResult, Store, TtlOptions } from '../types.ts';
import { checkLines, checkMaxLen } from '../validate.ts';
import { BATCH, ReadBatch, type ShardReply } from './readBatch.ts';

interface ShardStub {
  call(method: string, args: unknown[]): Promise<ShardReply>;
  ping(): Promise<boolean>;
}

/** The slice of a DurableObjectNamespace binding the store uses. */
export interface ShardNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): ShardStub;
}

/**
 * The Workers runtime marks an overloaded object's refusal with `overloaded`:
 * the call was queued past the object's limit and dropped, never run. Any
 * other failure (a lost connection, an exception inside the object) may have
 * run it, which the runtime cannot tell.
 */
// workerd raises it when the object's queue is full, before the call is delivered; it is not retried either.
const neverRan = (e: unknown): boolean => typeof e === 'object' && e !== null && (e as { overloaded?: unknown }).overloaded === true;

/** How long reads go one by one after an object refused a batch (a deploy rolling out). */
const BATCHLESS_MS = 60_000;

export class DurableStore implements Store {
  readonly kind = 'durable-object';
  private closed = false;
  /** When an object last refused a batch (ms): for a while after, reads go one by one. */
  private batchRefusedAt = -Infinity;

  // One read alone goes as itself; several as one batch call.
  private readonly reads = new ReadBatch(async (unit, ops) => {
    if (ops.length > 1 && Date.now() - this.batchRefusedAt > BATCHLESS_MS) {
      const reply = await this.send(unit, BATCH, [ops]);
      if (!('refused' in reply)) return reply.value as ShardReply[];
      // The batch as a whole refused: only an object still on the code before batches does (a deploy rolling
      // out, which Workers spread over minutes). Its reads go one by one, as they used to, and so do this
      // isolate's for a while: a write sent after them may overtake these reads, but no later ones.
      this.batchRefusedAt = Date.now();
    }
    return Promise.all(ops.map(([method, args]) => this.send(unit, method, args)));
  });

  /** `prefix` namespaces every key (several relays, or tests, on one namespace); braces in it set the unit of all keys. */
  constructor(
    private readonly ns: ShardNamespace,
    private readonly prefix = '',
  ) {}

  async ping(): Promise<void> {
    await this.call(unitOf(this.k('ping')), 'ping', []);
  }

  get = (key: string) => this.read<string | null>(key, 'get');
  set = (key: string, value: string, opts?: TtlOptions) => this.on<void>(key, 'set', [value, opts?.ttlMs]);
  delete = (key: string) => this.on<void>(key, 'delete', []);
  setIfAbsent = (key: string, value: string, opts?: TtlOptions) =>
    this.on<{ created: boolean; value: string }>(key, 'setIfAbsent', [value, opts?.ttlMs]);
  deleteIfEquals = (key: string, expected: string) => this.on<boolean>(key, 'deleteIfEquals', [expected]);
  compareAndSet = (key: string, expected: string | null, value: string, opts?: TtlOptions) =>
    this.on<boolean>(key, 'compareAndSet', [expected, value, opts?.ttlMs]);
  incr = (key: string, by: number, opts?: TtlOptions) => this.on<number>(key, 'incr', [by, opts?.ttlMs]);
  adjust = (key: string, delta: bigint) => this.on<bigint>(key, 'adjust', [delta]);
  amount = (key: string) => this.read<bigint>(key, 'amount');
  append = (key: string, value: string, maxLen?: number) => this.on<void>(key, 'append', [value, maxLen]);
  range = (key: string, offset: number, limit: number) => this.on<string[]>(key, 'range', [offset, limit]);
  addToSet = (key: string, member: string) => this.on<void>(key, 'addToSet', [member]);
  removeFromSet = (key: string, member: string) => this.on<void>(key, 'removeFromSet', [member]);
  members = (key: string) => this.on<string[]>(key, 'members', []);

  async reserve(lines: ReserveLine[]): Promise<ReserveResult> {
    checkLines(lines);
    const ls = lines.map((l) => ({ ...l, key: this.k(l.key) }));
    return this.call(this.sameUnit(ls.map((l) => l.key)), 'reserve', [ls]) as Promise<ReserveResult>;
  }

  async commit(c: Commit): Promise<boolean> {
    c.append?.forEach((a) => checkMaxLen(a.maxLen));
    const p = { ...c, key: this.k(c.key), bump: c.bump?.map(this.k), append: c.append?.map((a) => ({ ...a, key: this.k(a.key) })) };
    return this.call(this.sameUnit([p.key, ...(p.bump ?? []), ...(p.append ?? []).map((a) => a.key)]), 'commit', [p]) as Promise<boolean>;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private readonly k = (key: string): string => this.prefix + key;

  /** The unit every key shares; a call across units is a bug in the caller. */
  private sameUnit(keys: string[]): string {
    const units = new Set(keys.map(unitOf));
    if (units.size !== 1) throw new RangeError(`one store call touches several atomic units: ${[...units].join(', ')}`);
    return unitOf(keys[0]!);
  }

  private async on<T>(key: string, method: string, args: unknown[]): Promise<T> {
    const k = this.k(key);
    return (await this.call(unitOf(k), method, [k, ...args])) as T;
  }

  /** A read that can share one call with the other reads of its unit made in the same turn (readBatch.ts). */
  private async read<T>(key: string, method: 'get' | 'amount'): Promise<T> {
    this.open();
    const k = this.k(key);
    return this.unwrap(await this.reads.add(unitOf(k), method, [k])) as T;
  }

  private async call(unit: string, method: string, args: unknown[]): Promise<unknown> {
    this.open();
    // Reads made before this call go out before it, so none of them sees what it writes.
    this.reads.flush();
    return this.unwrap(await this.send(unit, method, args));
  }

  private async send(unit: string, method: string, args: unknown[]): Promise<ShardReply> {
    const stub = this.ns.get(this.ns.idFromName(unit));
    try {
      if (method === 'ping') return { value: await stub.ping() };
      return await stub.call(method, args);
    } catch (e) {
      throw new StoreUnavailableError(e, { unapplied: neverRan(e) });
    }
  }

  /** A caller's mistake reaches the caller as the engine raised it, never as an outage. */
  private unwrap(reply: ShardReply): unknown {
    if ('refused' in reply) throw new (reply.refused.name === 'RangeError' ? RangeError : TypeError)(reply.refused.message);
    return reply.value;
  }

  private open(): void {
    if (this.closed) throw new StoreUnavailableError(new Error('durable store is closed'), { unapplied: true });
  }
}

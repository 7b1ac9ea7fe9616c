/**
 * The Store on Cloudflare: each call goes to the Durable Object that owns the
 * key's atomic unit (the part of the key in braces, see store/keys.ts), which
 * runs it atomically. A call that touches several keys (a reservation, a
 * commit) must keep to one unit; the key table guarantees it, and a call that
 * doesn't is a bug refused here. Reaching an object that can't answer is
 * StoreUnavailableError, so the relay fails closed.
 */
import { StoreUnavailableError } from '../../errors/base.ts';
import { unitOf } from '../keys.ts';
import type { Commit, ReserveLine, ReserveResult, Store, TtlOptions } from '../types.ts';
import { checkLines, checkMaxLen } from '../validate.ts';

interface ShardStub {
  call(method: string, args: unknown[]): Promise<unknown>;
  ping(): Promise<boolean>;
}

/** The slice of a DurableObjectNamespace binding the store uses. */
export interface ShardNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): ShardStub;
}

/** Errors the engine throws for a caller's mistake, which must reach the caller as they are. */
const CALLER_ERRORS = new Set(['TypeError', 'RangeError']);

export class DurableStore implements Store {
  readonly kind = 'durable-object';
  private closed = false;

  constructor(private readonly ns: ShardNamespace) {}

  async ping(): Promise<void> {
    this.open();
    await this.call('ping', 'ping', []);
  }

  get = (key: string) => this.on<string | null>(key, 'get', [key]);
  set = (key: string, value: string, opts?: TtlOptions) => this.on<void>(key, 'set', [key, value, opts?.ttlMs]);
  delete = (key: string) => this.on<void>(key, 'delete', [key]);
  setIfAbsent = (key: string, value: string, opts?: TtlOptions) =>
    this.on<{ created: boolean; value: string }>(key, 'setIfAbsent', [key, value, opts?.ttlMs]);
  deleteIfEquals = (key: string, expected: string) => this.on<boolean>(key, 'deleteIfEquals', [key, expected]);
  compareAndSet = (key: string, expected: string | null, value: string, opts?: TtlOptions) =>
    this.on<boolean>(key, 'compareAndSet', [key, expected, value, opts?.ttlMs]);
  incr = (key: string, by: number, opts?: TtlOptions) => this.on<number>(key, 'incr', [key, by, opts?.ttlMs]);
  adjust = (key: string, delta: bigint) => this.on<bigint>(key, 'adjust', [key, delta]);
  amount = (key: string) => this.on<bigint>(key, 'amount', [key]);
  append = (key: string, value: string, maxLen?: number) => this.on<void>(key, 'append', [key, value, maxLen]);
  range = (key: string, offset: number, limit: number) => this.on<string[]>(key, 'range', [key, offset, limit]);
  addToSet = (key: string, member: string) => this.on<void>(key, 'addToSet', [key, member]);
  removeFromSet = (key: string, member: string) => this.on<void>(key, 'removeFromSet', [key, member]);
  members = (key: string) => this.on<string[]>(key, 'members', [key]);

  async reserve(lines: ReserveLine[]): Promise<ReserveResult> {
    checkLines(lines);
    return this.on<ReserveResult>(this.sameUnit(lines.map((l) => l.key)), 'reserve', [lines]);
  }

  async commit(c: Commit): Promise<boolean> {
    c.append?.forEach((a) => checkMaxLen(a.maxLen));
    return this.on<boolean>(this.sameUnit([c.key, ...(c.bump ?? []), ...(c.append ?? []).map((a) => a.key)]), 'commit', [c]);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private sameUnit(keys: string[]): string {
    const units = new Set(keys.map(unitOf));
    if (units.size !== 1) throw new RangeError(`one store call touches several atomic units: ${[...units].join(', ')}`);
    return keys[0]!;
  }

  private async on<T>(key: string, method: string, args: unknown[]): Promise<T> {
    this.open();
    return (await this.call(unitOf(key), method, args)) as T;
  }

  private async call(unit: string, method: string, args: unknown[]): Promise<unknown> {
    const stub = this.ns.get(this.ns.idFromName(unit));
    try {
      return method === 'ping' ? await stub.ping() : await stub.call(method, args);
    } catch (e) {
      if (e instanceof Error && CALLER_ERRORS.has(e.name)) throw e;
      throw new StoreUnavailableError(e);
    }
  }

  private open(): void {
    if (this.closed) throw new StoreUnavailableError(new Error('durable store is closed'));
  }
}

/**
 * One Durable Object per atomic unit of the Store (see store/keys.ts: a
 * tenant, a relayer, an idempotency key, a tracking id…). It runs the Store
 * engine over its own storage's synchronous key-value API, so each call is
 * atomic without locks: nothing in it awaits, and a Durable Object handles
 * one event at a time. Workers only (`cloudflare:workers`).
 */
import { DurableObject } from 'cloudflare:workers';
import { StoreEngine, type Entry } from '../engine.ts';
import { ExpiryIndex, type SyncKv } from './expiries.ts';
import { BATCH, BATCHED_READS, type Refusal, type ShardReply } from './readBatch.ts';

/** The engine methods a client may call; anything else is refused. */
const METHODS = new Set([
  'get', 'set', 'delete', 'setIfAbsent', 'deleteIfEquals', 'compareAndSet', 'commit', 'incr',
  'reserve', 'adjust', 'amount', 'append', 'range', 'addToSet', 'removeFromSet', 'members',
]);


/** When the alarm is set for; a NUL-led name no key from store/keys.ts can take. */
const ALARM_AT = '\u0000alarm-at';
/** What one alarm deletes at most; past it, the alarm runs again at once, so no event holds the object long. */
const SWEEP_LIMIT = 1_000;

export class StoreShard extends DurableObject {
  private readonly engine: StoreEngine;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    const kv = ctx.storage.kv as SyncKv;
    this.kv = kv;
    this.expiries = new ExpiryIndex(kv);
    this.engine = new StoreEngine({
      get: (k) => kv.get<Entry>(k),
      put: (k, e) => {
        this.expiries.track(k, e, () => kv.put(k, e));
        if (e.t === 'str' && e.exp !== undefined) this.wakeBy(e.exp);
      },
      delete: (k) => this.expiries.track(k, undefined, () => void kv.delete(k)),
    });
  }

  private readonly kv: SyncKv;
  private readonly expiries: ExpiryIndex;

  /**
   * Most units (an idempotency key, a tracking id, a rate-limit window) are
   * written once and never read after their TTL: an alarm at the earliest
   * expiry deletes what has expired, and the whole object's storage once
   * nothing is left, so abandoned units cost nothing. Storage writes and
   * setAlarm are ordered by the output gate, so nothing here awaits.
   */
  private wakeBy(at: number): void {
    const set = this.kv.get<number>(ALARM_AT);
    if (set !== undefined && set <= at) {
      // One set for earlier will do; past due, it is armed again (an alarm that gave up its retries never cleared it).
      if (set < Date.now()) void this.ctx.storage.setAlarm(set);
      return;
    }
    this.kv.put(ALARM_AT, at);
    void this.ctx.storage.setAlarm(at);
  }

  async alarm(): Promise<void> {
    this.kv.delete(ALARM_AT);
    const now = Date.now();
    const { more, next } = this.expiries.sweep(now, SWEEP_LIMIT, (e) => this.engine.expired(e));
    if (more) this.wakeBy(now);
    else if (next !== undefined) this.wakeBy(next);
    else if (!this.expiries.hasKeys()) {
      await this.ctx.storage.deleteAll();
      this.expiries.reset();
    }
  }

  /**
   * A caller's mistake (the engine's TypeError or RangeError) comes back as
   * data: thrown, it would cross RPC as the object's own uncaught exception,
   * logged and counted as a failure of the object.
   */
  call(method: string, args: unknown[]): ShardReply {
    if (method === BATCH) return this.batch(args[0]);
    if (!METHODS.has(method)) return { refused: { name: 'TypeError', message: `unknown store method ${method}` } };
    try {
      return { value: (this.engine as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...args) };
    } catch (e) {
      if (e instanceof TypeError || e instanceof RangeError) return { refused: { name: e.name as Refusal['name'], message: e.message } };
      throw e;
    }
  }

  /** Reads only: run in order within this one event, so together they see one state. */
  private batch(ops: unknown): ShardReply {
    if (!Array.isArray(ops)) return { refused: { name: 'TypeError', message: 'a batch is a list of [method, args]' } };
    return {
      value: ops.map((op): ShardReply => {
        const [m, a] = Array.isArray(op) ? op : [];
        return typeof m === 'string' && BATCHED_READS.has(m) && Array.isArray(a) ? this.call(m, a) : { refused: { name: 'TypeError', message: `only ${[...BATCHED_READS].join(' and ')} can be batched` } };
      }),
    };
  }

  ping(): boolean {
    return true;
  }
}

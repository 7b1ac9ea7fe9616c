/**
 * One Durable Object per atomic unit of the Store (see store/keys.ts: a
 * tenant, a relayer, an idempotency key, a tracking id…). It runs the Store
 * engine over its own storage's synchronous key-value API, so each call is
 * atomic without locks: nothing in it awaits, and a Durable Object handles
 * one event at a time. Workers only (`cloudflare:workers`).
 */
import { DurableObject } from 'cloudflare:workers';
import { StoreEngine, type Entry } from '../engine.ts';

/** The engine methods a client may call; anything else is refused. */
const METHODS = new Set([
  'get', 'set', 'delete', 'setIfAbsent', 'deleteIfEquals', 'compareAndSet', 'commit', 'incr',
  'reserve', 'adjust', 'amount', 'append', 'range', 'addToSet', 'removeFromSet', 'members',
]);

export interface Refusal {
  name: 'TypeError' | 'RangeError';
  message: string;
}
export type ShardReply = { value: unknown } | { refused: Refusal };

/** The slice of SQLite-backed Durable Object storage the engine needs: its synchronous KV. */
interface SyncKv {
  get<T>(key: string): T | undefined;
  put(key: string, value: unknown): void;
  delete(key: string): boolean;
}

export class StoreShard extends DurableObject {
  private readonly engine: StoreEngine;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    const kv = (ctx.storage as unknown as { kv: SyncKv }).kv;
    this.engine = new StoreEngine({
      get: (k) => kv.get<Entry>(k),
      put: (k, e) => kv.put(k, e),
      delete: (k) => void kv.delete(k),
    });
  }

  /**
   * A caller's mistake (the engine's TypeError or RangeError) comes back as
   * data: thrown, it would cross RPC as the object's own uncaught exception,
   * logged and counted as a failure of the object.
   */
  call(method: string, args: unknown[]): ShardReply {
    if (!METHODS.has(method)) return { refused: { name: 'TypeError', message: `unknown store method ${method}` } };
    try {
      return { value: (this.engine as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...args) };
    } catch (e) {
      if (e instanceof TypeError || e instanceof RangeError) return { refused: { name: e.name as Refusal['name'], message: e.message } };
      throw e;
    }
  }

  ping(): boolean {
    return true;
  }
}

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

  call(method: string, args: unknown[]): unknown {
    if (!METHODS.has(method)) throw new TypeError(`unknown store method ${method}`);
    return (this.engine as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...args);
  }

  ping(): boolean {
    return true;
  }
}

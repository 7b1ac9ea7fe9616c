/**
 * The wrappers createDeps puts around what the core reaches out to: the
 * Store (errors counted by operation, availability for alerts) and fetch
 * (each node round trip or webhook call timed, carrying the current trace as
 * a child span's traceparent). The core sees the same interfaces it always did.
 */
import type { Metrics, Scopes } from '../deps.ts';
import { StoreUnavailableError } from '../errors/base.ts';
import type { Store } from '../store/types.ts';
import type { Health } from './health.ts';
import { childTraceparent, TRACEPARENT, TRACESTATE } from './trace.ts';

const STORE_METHODS = new Set<string>([
  'ping', 'get', 'set', 'delete', 'setIfAbsent', 'deleteIfEquals', 'compareAndSet', 'commit', 'incr', 'reserve', 'adjust', 'amount',
  'append', 'range', 'addToSet', 'removeFromSet', 'members',
]);

/** The same Store, its failures counted and its availability reported. Other members pass through untouched. */
export function instrumentStore(store: Store, metrics: Metrics, health: Health): Store {
  const wrapped = new Map<string, unknown>();
  return new Proxy(store, {
    get(target, prop) {
      // The real store as `this`: implementations may keep private fields.
      const value = Reflect.get(target, prop);
      if (typeof value !== 'function') return value;
      if (typeof prop !== 'string' || !STORE_METHODS.has(prop)) return value.bind(target);
      let w = wrapped.get(prop);
      if (!w) {
        const ok = (out: unknown) => {
          health.ok('store');
          return out;
        };
        const failed = (e: unknown) => {
          const unavailable = e instanceof StoreUnavailableError;
          if (unavailable) health.fail('store');
          metrics.storeError(prop, unavailable ? 'unavailable' : 'other');
          throw e;
        };
        // One `then` rather than an async wrapper: a dry run makes about ten store calls, and every
        // promise pays AsyncLocalStorage's hooks. A synchronous throw is counted like a rejection.
        w = (...args: unknown[]) => {
          let out: Promise<unknown>;
          try {
            out = Promise.resolve((value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
          } catch (e) {
            out = Promise.reject(e);
          }
          return out.then(ok, failed);
        };
        wrapped.set(prop, w);
      }
      return w;
    },
  });
}

/** Adds the current trace (a new child span) to an outgoing request's headers. */
export function withTraceparent(init: RequestInit | undefined, scopes: Scopes): RequestInit | undefined {
  const scope = scopes.current();
  if (!scope) return init;
  const headers = new Headers(init?.headers);
  headers.set(TRACEPARENT, childTraceparent(scope));
  if (scope.traceState) headers.set(TRACESTATE, scope.traceState);
  return { ...init, headers };
}

/** A fetch that carries the trace: webhooks and alerts. */
export function tracedFetch(fetchImpl: typeof fetch, scopes: Scopes): typeof fetch {
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit) => fetchImpl(input, withTraceparent(init, scopes))) as typeof fetch;
}

const methodOf = (body: unknown): string => (typeof body === 'string' ? /"method"\s*:\s*"([A-Za-z0-9_]{1,80})"/.exec(body)?.[1] ?? 'other' : 'other');

/**
 * The node's transport: traced, timed, and its reachability reported. Only a 2xx or 3xx answer is the node
 * answering (JSON-RPC errors come with 200): a provider's 429 (rate limit, quota spent), 401/403 (a key refused)
 * or 404 (a wrong path) fails every call just as a 5xx does, and must raise chain_unavailable too.
 */
export function chainFetch(fetchImpl: typeof fetch, scopes: Scopes, metrics: Metrics, health: Health): typeof fetch {
  return (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const started = performance.now();
    const method = methodOf(init?.body);
    const done = (ok: boolean) => {
      if (ok) health.ok('chain');
      else health.fail('chain');
      metrics.chainCall({ method, ok, seconds: (performance.now() - started) / 1000 });
    };
    try {
      const res = await fetchImpl(input, withTraceparent(init, scopes));
      done(res.status < 400);
      return res;
    } catch (e) {
      done(false);
      throw e;
    }
  }) as typeof fetch;
}

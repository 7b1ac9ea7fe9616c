/**
 * workerd's AsyncLocalStorage for request scopes, found at run time through
 * process.getBuiltinModule (nodejs_compat, on by default from compatibility
 * date 2026-08-04), so no `node:` import reaches the Worker bundle
 * (test/edge/bundle.test.ts). Without it scopes still work inside the HTTP
 * middleware; deeper log lines just lack the request's ids.
 */
import type { AsyncLocalStorageClass } from '../observability/scopes.ts';

export function workerdAls(): AsyncLocalStorageClass | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return (proc?.getBuiltinModule?.('node:async_hooks') as { AsyncLocalStorage?: AsyncLocalStorageClass } | undefined)?.AsyncLocalStorage;
  } catch {
    return undefined;
  }
}

/**
 * Where the current request's scope lives. The entries pass in the runtime's
 * AsyncLocalStorage (Node's node:async_hooks; workerd's, where the Worker has
 * it), so this file stays platform-free. Without one, `current()` is
 * undefined outside the HTTP middleware and log lines just lack the ids.
 */
import type { RequestScope, Scopes } from '../deps.ts';

/** The part of AsyncLocalStorage used here. */
export interface AsyncLocalStorageLike<T> {
  getStore(): T | undefined;
  run<R>(store: T, fn: () => R): R;
}

export type AsyncLocalStorageClass = new <T>() => AsyncLocalStorageLike<T>;

export function createScopes(Als?: AsyncLocalStorageClass): Scopes {
  if (!Als) return { current: () => undefined, run: (_scope, fn) => fn() };
  const als = new Als<RequestScope>();
  return { current: () => als.getStore(), run: (scope, fn) => als.run(scope, fn) };
}

/**
 * What the workerd test project's Worker sees (test/edge/*.workerd.test.ts):
 * its bindings from wrangler.toml, merged into the runtime module that
 * relay/store/durable/workers.d.ts declares.
 */
declare module 'cloudflare:workers' {
  export const env: { STORE: import('../../relay/store/durable/store.ts').ShardNamespace };
}

/** The one helper the tests use from @cloudflare/vitest-plugin's runtime module (its full types need @cloudflare/workers-types). */
declare module 'cloudflare:test' {
  export function evictDurableObject(stub: unknown): Promise<void>;
  /** Runs the object's alarm now if one is set; whether one was. */
  export function runDurableObjectAlarm(stub: unknown): Promise<boolean>;
  export function runInDurableObject<R>(stub: unknown, fn: (instance: unknown, state: DurableObjectState) => R | Promise<R>): Promise<R>;
}

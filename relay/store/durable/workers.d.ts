/**
 * The few Workers runtime types the Durable Object store and the Workers
 * entry use. Declared here rather than pulling @cloudflare/workers-types into
 * the one tsconfig, whose globals clash with Node's.
 */
declare module 'cloudflare:workers' {
  export class DurableObject<Env = unknown> {
    protected readonly ctx: DurableObjectState;
    protected readonly env: Env;
    constructor(ctx: DurableObjectState, env: Env);
  }
}

interface DurableObjectState {
  readonly storage: DurableObjectStorage;
}

interface DurableObjectStorage {
  /** The synchronous KV of SQLite-backed objects; typed where it is used (shard.ts). */
  readonly kv: unknown;
  setAlarm(scheduledTime: number): Promise<void>;
  deleteAlarm(): Promise<void>;
  getAlarm(): Promise<number | null>;
  deleteAll(): Promise<void>;
}

/**
 * Worker reputation from the CDC Pool contract (`get_reputation(worker) ->
 * u32`), cached in the Store so a burst of heartbeats costs one RPC call per
 * worker per cache period, shared by every relay instance.
 *
 * A chain read that fails or times out yields `undefined`; the evaluator
 * turns that into a `reputation_unknown` denial (fail closed). A failure of
 * the Store itself propagates (StoreUnavailableError), like every other fact.
 */
import type { RpcProvider } from 'starknet';
import { normalizeFelt } from '../../../policies/index.ts';
import { Keys } from '../../store/keys.ts';
import type { Store } from '../../store/types.ts';

export interface ReputationSource {
  /**
   * The worker's reputation, or undefined when it cannot be read. A cached
   * value older than `maxAgeSeconds` is not used (0 = always read the chain).
   */
  get(worker: string, opts: { maxAgeSeconds: number }): Promise<number | undefined>;
}

export interface ChainReputationOptions {
  provider: Pick<RpcProvider, 'callContract'>;
  store: Store;
  /** CDC Pool address (manifest `cdc_pool`). */
  cdcPool: string;
  /** A hung node must not hold a sponsorship request; default 3000 ms. */
  timeoutMs?: number;
  /** Unix seconds. */
  now?: () => number;
}

interface Cached {
  v: number;
  at: number;
}

const U32_MAX = 2 ** 32 - 1;

export class ChainReputationSource implements ReputationSource {
  private readonly provider: Pick<RpcProvider, 'callContract'>;
  private readonly store: Store;
  private readonly pool: string;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  // Concurrent requests for one worker share a single chain read.
  private readonly inFlight = new Map<string, Promise<number | undefined>>();

  constructor(opts: ChainReputationOptions) {
    const pool = normalizeFelt(opts.cdcPool);
    if (pool === undefined) throw new RangeError(`cdcPool must be an address, got ${opts.cdcPool}`);
    this.provider = opts.provider;
    this.store = opts.store;
    this.pool = pool;
    this.timeoutMs = opts.timeoutMs ?? 3_000;
    this.now = opts.now ?? (() => Date.now() / 1000);
  }

  async get(worker: string, opts: { maxAgeSeconds: number }): Promise<number | undefined> {
    const who = normalizeFelt(worker);
    if (who === undefined) return undefined;
    const key = Keys.reputation(this.pool, who);
    const maxAge = Math.max(0, opts.maxAgeSeconds);
    if (maxAge > 0) {
      const cached = parseCached(await this.store.get(key));
      if (cached && this.now() - cached.at < maxAge) return cached.v;
    }
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.readChain(who).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    const v = await pending;
    // Failures are not cached: the next request retries the chain.
    if (v !== undefined && maxAge > 0) {
      await this.store.set(key, JSON.stringify({ v, at: this.now() } satisfies Cached), { ttlMs: maxAge * 1000 });
    }
    return v;
  }

  private async readChain(worker: string): Promise<number | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.timeoutMs);
    });
    try {
      const call = this.provider
        .callContract({ contractAddress: this.pool, entrypoint: 'get_reputation', calldata: [worker] })
        .then(decodeU32, () => undefined);
      return await Promise.race([call, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** One felt holding a u32; anything else means the contract is not what the manifest says. */
function decodeU32(result: unknown): number | undefined {
  if (!Array.isArray(result) || result.length !== 1 || typeof result[0] !== 'string') return undefined;
  try {
    const n = BigInt(result[0]);
    return n >= 0n && n <= BigInt(U32_MAX) ? Number(n) : undefined;
  } catch {
    return undefined;
  }
}

function parseCached(raw: string | null): Cached | undefined {
  if (raw === null) return undefined;
  try {
    const c = JSON.parse(raw) as Partial<Cached>;
    return typeof c.v === 'number' && typeof c.at === 'number' ? { v: c.v, at: c.at } : undefined;
  } catch {
    return undefined;
  }
}

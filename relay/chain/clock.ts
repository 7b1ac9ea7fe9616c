/**
 * The chain's clock as the relay reads it: the latest block's timestamp, what
 * accounts check SNIP-9 windows against. Kept up to a second per instance,
 * concurrent readers sharing one read: builds and executes each asked the
 * node for it, one round trip in front of their estimate on a node that
 * answers one request at a time. A reading up to a second old only ever runs
 * behind the chain, the direction every use is safe in: a window is judged
 * with minRemainingSeconds to spare (far more than a second), and a quota
 * period not yet seen as reset refuses, never over-sponsors.
 */
import type { RpcProvider } from 'starknet';

export const CLOCK_FRESH_MS = 1_000;

export class ChainClock {
  private cached?: { now: number; at: number };
  private pending?: Promise<number>;

  constructor(
    private readonly provider: Pick<RpcProvider, 'getBlock'>,
    private readonly freshMs = CLOCK_FRESH_MS,
    private readonly nowMs: () => number = () => Date.now(),
  ) {}

  /** Unix seconds of the latest block, read at most `freshMs` ago. */
  async now(): Promise<number> {
    if (this.cached && this.nowMs() - this.cached.at < this.freshMs) return this.cached.now;
    this.pending ??= this.read().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Asks the node now (refreshing what now() answers): for checks that are not on a request's hot path. */
  async read(): Promise<number> {
    const at = this.nowMs();
    const now = Number((await this.provider.getBlock('latest')).timestamp);
    // Never step back: a node behind a load balancer may answer from a replica a block behind.
    if (!this.cached || now >= this.cached.now) this.cached = { now, at };
    return this.cached.now;
  }
}

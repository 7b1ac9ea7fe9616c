/**
 * The Worker's metric registry. Isolates come and go and share no memory, so
 * a counter kept in one isolate would make each scrape (answered by whichever
 * isolate takes it) tell a different story. Here each isolate counts locally
 * and adds what it counted to one shared total in the Store (a
 * compare-and-set on `Keys.metrics`, its own Durable Object) at most every
 * `flushEveryMs`, after the response (waitUntil), and before every scrape;
 * /metrics prints that total, in the same exposition as prom-client (the
 * TextRegistry's). Gauges are read at scrape time (observability/collect.ts),
 * so they need no sharing. A flush that fails keeps its counts for the next.
 */
import type { MetricRegistry } from '../observability/registry.ts';
import { addSnapshot, TextRegistry, type Snapshot } from '../observability/textRegistry.ts';
import { Keys } from '../store/keys.ts';
import type { Store } from '../store/types.ts';

const CAS_TRIES = 8;

export class EdgeRegistry implements MetricRegistry {
  private readonly local = new TextRegistry();
  private lastFlush = 0;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly flushEveryMs = 10_000,
  ) {}

  get contentType(): string {
    return this.local.contentType;
  }

  counter(name: string, help: string, labelNames: readonly string[]) {
    return this.local.counter(name, help, labelNames);
  }

  gauge(name: string, help: string, labelNames: readonly string[]) {
    return this.local.gauge(name, help, labelNames);
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    return this.local.histogram(name, help, labelNames, buckets);
  }

  /** Adds this isolate's counts to the shared total: when due, or now with `force`. Never throws. */
  flush(force = false): Promise<void> {
    if (!this.local.moved() || (!force && Date.now() - this.lastFlush < this.flushEveryMs)) return this.flushing ?? Promise.resolve();
    this.flushing ??= this.push().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  async render(): Promise<string> {
    await this.flush(true);
    let total: Snapshot = {};
    try {
      total = parse(await this.store.get(Keys.metrics));
    } catch {
      // The store is down: this isolate's own counts are better than none.
    }
    return this.local.renderWith(addSnapshot(total, this.local.snapshot()));
  }

  private async push(): Promise<void> {
    this.lastFlush = Date.now();
    const delta = this.local.snapshot(true);
    try {
      for (let i = 0; i < CAS_TRIES; i++) {
        const current = await this.store.get(Keys.metrics);
        const next = JSON.stringify(addSnapshot(parse(current), delta));
        if (await this.store.compareAndSet(Keys.metrics, current, next)) return;
      }
    } catch {
      // Kept for the next flush.
    }
    this.local.absorb(delta);
  }
}

function parse(text: string | null): Snapshot {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Snapshot) : {};
  } catch {
    return {};
  }
}

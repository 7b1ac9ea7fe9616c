/**
 * The Node entry's metric registry: prom-client, one Registry per relay (never
 * the global one, so two relays in one process, as in tests, count apart).
 * Prometheus scrapes each Node instance on its own, so per-process state is
 * what it expects. Node's process metrics (CPU, memory, event loop lag) come
 * along under the `ciro_process_` / `ciro_nodejs_` prefix.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Labels, MetricRegistry } from '../observability/registry.ts';

export class PromRegistry implements MetricRegistry {
  readonly registry = new Registry();

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'ciro_' });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  counter(name: string, help: string, labelNames: readonly string[]) {
    const c = new Counter({ name, help, labelNames: [...labelNames], registers: [this.registry] });
    return { inc: (labels: Labels, value = 1) => c.inc(labels, value) };
  }

  gauge(name: string, help: string, labelNames: readonly string[]) {
    const g = new Gauge({ name, help, labelNames: [...labelNames], registers: [this.registry] });
    return { set: (labels: Labels, value: number) => g.set(labels, value) };
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    const h = new Histogram({ name, help, labelNames: [...labelNames], buckets: [...buckets], registers: [this.registry] });
    return { observe: (labels: Labels, value: number) => h.observe(labels, value) };
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

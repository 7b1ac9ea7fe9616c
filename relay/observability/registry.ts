/**
 * The registry behind Metrics (metrics.ts), one per runtime: prom-client on
 * Node (relay/entry/promMetrics.ts), TextRegistry here where there is none (a
 * bare createDeps, tests), and on Workers TextRegistry with its counts summed
 * across isolates in the Store (relay/entry/edgeMetrics.ts). All of them
 * print the same Prometheus text exposition (format 0.0.4).
 */
export type Labels = Record<string, string>;

export interface MetricRegistry {
  readonly contentType: string;
  counter(name: string, help: string, labelNames: readonly string[]): { inc(labels: Labels, value?: number): void };
  gauge(name: string, help: string, labelNames: readonly string[]): { set(labels: Labels, value: number): void };
  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): { observe(labels: Labels, value: number): void };
  render(): Promise<string>;
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

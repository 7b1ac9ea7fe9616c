/**
 * A MetricRegistry with no dependency and no platform: series kept in maps,
 * printed exactly as prom-client prints them (same order, escaping, number
 * spelling; test/observability/exposition.test.ts compares the two byte for
 * byte). Counts can be taken out as a plain snapshot and a snapshot printed in
 * their place, which is how the Worker sums isolates (entry/edgeMetrics.ts).
 */
import { PROMETHEUS_CONTENT_TYPE, type Labels, type MetricRegistry } from './registry.ts';

type Kind = 'counter' | 'gauge' | 'histogram';
export type ScalarSeries = { labels: Labels; value: number };
export type HistogramSeries = { labels: Labels; counts: number[]; sum: number; count: number };
type Series = ScalarSeries | HistogramSeries;

interface Family {
  name: string;
  help: string;
  kind: Kind;
  labelNames: readonly string[];
  buckets: readonly number[];
  series: Map<string, Series>;
}

/** Counters and histograms by family name, then series key: what isolates add up. */
export type Snapshot = Record<string, Record<string, Series>>;

const seriesKey = (labels: Labels, names: readonly string[]): string => JSON.stringify(names.map((n) => labels[n] ?? ''));
const escape = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (s: string): string => escape(s).replace(/"/g, '\\"');
const num = (v: number): string => (Number.isNaN(v) ? 'Nan' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : `${v}`);

export class TextRegistry implements MetricRegistry {
  readonly contentType = PROMETHEUS_CONTENT_TYPE;
  private readonly families = new Map<string, Family>();

  counter(name: string, help: string, labelNames: readonly string[]) {
    const f = this.family(name, help, 'counter', labelNames, []);
    return { inc: (labels: Labels, value = 1) => void ((this.scalar(f, labels).value += value)) };
  }

  gauge(name: string, help: string, labelNames: readonly string[]) {
    const f = this.family(name, help, 'gauge', labelNames, []);
    return { set: (labels: Labels, value: number) => void (this.scalar(f, labels).value = value) };
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    const f = this.family(name, help, 'histogram', labelNames, [...buckets].sort((a, b) => a - b));
    return {
      observe: (labels: Labels, value: number) => {
        const s = this.hist(f, labels);
        const i = f.buckets.findIndex((b) => value <= b);
        if (i >= 0) s.counts[i]! += 1;
        s.sum += value;
        s.count += 1;
      },
    };
  }

  async render(): Promise<string> {
    return this.renderWith(undefined);
  }

  /** Prints every family; counters and histograms from `counts` when given (gauges are always this registry's). */
  renderWith(counts: Snapshot | undefined): string {
    const blocks = [...this.families.values()].map((f) => {
      const lines = [`# HELP ${escape(f.name)} ${escape(f.help)}`, `# TYPE ${escape(f.name)} ${f.kind}`];
      const series = counts && f.kind !== 'gauge' ? Object.values(counts[f.name] ?? {}) : [...f.series.values()];
      for (const s of series) lines.push(...this.lines(f, s));
      return lines.join('\n');
    });
    return `${blocks.join('\n\n')}\n`;
  }

  /** Counters and histograms as they stand; with `reset`, they start again from 0 (what was taken is flushed elsewhere). */
  snapshot(reset = false): Snapshot {
    const out: Snapshot = {};
    for (const f of this.families.values()) {
      if (f.kind === 'gauge') continue;
      const fam: Record<string, Series> = {};
      for (const [k, s] of f.series) fam[k] = structuredClone(s);
      out[f.name] = fam;
      if (reset) for (const s of f.series.values()) zero(s);
    }
    return out;
  }

  /** Adds a snapshot's counts back in (a flush that did not make it). */
  absorb(snap: Snapshot): void {
    for (const f of this.families.values()) {
      if (f.kind === 'gauge' || !snap[f.name]) continue;
      const own: Snapshot = { [f.name]: Object.fromEntries(f.series) };
      addSnapshot(own, { [f.name]: snap[f.name]! });
      for (const [k, s] of Object.entries(own[f.name]!)) f.series.set(k, s);
    }
  }

  /** Whether any counter or histogram moved since it was last reset. */
  moved(): boolean {
    for (const f of this.families.values()) {
      if (f.kind !== 'gauge') for (const s of f.series.values()) if ('counts' in s ? s.count !== 0 : s.value !== 0) return true;
    }
    return false;
  }

  private lines(f: Family, s: Series): string[] {
    const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(String(v))}"`);
    const braces = (extra: string[]) => (extra.length + labels.length ? `{${[...extra, ...labels].join(',')}}` : '');
    if (!('counts' in s)) return [`${f.name}${braces([])} ${num(s.value)}`];
    let acc = 0;
    const out = f.buckets.map((b, i) => `${f.name}_bucket${braces([`le="${num(b)}"`])} ${(acc += s.counts[i] ?? 0)}`);
    out.push(`${f.name}_bucket${braces(['le="+Inf"'])} ${s.count}`, `${f.name}_sum${braces([])} ${num(s.sum)}`, `${f.name}_count${braces([])} ${s.count}`);
    return out;
  }

  private family(name: string, help: string, kind: Kind, labelNames: readonly string[], buckets: readonly number[]): Family {
    if (this.families.has(name)) throw new Error(`A metric with the name ${name} has already been registered.`);
    const f: Family = { name, help, kind, labelNames, buckets, series: new Map() };
    this.families.set(name, f);
    // As prom-client does: a metric without labels exists at 0 from the start.
    if (labelNames.length === 0) kind === 'histogram' ? this.hist(f, {}) : this.scalar(f, {});
    return f;
  }

  private scalar(f: Family, labels: Labels): ScalarSeries {
    const k = seriesKey(labels, f.labelNames);
    let s = f.series.get(k) as ScalarSeries | undefined;
    if (!s) f.series.set(k, (s = { labels: { ...labels }, value: 0 }));
    return s;
  }

  private hist(f: Family, labels: Labels): HistogramSeries {
    const k = seriesKey(labels, f.labelNames);
    let s = f.series.get(k) as HistogramSeries | undefined;
    if (!s) f.series.set(k, (s = { labels: { ...labels }, counts: f.buckets.map(() => 0), sum: 0, count: 0 }));
    return s;
  }
}

function zero(s: Series): void {
  if ('counts' in s) {
    s.counts.fill(0);
    s.sum = 0;
    s.count = 0;
  } else s.value = 0;
}

/** Adds `from` into `into` (both snapshots), series by series. */
export function addSnapshot(into: Snapshot, from: Snapshot): Snapshot {
  for (const [name, fam] of Object.entries(from)) {
    const target = (into[name] ??= {});
    for (const [k, s] of Object.entries(fam)) {
      const t = target[k];
      if (!t) target[k] = structuredClone(s);
      else if ('counts' in t && 'counts' in s) {
        s.counts.forEach((c, i) => (t.counts[i] = (t.counts[i] ?? 0) + c));
        t.sum += s.sum;
        t.count += s.count;
      } else if (!('counts' in t) && !('counts' in s)) t.value += s.value;
    }
  }
  return into;
}

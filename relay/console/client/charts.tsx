/**
 * Charts by uPlot (a small, maintained canvas charting library): one per-day
 * chart component. A canvas says nothing to a screen reader, so each chart
 * is a figure with a caption and its numbers in a data table below it.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface DaySeries {
  label: string;
  values: number[];
  color: string;
  kind: 'bars' | 'line';
  /** Which y axis: 'y' (left) or 'y2' (right). */
  scale?: 'y' | 'y2';
  format?: (v: number) => string;
}

const DAY = 86_400;

export function DayChart({ title, days, series, height = 220 }: { title: string; days: string[]; series: DaySeries[]; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const xs = days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
    const bars = uPlot.paths.bars!({ size: [0.6, 40], align: 0 });
    const opts: uPlot.Options = {
      width: Math.max(320, el.clientWidth - 16),
      height,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      scales: { x: { time: true, range: (_u, min, max) => [min - DAY / 2, max + DAY / 2] }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] }, y2: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        {},
        { scale: 'y', label: series.find((s) => (s.scale ?? 'y') === 'y')?.label ?? '' },
        ...(series.some((s) => s.scale === 'y2') ? [{ scale: 'y2', side: 1 as const, grid: { show: false }, label: series.find((s) => s.scale === 'y2')!.label }] : []),
      ],
      series: [
        { label: 'Day', value: (_u, ts) => (ts == null ? '' : new Date(ts * 1000).toISOString().slice(0, 10)) },
        ...series.map((s) => ({
          label: s.label,
          scale: s.scale ?? 'y',
          stroke: s.color,
          width: s.kind === 'line' ? 2 : 1,
          fill: s.kind === 'bars' ? `${s.color}99` : undefined,
          paths: s.kind === 'bars' ? bars : undefined,
          points: { show: s.kind === 'line' },
          value: (_u: uPlot, v: number | null) => (v == null ? '' : s.format ? s.format(v) : String(v)),
        })),
      ],
      legend: { live: true },
    };
    const plot = new uPlot(opts, [xs, ...series.map((s) => s.values)], el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(320, el.clientWidth - 16), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [days.join(), JSON.stringify(series.map((s) => s.values)), height]);

  return (
    <figure class="chart-figure">
      <figcaption><strong>{title}</strong></figcaption>
      <div class="chart" ref={box} role="img" aria-label={`${title}: chart; the numbers are in the table below.`} />
      <details>
        <summary>Data table</summary>
        <table>
          <thead>
            <tr><th scope="col">Day</th>{series.map((s) => <th scope="col" class="num" key={s.label}>{s.label}</th>)}</tr>
          </thead>
          <tbody>
            {days.map((d, i) => (
              <tr key={d}><td>{d}</td>{series.map((s) => <td class="num" key={s.label}>{s.format ? s.format(s.values[i]!) : s.values[i]}</td>)}</tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

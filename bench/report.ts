/**
 * Where every benchmark writes its figures: bench/results/<name>.json and
 * <name>.md, each with the machine it ran on, so a figure in the README can
 * be traced to a run. Every row is a ratio against a baseline measured in the
 * same run on the same machine; absolute numbers are context.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, release } from 'node:os';
import { join } from 'node:path';

export interface BenchRow {
  what: string;
  measured: number;
  baseline: number;
  unit: string;
  /** measured / baseline, or its inverse when lower is better (say which in `ratioMeans`). */
  ratio: number;
  ratioMeans: string;
  goal?: string;
  note?: string;
}

export function machine(): Record<string, string | number> {
  const cpu = cpus();
  return {
    cpu: `${cpu[0]?.model ?? '?'} × ${cpu.length}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    // Whether AsyncLocalStorage ran on AsyncContextFrame (.npmrc sets it for npm and npx): it moves HTTP figures by ~20%.
    asyncContextFrame: [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].includes('--experimental-async-context-frame') ? 'on' : 'off',
    at: new Date().toISOString(),
  };
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));

export function writeReport(name: string, title: string, rows: BenchRow[], extra: Record<string, unknown> = {}): void {
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const m = machine();
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ name, title, machine: m, rows, ...extra }, null, 2) + '\n');
  const lines = [
    `# ${title}`,
    '',
    `Machine: ${Object.entries(m).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    '',
    '| what | measured | baseline | ratio | goal |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.what} | ${fmt(r.measured)} ${r.unit} | ${fmt(r.baseline)} ${r.unit} | **${r.ratio.toFixed(2)}×** (${r.ratioMeans}) | ${r.goal ?? ''} |`),
    ...rows.filter((r) => r.note).map((r) => `\n${r.what}: ${r.note}`),
    '',
  ];
  writeFileSync(join(dir, `${name}.md`), lines.join('\n'));
  console.log(lines.join('\n'));
}

/**
 * How fast the console's first screen and its overview appear in Debian's
 * headless Chromium, served by a relay on devnet (the console test's stack),
 * against the same browser loading the relay's bare `GET /health` from the
 * same server in the same run. Medians of BENCH_LOADS fresh browser contexts
 * (no cache). The goal is absolute: the first screen in under 1 s.
 *
 *   npx tsx bench/console.ts          # BENCH_LOADS=15
 */
import { openPage, startConsoleStack } from '../test/console/browser.ts';
import { writeReport } from './report.ts';

const LOADS = Number(process.env.BENCH_LOADS ?? 15);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const c = await startConsoleStack();
try {
  const health: number[] = [];
  const first: number[] = [];
  const overview: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    const base = await openPage(c);
    let t0 = performance.now();
    await base.page.goto(`${c.url}/health`, { waitUntil: 'load' });
    health.push(performance.now() - t0);
    await base.page.context().close();

    const { page } = await openPage(c);
    t0 = performance.now();
    await page.goto(`${c.url}/console`);
    await page.getByLabel('Admin key').waitFor();
    first.push(performance.now() - t0);
    await page.getByLabel('Admin key').fill(c.keys.acmeAdmin);
    t0 = performance.now();
    await page.keyboard.press('Enter');
    await page.getByTestId('per-policy').waitFor();
    overview.push(performance.now() - t0);
    await page.context().close();
  }
  const b = median(health);
  writeReport('console', 'Console in headless Chromium against a bare page from the same server', [
    { what: 'console first screen (sign-in form ready)', measured: median(first), baseline: b, unit: 'ms', ratio: median(first) / b, ratioMeans: 'times the bare page, lower is better', goal: '< 1,000 ms absolute' },
    { what: 'overview after sign-in (charts and tables)', measured: median(overview), baseline: b, unit: 'ms', ratio: median(overview) / b, ratioMeans: 'times the bare page, lower is better', goal: '< 1,000 ms absolute' },
  ], { loads: LOADS });
} finally {
  await c.stop();
}

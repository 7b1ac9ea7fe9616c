/**
 * Stopping the edge relay stops all of it. `wrangler dev` is three kinds of
 * process: the bin's wrapper, wrangler's CLI, and the workerd it runs. A
 * SIGTERM to the wrapper alone used to leave workerd serving after stop()
 * had resolved (with wrangler's own devtools port), and a SIGTERM to
 * `npm start -- --edge` alone left devnet, the CLI and workerd running for
 * good. It now stops what it started itself, in order, and exits 0, on a
 * SIGTERM as on a Ctrl-C, and on a Ctrl-C that arrives twice (under
 * `npm start`, tsx relays the one the terminal sent the group; it used to
 * cut the shutdown short as a second Ctrl-C, exit 130); a signal during start-up exits at once and the
 * exit hooks take what was starting. A process that started one and was
 * killed outright (no exit hook runs: a test runner ending its workers)
 * used to leave it serving; a watchdog now stops it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startEdge } from '../../scripts/edge.ts';
import { processTree as tree, signal, stillRunning as running } from '../../scripts/local/processes.ts';
import { repoRoot } from '../../scripts/local/toolchain.ts';
import { freePort } from '../helpers/redis.ts';
import { MANIFEST } from '../relay/admin/helpers.ts';

const dirs: string[] = [];
const groups: number[] = [];
afterAll(() => {
  // A failed assertion must not leave a stack running: each npm start ran in a process group of its own.
  for (const g of groups) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

describe('stopping the edge relay', () => {
  it.each([
    ['a system-picked devtools port (the tests)', 0],
    ["wrangler's own devtools port (npm start -- --edge)", null],
  ])('stop() resolves once the wrapper, the CLI and workerd are all gone: %s', async (_, inspectorPort) => {
    const edge = await startEdge({ config: { rpcUrl: 'http://127.0.0.1:9/rpc', manifest: MANIFEST, relayers: [{ address: '0x777', privateKey: '0x999' }] }, policies: [], inspectorPort });
    const pids = tree(edge.proc.pid!);
    try {
      expect((await fetch(`${edge.url}/v1/contracts`)).status).toBe(200);
      // The wrapper, the CLI, and at least one workerd: what stop() must end.
      expect(running(pids).length).toBeGreaterThanOrEqual(3);
      await edge.stop();
      expect(running(pids)).toEqual([]);
      await expect(fetch(`${edge.url}/v1/contracts`)).rejects.toThrow();
    } finally {
      pids.forEach((pid) => running([pid]).length && process.kill(pid, 'SIGKILL'));
    }
  });

  it.each([
    ['a SIGTERM to its process alone (a process manager, a container runtime)', 'SIGTERM', false],
    ['a Ctrl-C (SIGINT to its whole process group)', 'SIGINT', true],
    ["a Ctrl-C that arrives twice at once (the terminal's, and the one tsx relays under npm start)", 'SIGINT', 'twice'],
  ] as const)('npm start -- --edge, stopped by %s, stops the relay, then devnet, and exits 0', async (_, sig, group) => {
    const dev = await startDev('scripts/claim.ts');
    expect(dev.output()).toContain(`CIRO_LOCAL_DIR='${dev.local}' npx tsx scripts/claim.ts`);
    const pids = tree(dev.proc.pid!);
    expect((await fetch(`http://127.0.0.1:${dev.port}/v1/contracts`)).status).toBe(200);
    // dev.ts, devnet, the wrapper, the CLI, workerd.
    expect(running(pids).length).toBeGreaterThanOrEqual(5);

    if (group === true) process.kill(-dev.proc.pid!, sig);
    else dev.proc.kill(sig);
    // The relayed one comes a moment later, once the first has begun the shutdown (two at once would merge into one).
    if (group === 'twice') setTimeout(() => dev.proc.kill(sig), 100);
    // 0 and each step in order: its own shutdown ran, not just an exit hook's SIGKILL.
    expect(await dev.exited).toBe(0);
    expect(dev.output()).toMatch(/stopping the relay…\nstopping devnet…\nstopped\.\n/);
    expect(running(pids)).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${dev.port}/v1/contracts`)).rejects.toThrow();
  });

  it('a process that started an edge relay and was SIGKILLed (no exit hook runs) takes it along: a watchdog stops it', async () => {
    const edge = pathToFileURL(join(repoRoot, 'scripts', 'edge.ts')).href;
    const admin = pathToFileURL(join(repoRoot, 'test', 'relay', 'admin', 'helpers.ts')).href;
    const script = `const { startEdge } = await import(${JSON.stringify(edge)}); const { MANIFEST } = await import(${JSON.stringify(admin)});
      const e = await startEdge({ config: { rpcUrl: 'http://127.0.0.1:9/rpc', manifest: MANIFEST, relayers: [{ address: '0x777', privateKey: '0x999' }] }, policies: [] });
      console.log('ready ' + e.url); setInterval(() => undefined, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' }, stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (b: Buffer) => (out += b.toString()) && /ready (\S+)/.exec(out) && resolve(/ready (\S+)/.exec(out)![1]!));
      child.once('exit', (code) => reject(new Error(`the child exited (${code}) before its relay was ready: ${out}`)));
    });
    const pids = tree(child.pid!).filter((pid) => pid !== child.pid);
    try {
      expect((await fetch(`${url}/v1/contracts`)).status).toBe(200);
      expect(running(pids).length).toBeGreaterThanOrEqual(3);
      child.kill('SIGKILL');
      await expect.poll(() => running(pids), { timeout: 10_000, interval: 200 }).toEqual([]);
      await expect(fetch(`${url}/v1/contracts`)).rejects.toThrow();
    } finally {
      child.kill('SIGKILL');
      running(pids).forEach((pid) => signal(pid, 'SIGKILL'));
    }
  });

  it('a SIGTERM during start-up exits 143 at once and leaves nothing of what was starting', async () => {
    const dev = await startDev('deploying the CIRO contracts');
    // Once devnet is spawned: what the exit hook must take with it.
    await expect.poll(() => tree(dev.proc.pid!).length, { timeout: 20_000, interval: 100 }).toBeGreaterThanOrEqual(2);
    const pids = tree(dev.proc.pid!);
    dev.proc.kill('SIGTERM');
    expect(await dev.exited).toBe(128 + constants.signals.SIGTERM);
    expect(running(pids)).toEqual([]);
    expect(dev.output()).not.toContain('scripts/claim.ts');
  });
});

/** `npm start -- --edge` on ports of its own, writing to a directory of its own, once its output shows `ready`. */
async function startDev(ready: string) {
  const local = mkdtempSync(join(tmpdir(), 'ciro-dev-'));
  dirs.push(local);
  const [port, devnetPort] = [await freePort(), await freePort()];
  const proc = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'dev.ts'), '--edge'], {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), DEVNET_PORT: String(devnetPort), CIRO_LOCAL_DIR: local, WRANGLER_SEND_METRICS: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own, as a terminal gives a command: what a Ctrl-C signals.
    detached: true,
  });
  groups.push(proc.pid!);
  let output = '';
  const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer) => {
      output += b.toString();
      if (output.includes(ready)) resolve();
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`npm start -- --edge exited (${code}):\n${output}`)));
  });
  return { proc, port, local, exited, output: () => output };
}

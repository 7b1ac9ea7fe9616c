/**
 * Stopping the edge relay stops all of it. `wrangler dev` is three kinds of
 * process: the bin's wrapper, wrangler's CLI, and the workerd it runs. A
 * SIGTERM to the wrapper alone used to leave workerd serving after stop()
 * had resolved (with wrangler's own devtools port), and a SIGTERM to
 * `npm start -- --edge` alone left devnet, the CLI and workerd running for
 * good. It now stops what it started itself, in order, and exits 0, on a
 * SIGTERM as on a Ctrl-C.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEdge } from '../../scripts/edge.ts';
import { repoRoot } from '../../scripts/local/toolchain.ts';
import { MANIFEST } from '../relay/admin/helpers.ts';

/** Every process descended from `root` (root included), from one `ps` listing. */
function tree(root: number): number[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=']).toString().trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [pid, ppid] of rows) if (ppid === out[i] && !out.includes(pid!)) out.push(pid!);
  return out;
}

/** The pids still running (a zombie has exited; it only waits to be reaped). */
function running(pids: number[]): number[] {
  return pids.filter((pid) => {
    try {
      return !execFileSync('ps', ['-o', 'stat=', '-p', String(pid)]).toString().trim().startsWith('Z');
    } catch {
      return false;
    }
  });
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

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
  ] as const)('npm start -- --edge, stopped by %s, stops devnet, wrangler and workerd and exits 0', async (_, sig, group) => {
    const local = mkdtempSync(join(tmpdir(), 'ciro-dev-'));
    dirs.push(local);
    const [port, devnetPort] = [await freePort(), await freePort()];
    const dev = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'dev.ts'), '--edge'], {
      cwd: repoRoot,
      env: { ...process.env, PORT: String(port), DEVNET_PORT: String(devnetPort), CIRO_LOCAL_DIR: local, WRANGLER_SEND_METRICS: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own, as a terminal gives a command: what a Ctrl-C signals.
      detached: true,
    });
    groups.push(dev.pid!);
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (b: Buffer) => {
        output += b.toString();
        if (output.includes('scripts/claim.ts')) resolve();
      };
      dev.stdout!.on('data', onData);
      dev.stderr!.on('data', onData);
      dev.once('exit', (code) => reject(new Error(`npm start -- --edge exited (${code}):\n${output}`)));
    });
    expect(output).toContain(`CIRO_LOCAL_DIR='${local}' npx tsx scripts/claim.ts`);
    const pids = tree(dev.pid!);
    expect((await fetch(`http://127.0.0.1:${port}/v1/contracts`)).status).toBe(200);
    // dev.ts, devnet, the wrapper, the CLI, workerd.
    expect(running(pids).length).toBeGreaterThanOrEqual(5);

    const exited = new Promise((resolve) => dev.once('exit', resolve));
    if (group) process.kill(-dev.pid!, sig);
    else dev.kill(sig);
    // 0: its own shutdown ran (relay, then devnet), not an exit hook's SIGKILL.
    expect(await exited).toBe(0);
    expect(running(pids)).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${port}/v1/contracts`)).rejects.toThrow();
  });
});

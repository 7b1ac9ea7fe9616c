/**
 * Starts a real, throw-away redis-server for tests: loopback only, no
 * persistence, its own temp dir. `stop()` kills it and removes the dir;
 * `restart()` brings it back on the same port (fail-closed / recovery tests).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRedis {
  url: string;
  port: number;
  /** Kills the server and removes its temp dir. Idempotent; `restart()` may follow. */
  stop(): Promise<void>;
  /** Stops the server if running, then starts a fresh empty one on the same port. */
  restart(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open but nothing answers, like a hung server. */
  pause(): void;
  resume(): void;
}

const INSTALL_HINT = 'redis-server is required for the Redis store tests: apt-get install -y redis-server';
const running = new Set<ChildProcess>();

// A crashed test run must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function assertInstalled(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) throw new Error(`${INSTALL_HINT} (redis-server not found on PATH)`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** One raw RESP PING; true when the server answers +PONG. */
function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = tcpConnect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (buf) => done(buf.toString().startsWith('+PONG')));
  });
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startRedis(): Promise<TestRedis> {
  assertInstalled();
  const port = await freePort();
  let dir: string | null = null;
  let child: ChildProcess | null = null;
  let log = '';

  const launch = async () => {
    dir ??= mkdtempSync(join(tmpdir(), 'ciro-redis-'));
    log = '';
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    running.add(proc);
    proc.stdout?.on('data', (b) => (log += b));
    proc.stderr?.on('data', (b) => (log += b));
    proc.once('exit', () => running.delete(proc));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited early on port ${port}:\n${log}`);
      if (await pingOnce(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    await kill();
    throw new Error(`redis-server did not answer on port ${port} within 10 s:\n${log}`);
  };

  const kill = async () => {
    const proc = child;
    child = null;
    if (!proc) return;
    proc.kill('SIGCONT'); // a paused server would never act on SIGTERM
    proc.kill('SIGTERM');
    if (!(await waitExit(proc, 3_000))) {
      proc.kill('SIGKILL');
      await waitExit(proc, 3_000);
    }
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await kill();
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = null;
    },
    async restart() {
      await kill();
      await launch();
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
  };
}

/**
 * Starts a real, throw-away redis-server for tests: loopback only, no
 * persistence, its own temp dir. `stop()` kills it and removes the dir;
 * `restart()` brings it back on the same port (fail-closed / recovery tests).
 * The temp dir survives `restart()`, so a cluster node comes back with its
 * identity and slots (its nodes.conf), though with no data.
 *
 * Nothing may outlive the test run: servers are killed on exit and on
 * SIGINT/SIGTERM/SIGHUP, and a run killed outright (SIGKILL) is cleaned up
 * by the next one, which reaps servers whose owning process is gone.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
  /** Kills the server but keeps its temp dir, so `restart()` brings the same cluster node back. */
  kill(): Promise<void>;
  /** SIGKILL: no shutdown, no final save; the temp dir (and an AOF in it) survives for `restart()`. */
  crash(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open but nothing answers, like a hung server. */
  pause(): void;
  resume(): void;
}

const INSTALL_HINT = 'redis-server is required for the Redis store tests: apt-get install -y redis-server';
const DIR_PREFIX = 'ciro-redis-';
const OWNER_FILE = 'owner'; // "<test process pid> <redis-server pid>"
const live = new Map<string, ChildProcess | null>(); // temp dir -> its running server

function cleanupAll(): void {
  for (const [dir, child] of live) {
    child?.kill('SIGCONT');
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  live.clear();
}
process.once('exit', cleanupAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    cleanupAll();
    process.kill(process.pid, sig); // our listener is gone now: default handling resumes
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Removes servers and dirs left by test processes that died without cleaning up. */
function reapStale(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    try {
      const [owner, server] = readFileSync(join(dir, OWNER_FILE), 'utf8').split(' ').map(Number);
      if (!owner || alive(owner)) continue;
      // Check the pid is still that redis-server before killing it (pids get reused).
      if (server && readFileSync(`/proc/${server}/cmdline`, 'utf8').includes('redis-server')) process.kill(server, 'SIGKILL');
    } catch {
      // No owner file yet: another process may be starting it right now, so only reap old dirs.
      const st = statSync(dir, { throwIfNoEntry: false });
      if (!st || Date.now() - st.mtimeMs < 60_000) continue;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertInstalled(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) throw new Error(`${INSTALL_HINT} (redis-server not found on PATH)`);
}

export async function freePort(): Promise<number> {
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

/** One raw RESP PING; true when the server answers +PONG (or NOAUTH: it is up, and wants a password). */
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
    sock.on('data', (buf) => done(/^(\+PONG|-NOAUTH)/.test(buf.toString())));
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

export interface StartRedisOptions {
  /** Extra redis-server arguments (a cluster node's, say); paths in them resolve in the server's temp dir. */
  args?: string[];
  /** A config file's text, written to the temp dir and given first (a sentinel's, which it rewrites). */
  conf?: string;
}

export async function startRedis(opts: StartRedisOptions = {}): Promise<TestRedis> {
  assertInstalled();
  reapStale();
  const port = await freePort();
  let dir: string | null = null;
  let child: ChildProcess | null = null;

  const launch = async () => {
    const d = (dir ??= mkdtempSync(join(tmpdir(), DIR_PREFIX)));
    const conf = opts.conf === undefined ? [] : [join(d, 'redis.conf')];
    if (opts.conf !== undefined) writeFileSync(conf[0]!, opts.conf);
    const args = [...conf, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', d, ...(opts.args ?? [])];
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    proc.stdout?.on('data', (b) => (log += b));
    proc.stderr?.on('data', (b) => (log += b));
    child = proc;
    live.set(d, proc);
    writeFileSync(join(d, OWNER_FILE), `${process.pid} ${proc.pid ?? 0}`);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) break;
      if (await pingOnce(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    await kill();
    throw new Error(`redis-server did not start on port ${port}:\n${log}`);
  };

  const kill = async () => {
    const proc = child;
    child = null;
    if (dir) live.set(dir, null);
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
      if (dir) {
        rmSync(dir, { recursive: true, force: true });
        live.delete(dir);
      }
      dir = null;
    },
    async restart() {
      await kill();
      await launch();
    },
    kill,
    async crash() {
      const proc = child;
      child = null;
      if (dir) live.set(dir, null);
      proc?.kill('SIGKILL');
      if (proc) await waitExit(proc, 3_000);
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
  };
}

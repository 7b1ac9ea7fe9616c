/**
 * Runs the relay's Worker on local workerd (`wrangler dev`, offline), with the
 * config the Node entry would take: non-secret config, relayer keys and file
 * policies go in an env file the way `wrangler secret`s and vars would.
 * Used by `npm start -- --edge` and the edge end-to-end tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config, ConfigInput } from '../relay/config.ts';
import { processTree, signal, startTimes, stillRunning } from './local/processes.ts';
import { repoRoot } from './local/toolchain.ts';

export interface EdgeRelay {
  url: string;
  proc: ChildProcess;
  /** What wrangler dev printed so far (the Worker's logs among it). */
  output(): string;
  stop(): Promise<void>;
}

export interface EdgeOptions {
  /** The relay config (relayers go to CIRO_RELAYERS, the rest to CIRO_CONFIG). */
  config: ConfigInput | Config;
  /** File policies (templates), as parsed JSON. */
  policies: unknown[];
  /** Webhook secrets by `<tenant>/<ref>`. */
  secrets?: Record<string, string>;
  /** More vars and secrets for the Worker's env (CIRO_OPERATOR_KEY, CIRO_RPC_URL…). */
  env?: Record<string, string>;
  port?: number;
  /**
   * The devtools port. Default 0, a port the system picks: wrangler's own default asks for a free port
   * and lets it go before binding it, so two wrangler devs starting at once (the edge tests) were
   * sometimes handed the same one and one exited "Address already in use (socket direct:1:default)".
   * `null`: wrangler's default (9229 when free), for a developer's own `npm start -- --edge`.
   */
  inspectorPort?: number | null;
  /** Durable Object state lives here (kept across restarts of one worker; not a way for two to share it: see registryPath). */
  persistTo?: string;
  /** A Wrangler config other than the repo's wrangler.toml (a second worker, say). */
  wranglerConfig?: string;
  /**
   * The dev registry (WRANGLER_REGISTRY_PATH) this worker registers in: a
   * worker whose Durable Object binding names another's script (`script_name`)
   * reaches that worker's live objects through the registry they share.
   */
  registryPath?: string;
}

export async function startEdge(o: EdgeOptions): Promise<EdgeRelay> {
  const dir = mkdtempSync(join(tmpdir(), 'ciro-edge-'));
  const { relayers, ...rest } = o.config as Record<string, unknown>;
  // The env file loader expands `$name` even in quotes: `$` and quotes become their JSON escapes,
  // which the Worker's JSON.parse turns back into the same text.
  const quoted = (v: string) => `'${v.replaceAll('$', '\\u0024').replaceAll("'", '\\u0027')}'`;
  const lines = [
    `CIRO_CONFIG=${quoted(JSON.stringify(rest))}`,
    `CIRO_RELAYERS=${quoted(JSON.stringify(relayers))}`,
    `CIRO_POLICIES=${quoted(JSON.stringify(o.policies))}`,
    ...Object.entries(o.secrets ?? {}).map(([k, v]) => `CIRO_SECRET_${k.replace('/', '__')}=${quoted(v)}`),
    ...Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${quoted(v)}`),
  ];
  const envFile = join(dir, '.env');
  writeFileSync(envFile, lines.join('\n') + '\n', { mode: 0o600 });
  const persist = o.persistTo ?? join(dir, 'state');
  mkdirSync(persist, { recursive: true });
  const bin = join(repoRoot, 'node_modules', '.bin', 'wrangler');
  const args = ['dev', ...(o.wranglerConfig ? ['--config', o.wranglerConfig] : []), '--local', '--ip', '127.0.0.1', '--port', String(o.port ?? 0), '--env-file', envFile, '--persist-to', persist, '--show-interactive-dev-session=false',
    // GET /__scheduled runs the cron handler now (dev only), so the cron's work can be tested and tried.
    '--test-scheduled',
    ...(o.inspectorPort === null ? [] : ['--inspector-port', String(o.inspectorPort ?? 0)])];
  const proc = spawn(bin, args, {
    cwd: repoRoot,
    env: { ...process.env, ...(o.registryPath ? { WRANGLER_REGISTRY_PATH: o.registryPath } : {}), WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1', PATH: `${join(repoRoot, 'node_modules', '.bin')}:${process.env.PATH}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.set(proc, []);
  let output = '';
  let ready = false;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wrangler dev did not start in 60 s:\n${output}`)), 60_000);
    const onData = (b: Buffer) => {
      output += b.toString();
      // Once: every later chunk (the Worker's logs) would list the processes again with a blocking `ps`.
      const m = ready ? null : /Ready on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (m) {
        ready = true;
        clearTimeout(timer);
        live.set(proc, processTree(proc.pid!));
        watchdogs.set(proc, watchdog(live.get(proc)!));
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`wrangler dev exited (${code}):\n${output}`)));
  }).catch(async (e: unknown) => {
    // Not ready in time: what did start must not outlive the failure.
    await stopTree(proc);
    throw e;
  });
  return {
    url,
    proc,
    output: () => output,
    stop: () => stopTree(proc),
  };
}

// Every process of a wrangler dev not yet stopped, listed once it was ready: once the wrapper has exited, init
// adopts its children and they can't be found from it any more. A script that exits without stop() (an uncaught
// error, process.exit) takes them with it; one killed by a signal runs no exit hook, so a watchdog does.
const live = new Map<ChildProcess, number[]>();
const watchdogs = new Map<ChildProcess, ChildProcess>();
process.once('exit', () => {
  live.forEach((pids, proc) => stillRunning(treeOf(proc, pids)).forEach((pid) => signal(pid, 'SIGKILL')));
  watchdogs.forEach((w) => signal(-w.pid!, 'SIGKILL'));
});

/**
 * A process outside this one that SIGKILLs `pids` once this one is gone without stopping them: killed by a
 * signal (a test runner ending its workers, a SIGKILL, a lone SIGTERM), it runs no exit hook. A zombie counts
 * as gone. Each pid is signalled only if it still started when it did at ready: one of them that exited on its own
 * and was reused by another process meanwhile is left alone.
 */
function watchdog(pids: number[]): ChildProcess {
  const alive = `ps -o stat= -p ${process.pid} 2>/dev/null | grep -qv '^Z'`;
  const kills = [...startTimes(pids)].map(([pid, at]) => `[ "$(ps -o lstart= -p ${pid} 2>/dev/null)" = '${at}' ] && kill -9 ${pid}`);
  const w = spawn('sh', ['-c', `while ${alive}; do sleep 1; done; ${kills.join('; ')}; exit 0`], { detached: true, stdio: 'ignore' });
  w.unref();
  return w;
}

/** What the wrapper runs now, and what it ran when it was ready. */
const treeOf = (proc: ChildProcess, known: number[]): number[] =>
  [...new Set([...(proc.exitCode === null && proc.signalCode === null ? processTree(proc.pid!) : []), ...known])];

/**
 * Stops wrangler's wrapper, its CLI and workerd, and resolves once none is running: SIGTERM, then SIGKILL
 * after 3 s. Each gets the signal itself: the wrapper alone could exit and leave workerd serving.
 */
async function stopTree(proc: ChildProcess): Promise<void> {
  // Its whole group (it is detached): the shell and the `sleep` it waits on.
  const w = watchdogs.get(proc);
  if (w) signal(-w.pid!, 'SIGKILL');
  watchdogs.delete(proc);
  let left = stillRunning(treeOf(proc, live.get(proc) ?? []));
  left.forEach((pid) => signal(pid, 'SIGTERM'));
  const deadline = Date.now() + 3_000;
  // Awaited timers, never unref'd: a caller that awaits stop() must not exit before they are gone.
  while ((left = stillRunning(left)).length > 0 && Date.now() < deadline + 5_000) {
    if (Date.now() > deadline) left.forEach((pid) => signal(pid, 'SIGKILL'));
    await new Promise((r) => setTimeout(r, 50));
  }
  live.delete(proc);
  if (left.length > 0) console.error(`wrangler dev: ${left.join(', ')} still running 5 s after SIGKILL`);
}

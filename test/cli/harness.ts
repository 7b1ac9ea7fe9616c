/**
 * What the CLI suites share: the local stack (devnet, CIRO contracts, demo
 * state, relay) served on a real loopback socket, and the real `ciro` bin run
 * as a subprocess against it with a private HOME and only the environment a
 * user would set. Every byte any run prints is kept (`transcript`), so a suite
 * can check that no private key was ever printed.
 *
 * Tenants: 'test' is sponsored by the CLI lifecycle policy (test/cli/policies)
 * plus the example policies; 'examples' by the example policies alone (which
 * do not sponsor registration); 'tight' by a one-heartbeat-an-hour policy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen } from '../../relay/entry/node.ts';
import { repoRoot } from '../../scripts/local/toolchain.ts';
import { startRelayStack, type RelayStack, type RelayStackOptions } from '../helpers/relay.ts';

export const node22 = join(repoRoot, 'node_modules', '.bin', 'node');
export const ciroBin = join(repoRoot, 'scripts', 'ciro', 'bin.mjs');

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout's JSON lines, parsed (with --json). */
  json: Record<string, any>[];
}

export interface CliStack {
  s: RelayStack;
  url: string;
  /** The environment every run gets: HOME, XDG_CONFIG_HOME, PATH, relay, API key, node. */
  env: Record<string, string>;
  home: string;
  /** Runs `ciro args…` to completion. */
  ciro(args: string[], extraEnv?: Record<string, string | undefined>): Promise<Run>;
  /** Starts `ciro args…` and returns the child and a promise of its run (for `worker run`). */
  start(args: string[], extraEnv?: Record<string, string | undefined>): { child: ChildProcess; done: Promise<Run>; stdout: () => string };
  /** Everything every run printed, stdout and stderr. */
  transcript(): string;
  close(): Promise<void>;
}

/** Starts the real bin with exactly `env` (undefined values dropped): nothing of the test runner's environment leaks in. */
export function startCiro(args: string[], env: Record<string, string | undefined>, cwd: string) {
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const child = spawn(node22, [ciroBin, ...args], { cwd, env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const json = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      resolve({ code, signal, stdout, stderr, json });
    });
  });
  return { child, done, stdout: () => stdout };
}

/** The example policies plus the CLI fixtures, in one folder (the relay reads one). */
function policyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ciro-cli-policies-'));
  for (const from of [join(repoRoot, 'policies', 'examples'), join(repoRoot, 'test', 'cli', 'policies')]) {
    for (const f of readdirSync(from).filter((n) => n.endsWith('.json'))) copyFileSync(join(from, f), join(dir, f));
  }
  return dir;
}

export async function startCliStack(opts: RelayStackOptions = {}): Promise<CliStack> {
  const policies = policyDir();
  const s = await startRelayStack({
    policyDir: policies,
    policies: ['cli-worker-lifecycle', 'worker-rewards', 'job-submission'],
    tenants: { examples: ['worker-rewards', 'job-submission'], tight: ['cli-one-heartbeat-an-hour'] },
    ...opts,
  });
  const { server, url } = await listen(s.relay, 0);
  const home = mkdtempSync(join(tmpdir(), 'ciro-cli-home-'));
  mkdirSync(join(home, '.config'), { recursive: true });
  const env = {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    PATH: `${join(repoRoot, 'node_modules', '.bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    CIRO_RELAY_URL: url,
    CIRO_API_KEY: s.apiKey,
    CIRO_RPC_URL: s.chain.devnet.url,
  };
  let transcript = '';
  const start = (args: string[], extraEnv: Record<string, string | undefined> = {}) => {
    const started = startCiro(args, { ...env, ...extraEnv }, home);
    return { ...started, done: started.done.then((r) => ((transcript += `$ ciro ${args.join(' ')}\n${r.stdout}${r.stderr}`), r)) };
  };
  return {
    s,
    url,
    env,
    home,
    start,
    ciro: (args, extraEnv) => start(args, extraEnv).done,
    transcript: () => transcript,
    close: async () => {
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await s.stop();
      rmSync(home, { recursive: true, force: true });
      rmSync(policies, { recursive: true, force: true });
    },
  };
}

/** A run's output, for assertion messages. */
export const shown = (r: Run) => `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

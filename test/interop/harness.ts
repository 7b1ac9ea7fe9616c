/**
 * What every interop suite shares: the local stack behind a real socket (with
 * every JSON-RPC exchange recorded, so a failing client shows exactly what it
 * sent and what the relay answered), the job every driver takes, a runner for
 * drivers in their own process. The flows and their checks are in flows.ts.
 *
 * A driver is a small program in a client's own folder (or, for starknet.go, a
 * Go binary) that reads the job from CIRO_INTEROP_JOB, drives the relay with
 * that client only, and prints one line `CIRO_INTEROP_RESULT {json}`. The
 * checks here use the project's own starknet.js against the chain, never the
 * client under test.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { listen, type NodeRelay } from '../../relay/entry/node.ts';
import { startRelayStack, type RelayStack } from '../helpers/relay.ts';
import { repoRoot } from '../../scripts/local/toolchain.ts';

export const interopDir = join(repoRoot, 'test', 'interop');
export const clientDir = (name: string) => join(interopDir, 'clients', name);
/** Node 22 from the project's devDependencies (the system node may be older). */
export const node22 = join(repoRoot, 'node_modules', '.bin', 'node');

export interface Exchange {
  method: string;
  request: string;
  status: number;
  response: string;
}

export interface Interop {
  s: RelayStack;
  /** The relay's URL on loopback (a real socket, for clients in their own process). */
  url: string;
  /** JSON-RPC exchanges seen on the socket since the last take(). */
  take(): Exchange[];
  close(): Promise<void>;
}

export async function startInterop(): Promise<Interop> {
  const s = await startRelayStack();
  let log: Exchange[] = [];
  const appFetch = s.relay.app.fetch;
  const recording = async (req: Request, env?: unknown, ctx?: unknown) => {
    const request = await req.clone().text();
    const res = await (appFetch as (r: Request, e?: unknown, c?: unknown) => Promise<Response>)(req, env, ctx);
    const response = await res.clone().text();
    let method = '?';
    try {
      const body = JSON.parse(request);
      method = Array.isArray(body) ? body.map((b) => b?.method).join(',') : String(body?.method);
    } catch {
      /* not JSON: recorded as is */
    }
    log.push({ method, request, status: res.status, response });
    return res;
  };
  const { server, url } = await listen({ ...s.relay, app: { ...s.relay.app, fetch: recording } } as unknown as NodeRelay, 0);
  return {
    s,
    url,
    take: () => {
      const out = log;
      log = [];
      return out;
    },
    close: async () => {
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await s.stop();
    },
  };
}

export interface JobCall {
  contractAddress: string;
  entrypoint: string;
  calldata: string[];
}

export type FeeMode = { mode: 'sponsored' } | { mode: 'default'; gasToken: string };

/** The one input every driver takes (JSON in CIRO_INTEROP_JOB). */
export interface Job {
  flow: 'invoke' | 'deploy_and_invoke';
  relayUrl: string;
  apiKey: string;
  /** The devnet's RPC URL, for clients whose accounts need a node (SNIP-9 version, nonce). */
  nodeUrl: string;
  /** The account (invoke) or the address the harness expects the client to compute (deploy_and_invoke). */
  address: string;
  privateKey: string;
  /** deploy_and_invoke: the OpenZeppelin account class (constructor(public_key), salt = public key, deployer 0). */
  classHash?: string;
  calls: JobCall[];
  feeMode: FeeMode;
  /** Optional time bounds (unix seconds), passed the client's own way (starknet.js: numbers; starknet.go: strings). */
  timeBounds?: { executeAfter: number; executeBefore: number };
  /** fee_mode.tip, for clients that can send one (starknet.go). */
  tip?: 'slow' | 'normal' | 'fast' | { custom: number };
  /** The relay is expected to refuse: the driver reports the error as its client surfaces it (`error`). */
  expectError?: boolean;
}

/** What a driver prints. Hex strings throughout. */
export interface DriverResult {
  client: string;
  transactionHash: string;
  trackingId?: string;
  /** The address the client computed or used. */
  address?: string;
  /** The build's type as the client parsed it. */
  builtType?: string;
  /** The fee estimate the client obtained (estimatePaymasterTransactionFee, the build's `fee`, a hook). */
  fee?: Record<string, string>;
  /** The max fee in gas token the client passed to its execute call, if any. */
  maxFeeInGasToken?: string;
  /** Supported gas tokens as the client parsed them. */
  tokens?: string[];
  [k: string]: unknown;
}

export type Driver = (job: Job) => Promise<DriverResult>;

const RESULT = 'CIRO_INTEROP_RESULT ';

/** Runs `cmd args` with the job in its environment; the last result line is the answer. */
export function runProcess(cmd: string, args: string[], job: unknown, opts: { cwd?: string; timeoutMs?: number } = {}): Promise<DriverResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? interopDir,
      env: { ...process.env, CIRO_INTEROP_JOB: JSON.stringify(job) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 100_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').reverse().find((l) => l.startsWith(RESULT));
      if (code === 0 && line) return resolve(JSON.parse(line.slice(RESULT.length)));
      reject(new Error(`${[cmd, ...args].join(' ')} exited ${code ?? signal}\n--- stderr\n${stderr.slice(-4000)}\n--- stdout\n${stdout.slice(-2000)}`));
    });
  });
}

/** A Node driver script, run with Node 22 from its client's folder (so bare imports resolve there). */
export const nodeDriver =
  (dir: string, script = 'driver.mjs', args: string[] = []): Driver =>
  (job) =>
    runProcess(node22, [join(dir, script), ...args], job, { cwd: dir });

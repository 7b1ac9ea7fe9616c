/**
 * Starts a throwaway starknet-devnet on a free loopback port and guarantees it
 * is stopped: by `stop()`, and by a process-exit hook as a backstop so a
 * crashed test run never leaves a devnet behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { tools } from './toolchain.ts';
import { CLOCK_FRESH_MS } from '../../relay/chain/clock.ts';

export interface DevnetOptions {
  seed?: number;
  accounts?: number;
  port?: number;
  /** Extra CLI flags, e.g. ['--predeclare-argent']. */
  args?: string[];
}

export interface Devnet {
  url: string;
  port: number;
  proc: ChildProcess;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let hooked = false;
let handedOver = false;

/** For a script that stops devnet itself on SIGINT and SIGTERM (npm start), after what runs on it: devnet then leaves those signals alone. */
export function handOverSignals(): void {
  handedOver = true;
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const p of running) p.kill('SIGKILL');
  };
  process.once('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      if (handedOver) return;
      killAll();
      process.exit(130);
    });
  }
}

export async function startDevnet(opts: DevnetOptions = {}): Promise<Devnet> {
  const bin = tools.devnet();
  const args = [
    '--host', '127.0.0.1',
    '--port', String(opts.port ?? 0),
    '--seed', String(opts.seed ?? 42),
    '--accounts', String(opts.accounts ?? 4),
    ...(opts.args ?? []),
  ];
  // devnet reads PORT, HOST, SEED, ... from the environment; pass only what it needs.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', RUST_LOG: 'info' };
  const proc = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  hookExit();
  proc.once('exit', () => running.delete(proc));

  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => fail(new Error(`devnet did not start in 60s:\n${buf.slice(-2000)}`)), 60_000);
    const onData = (d: Buffer) => {
      buf += d.toString();
      const m = /listening on [^\s:]+:(\d+)/.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    const fail = (e: Error) => {
      clearTimeout(timer);
      proc.kill('SIGKILL');
      reject(e);
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => fail(new Error(`devnet exited with ${code}:\n${buf.slice(-2000)}`)));
  });
  // Keep draining output so a chatty devnet never blocks on a full pipe.
  proc.stdout!.resume();
  proc.stderr!.resume();

  const url = `http://127.0.0.1:${port}/rpc`;
  return {
    url,
    port,
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/** Devnet-only RPC helpers (minting, time travel, predeployed accounts). */
export async function devnetCall<T>(url: string, method: string, params: unknown = {}): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

export interface PredeployedAccount {
  address: string;
  private_key: string;
  public_key: string;
}

export const predeployedAccounts = (url: string) =>
  devnetCall<PredeployedAccount[]>(url, 'devnet_getPredeployedAccounts');

export const mint = (url: string, address: string, amount: bigint, unit: 'FRI' | 'WEI' = 'FRI') =>
  devnetCall(url, 'devnet_mint', { address, amount: Number(amount), unit });

/**
 * Moves devnet's clock on, then waits out the relay's reading of it
 * (relay/chain/clock.ts keeps the latest block's timestamp up to
 * CLOCK_FRESH_MS): a real chain's clock never jumps, devnet's does here.
 */
export async function increaseTime(url: string, seconds: number): Promise<unknown> {
  const res = await devnetCall(url, 'devnet_increaseTime', { time: seconds });
  await new Promise((r) => setTimeout(r, CLOCK_FRESH_MS + 50));
  return res;
}

/**
 * What every interop suite shares: the local stack behind a real socket (with
 * every JSON-RPC exchange recorded, so a failing client shows exactly what it
 * sent and what the relay answered), the job every driver takes, a runner for
 * drivers in their own process, and the three flows with their on-chain checks.
 *
 * A driver is a small program in a client's own folder (or, for starknet.go, a
 * Go binary) that reads the job from CIRO_INTEROP_JOB, drives the relay with
 * that client only, and prints one line `CIRO_INTEROP_RESULT {json}`. The
 * checks here use the project's own starknet.js against the chain, never the
 * client under test.
 */
import { spawn } from 'node:child_process';
import { ec, hash, shortString, stark } from 'starknet';
import { expect } from 'vitest';
import { join } from 'node:path';
import { listen, type NodeRelay } from '../../relay/entry/node.ts';
import { balanceOf, startRelayStack, STRK, type RelayStack } from '../helpers/relay.ts';
import { deployFreshAccount, executeAndWait } from '../../scripts/local/accounts.ts';
import { CIRO, call, readU64, u256 } from '../../scripts/local/seed.ts';
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

// ---------------------------------------------------------------------------
// The flows. Each uses a fresh account, so a flow's checks see only its own effects.

const addr = (ix: Interop) => ix.s.chain.manifest.contracts;
const ciroOf = (ix: Interop, who: string) => balanceOf(ix.s.chain.provider, addr(ix).ciro_token.address, who);
const strkOf = (ix: Interop, who: string) => balanceOf(ix.s.chain.provider, STRK, who);
const jobCount = (ix: Interop) => readU64(ix.s.chain.provider, addr(ix).job_mgr.address, 'job_count');

/** approve(job_mgr, 10 CIRO) + submit_job(model 1, input, timeout 0): the job-submission policy's flow. */
export function jobCalls(ix: Interop, input: string): JobCall[] {
  return [
    { contractAddress: addr(ix).ciro_token.address, entrypoint: 'approve', calldata: [addr(ix).job_mgr.address, ...u256(10n * CIRO)] },
    { contractAddress: addr(ix).job_mgr.address, entrypoint: 'submit_job', calldata: ['1', shortString.encodeShortString(input), '0'] },
  ];
}

function baseJob(ix: Interop): Pick<Job, 'relayUrl' | 'apiKey' | 'nodeUrl'> {
  return { relayUrl: ix.url, apiKey: ix.s.apiKey, nodeUrl: ix.s.chain.devnet.url };
}

/** Runs the driver; on failure the error carries the JSON-RPC exchanges the client had with the relay. */
async function drive(ix: Interop, driver: Driver, job: Job): Promise<{ result: DriverResult; exchanges: Exchange[] }> {
  ix.take();
  try {
    const result = await driver(job);
    return { result, exchanges: ix.take() };
  } catch (e) {
    const exchanges = ix.take();
    const shown = exchanges.map((x) => `>>> ${x.request}\n<<< ${x.status} ${x.response}`).join('\n');
    (e as Error).message += `\n--- relay exchanges\n${shown || '(none)'}`;
    throw e;
  }
}

async function landed(ix: Interop, txHash: string) {
  const receipt = await ix.s.chain.provider.waitForTransaction(txHash);
  expect(receipt.isSuccess(), JSON.stringify(receipt.value)).toBe(true);
}

/** A fresh deployed account holding no STRK and `ciro` CIRO. */
async function freshAccount(ix: Interop, ciro: bigint) {
  const a = await deployFreshAccount(ix.s.chain.provider, ix.s.chain.deployer.account, ix.s.chain.manifest.accountClassHashes[0]!);
  await executeAndWait(ix.s.chain.deployer.account, call(addr(ix).ciro_token.address, 'transfer', [a.address, ...u256(ciro)]));
  return a;
}

/**
 * (a) Sponsored deploy_and_invoke: a key pair that has never been on chain, its
 * counterfactual address funded with 50 CIRO only; the client computes the
 * deployment data itself, and the account is deployed and submits a job in
 * one sponsored transaction.
 */
export async function deployAndInvokeFlow(ix: Interop, driver: Driver, input = 'deploy', extra: Partial<Job> = {}) {
  const privateKey = stark.randomAddress();
  const publicKey = ec.starkCurve.getStarkKey(privateKey);
  const classHash = ix.s.chain.manifest.accountClassHashes[0]!;
  const address = hash.calculateContractAddressFromHash(publicKey, classHash, [publicKey], 0);
  await executeAndWait(ix.s.chain.deployer.account, call(addr(ix).ciro_token.address, 'transfer', [address, ...u256(50n * CIRO)]));
  const jobsBefore = await jobCount(ix);
  const { result, exchanges } = await drive(ix, driver, {
    ...baseJob(ix),
    flow: 'deploy_and_invoke',
    address,
    privateKey,
    classHash,
    calls: jobCalls(ix, input),
    feeMode: { mode: 'sponsored' },
    ...extra,
  });
  if (result.address) expect(BigInt(result.address)).toBe(BigInt(address));
  await landed(ix, result.transactionHash);
  expect(BigInt(await ix.s.chain.provider.getClassHashAt(address))).toBe(BigInt(classHash));
  expect(await jobCount(ix)).toBe(jobsBefore + 1n);
  expect(await ciroOf(ix, address)).toBe(40n * CIRO);
  expect(await strkOf(ix, address)).toBe(0n);
  return { result, exchanges, address };
}

/** (b) Sponsored invoke from a deployed account with no STRK. */
export async function sponsoredInvokeFlow(ix: Interop, driver: Driver, input = 'sponsored', extra: Partial<Job> = {}) {
  const user = await freshAccount(ix, 100n * CIRO);
  const jobsBefore = await jobCount(ix);
  const { result, exchanges } = await drive(ix, driver, {
    ...baseJob(ix),
    flow: 'invoke',
    address: user.address,
    privateKey: user.privateKey,
    calls: jobCalls(ix, input),
    feeMode: { mode: 'sponsored' },
    ...extra,
  });
  await landed(ix, result.transactionHash);
  if (extra.timeBounds) expectTimeBounds(exchanges, extra.timeBounds);
  expect(await jobCount(ix)).toBe(jobsBefore + 1n);
  expect(await ciroOf(ix, user.address)).toBe(90n * CIRO);
  expect(await strkOf(ix, user.address)).toBe(0n);
  return { result, exchanges, address: user.address };
}

/**
 * (c) Default fee mode: the user pays the fee in CIRO to the Paymaster; it
 * holds no STRK before or after. The CIRO it lost is exactly the job price
 * plus what the Paymaster received, and that fee is positive.
 */
export async function defaultInvokeFlow(ix: Interop, driver: Driver, input = 'default', extra: Partial<Job> = {}) {
  const user = await freshAccount(ix, 100n * CIRO);
  const jobsBefore = await jobCount(ix);
  const pmBefore = await ciroOf(ix, addr(ix).paymaster.address);
  const { result, exchanges } = await drive(ix, driver, {
    ...baseJob(ix),
    flow: 'invoke',
    address: user.address,
    privateKey: user.privateKey,
    calls: jobCalls(ix, input),
    feeMode: { mode: 'default', gasToken: addr(ix).ciro_token.address },
    ...extra,
  });
  await landed(ix, result.transactionHash);
  expect(await jobCount(ix)).toBe(jobsBefore + 1n);
  const paid = (await ciroOf(ix, addr(ix).paymaster.address)) - pmBefore;
  expect(paid).toBeGreaterThan(0n);
  expect(await ciroOf(ix, user.address)).toBe(100n * CIRO - 10n * CIRO - paid);
  expect(await strkOf(ix, user.address)).toBe(0n);
  if (result.maxFeeInGasToken) expect(paid).toBeLessThanOrEqual(BigInt(result.maxFeeInGasToken));
  return { result, exchanges, address: user.address, paid };
}

/**
 * (d) Refusals as the client surfaces them; nothing lands.
 * - 'token': a default-mode build in a token the relay does not support
 *   (SNIP-29 TOKEN_NOT_SUPPORTED, 151);
 * - 'revert': a sponsored build whose calls would revert (submit_job for a
 *   model that does not exist: TRANSACTION_EXECUTION_ERROR, 156).
 */
export async function refusedBuildFlow(ix: Interop, driver: Driver, kind: 'token' | 'revert') {
  const demo = ix.s.chain.demo!;
  const calls = jobCalls(ix, 'refused');
  if (kind === 'revert') calls[1]!.calldata[0] = '999';
  const { result, exchanges } = await drive(ix, driver, {
    ...baseJob(ix),
    flow: 'invoke',
    address: demo.worker.address,
    privateKey: demo.worker.privateKey,
    calls,
    feeMode: kind === 'token' ? { mode: 'default', gasToken: '0x1234' } : { mode: 'sponsored' },
    expectError: true,
  });
  const [build] = exchanges.filter((x) => x.method === 'paymaster_buildTransaction');
  const wire = JSON.parse(build!.response).error;
  expect(wire.code).toBe(kind === 'token' ? 151 : 156);
  expect(result.error, 'the client accepted the build').toBeTruthy();
  return { result, exchanges, error: result.error as Record<string, unknown>, wire };
}

/** Time bounds one hour ahead, as a dApp would set them. */
export function anHour(): { executeAfter: number; executeBefore: number } {
  return { executeAfter: 1, executeBefore: Math.floor(Date.now() / 1000) + 3600 };
}

/** Every typed data the relay built carries the requested bounds (SNIP-9 v2 names, or v1's). */
function expectTimeBounds(exchanges: Exchange[], tb: { executeAfter: number; executeBefore: number }) {
  const built = exchanges.filter((x) => x.method === 'paymaster_buildTransaction').map((x) => JSON.parse(x.response).result);
  expect(built.length).toBeGreaterThan(0);
  for (const b of built) {
    const m = b.typed_data.message;
    expect(BigInt(m['Execute Before'] ?? m.execute_before)).toBe(BigInt(tb.executeBefore));
    expect(BigInt(m['Execute After'] ?? m.execute_after)).toBe(BigInt(tb.executeAfter));
  }
}

/** The parsed JSON-RPC requests of one method among the exchanges. */
export function requestsOf(exchanges: Exchange[], method: string): any[] {
  return exchanges.filter((x) => x.method === method).map((x) => JSON.parse(x.request));
}

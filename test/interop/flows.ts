/**
 * The flows every interop suite runs, with their on-chain checks: sponsored
 * deploy_and_invoke, sponsored invoke, default-mode invoke, refused builds.
 * Each uses a fresh account, so a flow's checks see only its own effects; the
 * checks use the project's own starknet.js, never the client under test.
 */
import { ec, hash, shortString, stark } from 'starknet';
import { expect } from 'vitest';
import { balanceOf, STRK } from '../helpers/relay.ts';
import { deployFreshAccount, executeAndWait } from '../../scripts/local/accounts.ts';
import { CIRO, call, readU64, u256 } from '../../scripts/local/seed.ts';
import type { Driver, DriverResult, Exchange, FeeMode, Interop, Job, JobCall } from './harness.ts';

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

/** An invoke job for `user`: the job-submission calls, in the given fee mode. */
function invokeJob(ix: Interop, user: { address: string; privateKey: string }, input: string, feeMode: FeeMode, extra: Partial<Job>): Job {
  return { ...baseJob(ix), flow: 'invoke', address: user.address, privateKey: user.privateKey, calls: jobCalls(ix, input), feeMode, ...extra };
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
  const { result, exchanges } = await drive(ix, driver, invokeJob(ix, user, input, { mode: 'sponsored' }, extra));
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
  const { result, exchanges } = await drive(ix, driver, invokeJob(ix, user, input, { mode: 'default', gasToken: addr(ix).ciro_token.address }, extra));
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

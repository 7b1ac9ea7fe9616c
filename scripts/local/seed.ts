/**
 * Demo state for the local stack: a model, a staked worker that holds no STRK
 * and has claimable rewards from one completed job. Everything the worker does
 * goes through Paymaster.execute_sponsored, as it would in production.
 */
import { RpcProvider, hash, shortString, type Call } from 'starknet';
import type { Manifest } from '../../relay/chain/manifest.ts';
import { deployFreshAccount, executeAndWait, type KeyedAccount } from './accounts.ts';
import { signOutside, sponsoredCall } from './outside.ts';

export const CIRO = 10n ** 18n;

export interface DemoState {
  worker: { address: string; privateKey: string };
  client: string;
  modelId: string;
  jobId: string;
  reward: string;
}

export function u256(v: bigint): string[] {
  return [(v & ((1n << 128n) - 1n)).toString(), (v >> 128n).toString()];
}

export function call(contractAddress: string, entrypoint: string, calldata: (string | bigint | number)[] = []): Call {
  return { contractAddress, entrypoint, calldata: calldata.map((x) => x.toString()) };
}

/** Has `relayer` submit `calls` for `user` through the Paymaster; returns the tx hash. */
export async function sponsor(
  provider: RpcProvider,
  manifest: Manifest,
  relayer: KeyedAccount,
  user: KeyedAccount,
  calls: Call[],
): Promise<string> {
  const paymaster = manifest.contracts.paymaster.address;
  const ot = await signOutside(provider, user.account, calls, { caller: paymaster });
  return executeAndWait(relayer.account, sponsoredCall(paymaster, ot));
}

export async function readU64(provider: RpcProvider, address: string, entrypoint: string, calldata: string[] = []) {
  const res = await provider.callContract({ contractAddress: address, entrypoint, calldata });
  return BigInt(res[0]!);
}

export async function seedDemo(
  provider: RpcProvider,
  manifest: Manifest,
  roles: { deployer: KeyedAccount; relayer: KeyedAccount; client: KeyedAccount },
): Promise<DemoState> {
  const { deployer, relayer, client } = roles;
  const token = manifest.contracts.ciro_token.address;
  const pool = manifest.contracts.cdc_pool.address;
  const jobs = manifest.contracts.job_mgr.address;
  const price = 10n * CIRO;
  const stake = 100n * CIRO;

  const worker = await deployFreshAccount(provider, deployer.account, manifest.accountClassHashes[0]!);
  const modelHash = hash.starknetKeccak('ciro-demo-model-v1');
  await executeAndWait(deployer.account, [
    call(token, 'transfer', [worker.address, ...u256(stake)]),
    call(token, 'transfer', [client.address, ...u256(1000n * CIRO)]),
    call(jobs, 'register_model', [modelHash, 1, ...u256(price)]),
  ]);
  const modelId = await readU64(provider, jobs, 'model_count');

  await sponsor(provider, manifest, relayer, worker, [
    call(pool, 'register_worker', [1]),
    call(token, 'approve', [pool, ...u256(stake)]),
    call(pool, 'stake', u256(stake)),
  ]);
  await executeAndWait(client.account, [
    call(token, 'approve', [jobs, ...u256(price)]),
    call(jobs, 'submit_job', [modelId, shortString.encodeShortString('demo-input'), 0]),
  ]);
  const jobId = await readU64(provider, jobs, 'job_count');
  await executeAndWait(deployer.account, call(jobs, 'assign_job', [jobId, worker.address]));
  await sponsor(provider, manifest, relayer, worker, [
    call(jobs, 'complete_job', [jobId, shortString.encodeShortString('demo-result')]),
  ]);
  return {
    worker: { address: worker.address, privateKey: worker.privateKey },
    client: client.address,
    modelId: modelId.toString(),
    jobId: jobId.toString(),
    reward: price.toString(),
  };
}


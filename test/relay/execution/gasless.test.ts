/**
 * The product promise, end to end: a wallet using starknet.js's own
 * PaymasterRpc and Account.executePaymasterTransaction, unmodified, sends
 * transactions through the relay that land in CDC Pool and JobMgr from
 * accounts holding no STRK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ec, hash, shortString, stark } from 'starknet';
import { balanceOf, startRelayStack, STRK, type RelayStack } from '../../helpers/relay.ts';
import { deployFreshAccount, executeAndWait, connect } from '../../../scripts/local/accounts.ts';
import { CIRO, call, readU64, u256 } from '../../../scripts/local/seed.ts';

let s: RelayStack;
beforeAll(async () => {
  s = await startRelayStack();
});
afterAll(async () => s?.stop());

const addr = () => s.chain.manifest.contracts;

async function pendingRewards(worker: string) {
  const r = await s.chain.provider.callContract({ contractAddress: addr().cdc_pool.address, entrypoint: 'pending_rewards', calldata: [worker] });
  return BigInt(r[0]!);
}

/** A fresh 0-STRK account holding `ciro` CIRO, deployed by the deployer through the UDC. */
async function fundedUser(ciro: bigint) {
  const user = await deployFreshAccount(s.chain.provider, s.chain.deployer.account, s.chain.manifest.accountClassHashes[0]!);
  await executeAndWait(s.chain.deployer.account, call(addr().ciro_token.address, 'transfer', [user.address, ...u256(ciro)]));
  return user;
}

describe('gasless transactions through the relay (starknet.js PaymasterRpc, unmodified)', () => {
  it('sponsors a worker claim_rewards from an account with 0 STRK', async () => {
    const demo = s.chain.demo!;
    const wallet = s.wallet(demo.worker.address, demo.worker.privateKey);
    const before = await balanceOf(s.chain.provider, addr().ciro_token.address, demo.worker.address);
    expect(await balanceOf(s.chain.provider, STRK, demo.worker.address)).toBe(0n);
    expect(await pendingRewards(demo.worker.address)).toBe(BigInt(demo.reward));

    const { transaction_hash } = await wallet.executePaymasterTransaction(
      [{ contractAddress: addr().cdc_pool.address, entrypoint: 'claim_rewards', calldata: [] }],
      { feeMode: { mode: 'sponsored' } },
    );
    const receipt = await s.chain.provider.waitForTransaction(transaction_hash);
    expect(receipt.isSuccess()).toBe(true);
    expect(await balanceOf(s.chain.provider, addr().ciro_token.address, demo.worker.address)).toBe(before + BigInt(demo.reward));
    expect(await pendingRewards(demo.worker.address)).toBe(0n);
    expect(await balanceOf(s.chain.provider, STRK, demo.worker.address)).toBe(0n);
  });

  it('sponsors a client submit_job (approve + submit) from an account with 0 STRK', async () => {
    const user = await fundedUser(100n * CIRO);
    const wallet = s.wallet(user.address, user.privateKey);
    const jobsBefore = await readU64(s.chain.provider, addr().job_mgr.address, 'job_count');
    const { transaction_hash } = await wallet.executePaymasterTransaction(
      [
        { contractAddress: addr().ciro_token.address, entrypoint: 'approve', calldata: [addr().job_mgr.address, ...u256(10n * CIRO)] },
        { contractAddress: addr().job_mgr.address, entrypoint: 'submit_job', calldata: ['1', shortString.encodeShortString('in'), '0'] },
      ],
      { feeMode: { mode: 'sponsored' } },
    );
    expect((await s.chain.provider.waitForTransaction(transaction_hash)).isSuccess()).toBe(true);
    expect(await readU64(s.chain.provider, addr().job_mgr.address, 'job_count')).toBe(jobsBefore + 1n);
    expect(await balanceOf(s.chain.provider, addr().ciro_token.address, user.address)).toBe(90n * CIRO);
    expect(await balanceOf(s.chain.provider, STRK, user.address)).toBe(0n);
  });

  it('default fee mode: the user pays the fee in CIRO, exactly the suggested max, to the Paymaster', async () => {
    const user = await fundedUser(100n * CIRO);
    const wallet = s.wallet(user.address, user.privateKey);
    const feeMode = { mode: 'default' as const, gasToken: addr().ciro_token.address };
    const calls = [
      { contractAddress: addr().ciro_token.address, entrypoint: 'approve', calldata: [addr().job_mgr.address, ...u256(10n * CIRO)] },
      { contractAddress: addr().job_mgr.address, entrypoint: 'submit_job', calldata: ['1', '0x1234', '0'] },
    ];
    const fee = await wallet.estimatePaymasterTransactionFee(calls, { feeMode });
    expect(BigInt(fee.suggested_max_fee_in_gas_token)).toBeGreaterThan(0n);
    const pmBefore = await balanceOf(s.chain.provider, addr().ciro_token.address, addr().paymaster.address);
    const { transaction_hash } = await wallet.executePaymasterTransaction(calls, { feeMode }, BigInt(fee.suggested_max_fee_in_gas_token) * 2n);
    expect((await s.chain.provider.waitForTransaction(transaction_hash)).isSuccess()).toBe(true);
    const paid = (await balanceOf(s.chain.provider, addr().ciro_token.address, addr().paymaster.address)) - pmBefore;
    // The quote is re-estimated per build, so the paid amount is the one the signed typed data carried.
    expect(paid).toBeGreaterThan(0n);
    expect(await balanceOf(s.chain.provider, addr().ciro_token.address, user.address)).toBe(100n * CIRO - 10n * CIRO - paid);
    expect(await balanceOf(s.chain.provider, STRK, user.address)).toBe(0n);
  });

  it('deploy_and_invoke: deploys a fresh account and submits its first job without it ever holding gas', async () => {
    const privateKey = stark.randomAddress();
    const publicKey = ec.starkCurve.getStarkKey(privateKey);
    const classHash = s.chain.manifest.accountClassHashes[0]!;
    const address = hash.calculateContractAddressFromHash(publicKey, classHash, [publicKey], 0);
    await executeAndWait(s.chain.deployer.account, call(addr().ciro_token.address, 'transfer', [address, ...u256(50n * CIRO)]));
    const wallet = connect(s.chain.provider, address, privateKey).account;
    wallet.paymaster = s.paymaster();
    const { transaction_hash } = await wallet.executePaymasterTransaction(
      [
        { contractAddress: addr().ciro_token.address, entrypoint: 'approve', calldata: [addr().job_mgr.address, ...u256(10n * CIRO)] },
        { contractAddress: addr().job_mgr.address, entrypoint: 'submit_job', calldata: ['1', '0x99', '0'] },
      ],
      {
        feeMode: { mode: 'sponsored' },
        deploymentData: { address, class_hash: classHash, salt: publicKey, calldata: [publicKey], version: 1 },
      },
    );
    expect((await s.chain.provider.waitForTransaction(transaction_hash)).isSuccess()).toBe(true);
    expect(BigInt(await s.chain.provider.getClassHashAt(address))).toBe(BigInt(classHash));
    expect(await balanceOf(s.chain.provider, addr().ciro_token.address, address)).toBe(40n * CIRO);
    expect(await balanceOf(s.chain.provider, STRK, address)).toBe(0n);
  });

  it('deploy: sponsors a bare account deployment (no calls)', async () => {
    const privateKey = stark.randomAddress();
    const publicKey = ec.starkCurve.getStarkKey(privateKey);
    const classHash = s.chain.manifest.accountClassHashes[0]!;
    const address = hash.calculateContractAddressFromHash(publicKey, classHash, [publicKey], 0);
    const wallet = connect(s.chain.provider, address, privateKey).account;
    wallet.paymaster = s.paymaster();
    const { transaction_hash } = await wallet.executePaymasterTransaction([], {
      feeMode: { mode: 'sponsored' },
      deploymentData: { address, class_hash: classHash, salt: publicKey, calldata: [publicKey], version: 1 },
    });
    expect((await s.chain.provider.waitForTransaction(transaction_hash)).isSuccess()).toBe(true);
    expect(BigInt(await s.chain.provider.getClassHashAt(address))).toBe(BigInt(classHash));
    expect(await balanceOf(s.chain.provider, STRK, address)).toBe(0n);
  });

  it('tracks an execution from active to accepted', async () => {
    const demo = s.chain.demo!;
    const wallet = s.wallet(demo.worker.address, demo.worker.privateKey);
    const prepared = await wallet.buildPaymasterTransaction(
      [{ contractAddress: addr().cdc_pool.address, entrypoint: 'heartbeat', calldata: [] }],
      { feeMode: { mode: 'sponsored' } },
    );
    if (prepared.type !== 'invoke') throw new Error('expected an invoke');
    const signature = await wallet.signMessage(prepared.typed_data);
    const exec = await s.rpc('paymaster_executeTransaction', {
      transaction: { type: 'invoke', invoke: { user_address: wallet.address, typed_data: prepared.typed_data, signature: stark.formatSignature(signature) } },
      parameters: { version: '0x1', fee_mode: { mode: 'sponsored' } },
    });
    expect(exec.body.error).toBeUndefined();
    const { tracking_id, transaction_hash } = exec.body.result;
    await s.chain.provider.waitForTransaction(transaction_hash);
    const tracked = await s.rpc('paymaster_trackingIdToLatestHash', { tracking_id });
    expect(tracked.body.result).toEqual({ transaction_hash, status: 'accepted' });
    const unknown = await s.rpc('paymaster_trackingIdToLatestHash', ['0x1234']);
    expect(unknown.body.error).toMatchObject({ code: 160, data: { reason: 'unknown_tracking_id' } });
  });
});

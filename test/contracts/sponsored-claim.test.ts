/**
 * The end-to-end gasless claim on a real devnet: a fresh OpenZeppelin account deployed through
 * the UDC by someone else (so it holds zero STRK), staked as a CIRO worker with rewards
 * (startLocalChain({seed: true})), signs a SNIP-9 v2 outside execution whose caller is the
 * Paymaster; a whitelisted relayer submits it through Paymaster.execute_sponsored and it lands in
 * CdcPool.claim_rewards. Then every refusal of the execute paths (including an account class
 * that is not allowed), and fee mode paying in CIRO.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { hash, type Call, type Contract } from 'starknet';
import type { LocalChain } from '../../scripts/local/chain.ts';
import { connect, type KeyedAccount } from '../../scripts/local/accounts.ts';
import { feeCall, signOutside, sponsoredCall } from '../../scripts/local/outside.ts';
import {
  callsHash,
  CIRO,
  expectAddress,
  expectRevert,
  oneEvent,
  populate,
  send,
  signForPaymaster,
  strkBalance,
  useCiroChain,
  view,
} from '../helpers/contracts.ts';

const suite = useCiroChain({ seed: true });
let chain: LocalChain;
let token: Contract;
let pool: Contract;
let jobs: Contract;
let pm: Contract;
let worker: KeyedAccount;
let relayer: KeyedAccount;
let reward: bigint;

const ciro = (addr: string) => view<bigint>(token, 'balance_of', [addr]);
const sign = (calls: Call[]) => signForPaymaster(chain.provider, chain.manifest, worker, calls);
const heartbeat = () => populate(pool, 'heartbeat');

beforeAll(() => {
  ({ chain, token, pool, jobs, paymaster: pm } = suite);
  const demo = chain.demo!;
  worker = connect(chain.provider, demo.worker.address, demo.worker.privateKey);
  relayer = chain.relayers[0]!;
  reward = BigInt(demo.reward);
});

describe('gasless reward claim through Paymaster.execute_sponsored', () => {
  it('starts from a fresh OZ account with zero STRK that is a staked worker with rewards', async () => {
    const ozClass = await chain.provider.getClassHashAt(chain.deployer.address);
    expect(BigInt(await chain.provider.getClassHashAt(worker.address))).toBe(BigInt(ozClass));
    expect(await strkBalance(chain.provider, worker.address)).toBe(0n);
    // The account never sent a transaction of its own: everything so far was sponsored.
    expect(BigInt(await chain.provider.getNonceForAddress(worker.address))).toBe(0n);
    expect(await view(pool, 'is_active_worker', [worker.address])).toBe(true);
    expect(reward).toBe(10n * CIRO);
    expect(await view(pool, 'pending_rewards', [worker.address])).toBe(reward);
    expect(await ciro(worker.address)).toBe(0n);
  });

  it('claims the rewards; the worker still holds zero STRK', async () => {
    const ot = await sign([populate(pool, 'claim_rewards')]);
    expectAddress(ot.outsideExecution.caller, pm.address);
    const before = await view<Record<string, bigint>>(pm, 'get_account', [worker.address]);
    const totalBefore = await view<bigint>(pm, 'total_sponsored');

    const r = await send(relayer.account, sponsoredCall(pm.address, ot));

    expect(await ciro(worker.address)).toBe(reward);
    expect(await view(pool, 'pending_rewards', [worker.address])).toBe(0n);
    expect((await view<Record<string, unknown>>(pool, 'get_worker', [worker.address])).total_claimed).toBe(reward);
    const claimed = oneEvent(pool, r, 'RewardsClaimed');
    expectAddress(claimed.worker, worker.address);
    expect(claimed.amount).toBe(reward);

    const ev = oneEvent(pm, r, 'SponsoredExecution');
    expectAddress(ev.account, worker.address);
    expectAddress(ev.relayer, relayer.address);
    expect(BigInt(ev.nonce as string)).toBe(BigInt(ot.outsideExecution.nonce));
    expect(BigInt(ev.calls_hash as string)).toBe(callsHash(ot));
    expect(BigInt(ev.fee_token as string)).toBe(0n);
    expect(ev.fee_amount).toBe(0n);

    expect(await strkBalance(chain.provider, worker.address)).toBe(0n);
    expect(BigInt(await chain.provider.getNonceForAddress(worker.address))).toBe(0n);
    const after = await view<Record<string, bigint>>(pm, 'get_account', [worker.address]);
    expect(after.total_sponsored).toBe(before.total_sponsored! + 1n);
    expect(await view(pm, 'total_sponsored')).toBe(totalBefore + 1n);
    // The account consumed its own SNIP-9 nonce as well.
    const valid = await chain.provider.callContract({
      contractAddress: worker.address,
      entrypoint: 'is_valid_outside_execution_nonce',
      calldata: [ot.outsideExecution.nonce.toString()],
    });
    expect(BigInt(valid[0]!)).toBe(0n);
  });
});

describe('Paymaster.execute_sponsored refusals', () => {
  it("refuses a caller that is not a whitelisted relayer ('PM: caller not relayer')", async () => {
    const ot = await sign([heartbeat()]);
    await expectRevert(send(chain.client.account, sponsoredCall(pm.address, ot)), 'PM: caller not relayer');
  });

  it("refuses a selector outside the allowlist ('PM: call not allowed')", async () => {
    const model = [hash.starknetKeccak('evil').toString(), 0, 0n];
    const forbidden = populate(jobs, 'register_model', model);
    expect(await view(pm, 'is_allowed_call', [jobs.address, hash.getSelectorFromName('register_model')])).toBe(false);
    for (const calls of [[forbidden], [heartbeat(), forbidden]]) {
      const ot = await sign(calls);
      await expectRevert(send(relayer.account, sponsoredCall(pm.address, ot)), 'PM: call not allowed');
    }
  });

  it("refuses a blacklisted account ('PM: account blacklisted') until it is cleared", async () => {
    const ot = await sign([heartbeat()]);
    await send(chain.deployer.account, populate(pm, 'set_blacklisted', [worker.address, true]));
    await expectRevert(send(relayer.account, sponsoredCall(pm.address, ot)), 'PM: account blacklisted');
    await send(chain.deployer.account, populate(pm, 'set_blacklisted', [worker.address, false]));
    const r = await send(relayer.account, sponsoredCall(pm.address, ot));
    oneEvent(pool, r, 'Heartbeat');
  });

  it("refuses an account whose class is not allowed ('PM: account class not allowed') until it is re-allowed", async () => {
    const ozClass = await chain.provider.getClassHashAt(worker.address);
    const setClass = (allowed: 0 | 1) => populate(pm, 'set_account_class', [ozClass, allowed]);
    await expectRevert(send(relayer.account, setClass(0)), 'AC: missing role');
    const ot = await sign([heartbeat()]);
    const fee = await sign([heartbeat(), populate(token, 'transfer', [pm.address, CIRO / 2n])]);
    const off = await send(chain.deployer.account, setClass(0));
    expect(oneEvent(pm, off, 'AccountClassSet').allowed).toBe(false);
    try {
      expect(await view(pm, 'is_account_class', [ozClass])).toBe(false);
      await expectRevert(send(relayer.account, sponsoredCall(pm.address, ot)), 'PM: account class not allowed');
      await expectRevert(send(relayer.account, feeCall(pm.address, fee, token.address, CIRO / 2n)), 'PM: account class not allowed');
    } finally {
      await send(chain.deployer.account, setClass(1));
    }
    expect(await view(pm, 'is_account_class', [ozClass])).toBe(true);
    // Nothing was consumed by the refused attempt: the same signed payload goes through.
    const r = await send(relayer.account, sponsoredCall(pm.address, ot));
    oneEvent(pool, r, 'Heartbeat');
  });

  it("refuses a replayed outside execution ('PM: nonce already used'), from any relayer", async () => {
    const ot = await sign([heartbeat()]);
    await send(relayer.account, sponsoredCall(pm.address, ot));
    await expectRevert(send(relayer.account, sponsoredCall(pm.address, ot)), 'PM: nonce already used');
    await expectRevert(send(chain.relayers[1]!.account, sponsoredCall(pm.address, ot)), 'PM: nonce already used');
  });

  it("refuses everything while paused ('PM: paused')", async () => {
    const ot = await sign([heartbeat()]);
    await send(chain.deployer.account, populate(pm, 'pause'));
    try {
      await expectRevert(send(relayer.account, sponsoredCall(pm.address, ot)), 'PM: paused');
    } finally {
      await send(chain.deployer.account, populate(pm, 'unpause'));
    }
    await send(relayer.account, sponsoredCall(pm.address, ot));
  });
});

describe('account-side SNIP-9 checks behind the Paymaster', () => {
  const submit = (ot: Awaited<ReturnType<typeof sign>>) => send(relayer.account, sponsoredCall(pm.address, ot));

  it("the account refuses an outside execution meant for another caller ('SRC9: invalid caller')", async () => {
    const ot = await signOutside(chain.provider, worker.account, [heartbeat()], { caller: relayer.address });
    await expectRevert(submit(ot), 'SRC9: invalid caller');
  });

  it("the account refuses tampered calldata ('SRC9: invalid signature')", async () => {
    const ot = await sign([populate(pool, 'update_capabilities', [1])]);
    ot.outsideExecution.calls[0]!.calldata = ['255'];
    await expectRevert(submit(ot), 'SRC9: invalid signature');
  });

  it('the account enforces the time bounds', async () => {
    const opts = { caller: pm.address };
    const expired = await signOutside(chain.provider, worker.account, [heartbeat()], { ...opts, afterOffset: -7200, beforeOffset: -3600 });
    await expectRevert(submit(expired), 'SRC9: now >= execute_before');
    const early = await signOutside(chain.provider, worker.account, [heartbeat()], { ...opts, afterOffset: 3600, beforeOffset: 7200 });
    await expectRevert(submit(early), 'SRC9: now <= execute_after');
  });

  it('a reverting inner call reverts the whole sponsorship and counts nothing', async () => {
    const before = await view<Record<string, bigint>>(pm, 'get_account', [worker.address]);
    const ot = await sign([populate(pool, 'claim_rewards')]); // already claimed
    await expectRevert(submit(ot), 'CDC: no rewards');
    const after = await view<Record<string, bigint>>(pm, 'get_account', [worker.address]);
    expect(after.total_sponsored).toBe(before.total_sponsored);
  });
});

describe('Paymaster.execute_with_fee paying in CIRO', () => {
  const FEE = CIRO / 2n;
  const ciroTransfer = (to: string, amount: bigint) => populate(token, 'transfer', [to, amount]);

  it("refuses when the last call is not a transfer of the fee token ('PM: last call not fee transfer')", async () => {
    const strkTransfer: Call = { contractAddress: chain.manifest.tokens.STRK!.address, entrypoint: 'transfer', calldata: [pm.address, '1', '0'] };
    const elsewhere = ciroTransfer(relayer.address, FEE);
    for (const calls of [[heartbeat()], [heartbeat(), strkTransfer], [ciroTransfer(pm.address, FEE), heartbeat()], [heartbeat(), elsewhere]]) {
      const ot = await sign(calls);
      await expectRevert(send(relayer.account, feeCall(pm.address, ot, token.address, FEE)), 'PM: last call not fee transfer');
    }
  });

  it("refuses a fee that is short ('PM: fee not paid')", async () => {
    const ot = await sign([heartbeat(), ciroTransfer(pm.address, FEE - 1n)]);
    await expectRevert(send(relayer.account, feeCall(pm.address, ot, token.address, FEE)), 'PM: fee not paid');
  });

  it("refuses a zero fee, which would make the exempt last slot a free transfer ('PM: fee amount zero')", async () => {
    const ot = await sign([heartbeat(), ciroTransfer(pm.address, 0n)]);
    await expectRevert(send(relayer.account, feeCall(pm.address, ot, token.address, 0n)), 'PM: fee amount zero');
  });

  it('still applies the allowlist to every call but the fee transfer', async () => {
    const forbidden = populate(jobs, 'deactivate_model', [1]);
    const ot = await sign([forbidden, ciroTransfer(pm.address, FEE)]);
    await expectRevert(send(relayer.account, feeCall(pm.address, ot, token.address, FEE)), 'PM: call not allowed');
  });

  it('executes and collects the CIRO fee; the worker still holds zero STRK', async () => {
    const pmBefore = await ciro(pm.address);
    const workerBefore = await ciro(worker.address);
    const ot = await sign([heartbeat(), ciroTransfer(pm.address, FEE)]);
    const r = await send(relayer.account, feeCall(pm.address, ot, token.address, FEE));
    expect(await ciro(pm.address)).toBe(pmBefore + FEE);
    expect(await ciro(worker.address)).toBe(workerBefore - FEE);
    oneEvent(pool, r, 'Heartbeat');
    const ev = oneEvent(pm, r, 'SponsoredExecution');
    expectAddress(ev.account, worker.address);
    expectAddress(ev.relayer, relayer.address);
    expect(BigInt(ev.nonce as string)).toBe(BigInt(ot.outsideExecution.nonce));
    expect(BigInt(ev.calls_hash as string)).toBe(callsHash(ot));
    expectAddress(ev.fee_token, token.address);
    expect(ev.fee_amount).toBe(FEE);
    expect(await strkBalance(chain.provider, worker.address)).toBe(0n);
    await expectRevert(send(relayer.account, feeCall(pm.address, ot, token.address, FEE)), 'PM: nonce already used');
  });
});

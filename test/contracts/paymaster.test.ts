/**
 * Paymaster configuration surface on a real devnet: relayers, allowlist,
 * account classes, blacklist, fee tokens, tiers, per-account allowances,
 * fee withdrawal and pausing; quotas are in paymaster.quota.ts, on this
 * file's devnet. The sponsored claim and the execute refusals are in
 * sponsored-claim.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { hash, OutsideExecutionVersion, type Call, type Contract, type OutsideTransaction } from 'starknet';
import type { LocalChain } from '../../scripts/local/chain.ts';
import type { KeyedAccount } from '../../scripts/local/accounts.ts';
import { deployCiro } from '../../scripts/local/deploy.ts';
import { feeCall, sponsoredCall } from '../../scripts/local/outside.ts';
import {
  type AccountUsage,
  CIRO,
  expectFields,
  expectRevert,
  expectTxRevert,
  oneEvent,
  populate,
  ROLES,
  send,
  signForPaymaster,
  STRK_ADDRESS,
  useCiroChain,
  view,
} from '../helpers/contracts.ts';
import { describePaymasterQuotas, type PaymasterCtx } from './paymaster.quota.ts';

const suite = useCiroChain();
let chain: LocalChain;
let pm: Contract;
let token: Contract;
let pool: Contract;
let admin: KeyedAccount;
let relayer: KeyedAccount;
let user: KeyedAccount;
let user2: KeyedAccount;
let stranger: KeyedAccount;

const X = '0x1234'; // an arbitrary address for configuration round-trips
const SEL = hash.getSelectorFromName('anything');
const pmCall = (fn: string, args: unknown[] = []) => populate(pm, fn, args);
/** A cheap allowlisted call: CIRO.approve(pool, n). */
const approveCall = (n: bigint): Call => populate(token, 'approve', [pool.address, n]);
const ctx = (): PaymasterCtx => ({ chain, pm, token, pool, admin, relayer, user, user2, stranger });

beforeAll(() => {
  ({ chain, paymaster: pm, token, pool, admin } = suite);
  relayer = chain.relayers[0]!;
  user = chain.client;
  user2 = chain.spare[0]!;
  stranger = chain.spare[1]!;
});

describe('Paymaster after deploy', () => {
  it('has the relayers, allowlist, fee tokens and default tier wired', async () => {
    expect(await view(pm, 'is_relayer', [relayer.address])).toBe(true);
    expect(await view(pm, 'is_relayer', [chain.relayers[1]!.address])).toBe(true);
    expect(await view(pm, 'is_relayer', [stranger.address])).toBe(false);
    const claim = hash.getSelectorFromName('claim_rewards');
    expect(await view(pm, 'is_allowed_call', [pool.address, claim])).toBe(true);
    expect(await view(pm, 'is_allowed_call', [pool.address, hash.getSelectorFromName('slash')])).toBe(false);
    expect(await view(pm, 'is_fee_token', [STRK_ADDRESS])).toBe(true);
    expect(await view(pm, 'is_fee_token', [token.address])).toBe(true);
    expect(await view(pm, 'get_tier', [0])).toEqual({ max_txs_per_period: 1000n, period_seconds: 86400n });
    expect(await view(pm, 'total_sponsored')).toBe(0n);
    expect(await view(pm, 'is_paused')).toBe(false);
    expect(await view(pm, 'is_blacklisted', [user.address])).toBe(false);
  });

  it("allows the deployer's account class, listed first in the manifest", async () => {
    const ozClass = await chain.provider.getClassHashAt(admin.address);
    expect(BigInt(chain.manifest.accountClassHashes[0]!)).toBe(BigInt(ozClass));
    expect(await view(pm, 'is_account_class', [ozClass])).toBe(true);
    expect(await view(pm, 'is_account_class', [X])).toBe(false);
  });
});

describe('Paymaster OPERATOR_ROLE configuration', () => {
  it.each([
    ['add_relayer', [X], 'RelayerAdded', 'is_relayer', [X], true],
    ['remove_relayer', [X], 'RelayerRemoved', 'is_relayer', [X], false],
    ['set_allowed_call', [X, SEL, true], 'AllowedCallSet', 'is_allowed_call', [X, SEL], true],
    ['set_allowed_call', [X, SEL, false], 'AllowedCallSet', 'is_allowed_call', [X, SEL], false],
    ['set_blacklisted', [X, true], 'BlacklistUpdated', 'is_blacklisted', [X], true],
    ['set_blacklisted', [X, false], 'BlacklistUpdated', 'is_blacklisted', [X], false],
    ['set_fee_token', [X, true], 'FeeTokenSet', 'is_fee_token', [X], true],
    ['set_fee_token', [X, false], 'FeeTokenSet', 'is_fee_token', [X], false],
    ['set_account_class', [X, true], 'AccountClassSet', 'is_account_class', [X], true],
    ['set_account_class', [X, false], 'AccountClassSet', 'is_account_class', [X], false],
  ] as const)('%s(%s): operator only, emits %s, visible in %s', async (fn, args, event, viewFn, viewArgs, want) => {
    await expectTxRevert(stranger.account, pmCall(fn, [...args]), 'AC: missing role');
    const r = await send(admin.account, pmCall(fn, [...args]));
    oneEvent(pm, r, event);
    expect(await view(pm, viewFn, [...viewArgs])).toBe(want);
  });

  it('set_account_class emits the class hash as key and the flag', async () => {
    const cls = '0xc1a55';
    let ev = oneEvent(pm, await send(admin.account, pmCall('set_account_class', [cls, true])), 'AccountClassSet');
    expect(BigInt(ev.class_hash as string)).toBe(0xc1a55n);
    expect(ev.allowed).toBe(true);
    expect(await view(pm, 'is_account_class', [cls])).toBe(true);
    ev = oneEvent(pm, await send(admin.account, pmCall('set_account_class', [cls, false])), 'AccountClassSet');
    expect(BigInt(ev.class_hash as string)).toBe(0xc1a55n);
    expect(ev.allowed).toBe(false);
    expect(await view(pm, 'is_account_class', [cls])).toBe(false);
  });

  it('set_tier, set_account_tier and set_account_allowance are operator only and stored', async () => {
    await expectTxRevert(stranger.account, pmCall('set_tier', [3, 5, 60]), 'AC: missing role');
    await expectTxRevert(stranger.account, pmCall('set_account_tier', [X, 3]), 'AC: missing role');
    await expectTxRevert(stranger.account, pmCall('set_account_allowance', [X, 9]), 'AC: missing role');
    const r = await send(admin.account, [
      pmCall('set_tier', [3, 5, 60]),
      pmCall('set_account_tier', [X, 3]),
      pmCall('set_account_allowance', [X, 9]),
    ]);
    const tier = oneEvent(pm, r, 'TierSet');
    expect([tier.tier, tier.max_txs_per_period, tier.period_seconds]).toEqual([3n, 5n, 60n]);
    expect(oneEvent(pm, r, 'AccountTierSet').tier).toBe(3n);
    expect(oneEvent(pm, r, 'AccountAllowanceSet').max_txs_per_period).toBe(9n);
    expect(await view(pm, 'get_tier', [3])).toEqual({ max_txs_per_period: 5n, period_seconds: 60n });
    const acc = await view<AccountUsage>(pm, 'get_account', [X]);
    expect([acc.tier, acc.allowance_override.unwrap(), acc.txs_in_period]).toEqual([3n, 9n, 0n]);
  });

  it('a granted operator can configure but cannot withdraw fees (DEFAULT_ADMIN only)', async () => {
    await send(admin.account, pmCall('grant_role', [ROLES.OPERATOR, stranger.address]));
    await send(stranger.account, pmCall('add_relayer', [X]));
    expect(await view(pm, 'is_relayer', [X])).toBe(true);
    await expectTxRevert(stranger.account, pmCall('withdraw_fees', [token.address, stranger.address, 1n]), 'AC: missing role');
    await send(admin.account, pmCall('revoke_role', [ROLES.OPERATOR, stranger.address]));
    await expectTxRevert(stranger.account, pmCall('remove_relayer', [X]), 'AC: missing role');
  });
});

describe('Paymaster withdraw_fees (DEFAULT_ADMIN_ROLE)', () => {
  it('sends collected tokens out and cannot overdraw', async () => {
    await send(admin.account, populate(token, 'transfer', [pm.address, 5n * CIRO]));
    const before = await view<bigint>(token, 'balance_of', [user2.address]);
    const r = await send(admin.account, pmCall('withdraw_fees', [token.address, user2.address, 2n * CIRO]));
    expectFields(oneEvent(pm, r, 'FeesWithdrawn'), { token: token.address, to: user2.address, amount: 2n * CIRO });
    expect(await view<bigint>(token, 'balance_of', [user2.address])).toBe(before + 2n * CIRO);
    expect(await view<bigint>(token, 'balance_of', [pm.address])).toBe(3n * CIRO);
    await expectTxRevert(admin.account, pmCall('withdraw_fees', [token.address, user2.address, 4n * CIRO]), 'ERC20: insufficient balance');
  });
});

describe('Paymaster execute pre-checks and quotas', () => {
  it("refuses an outside execution without calls ('PM: no calls')", async () => {
    const ot: OutsideTransaction = {
      outsideExecution: { caller: pm.address, nonce: '0x77', execute_after: 0, execute_before: 2 ** 40, calls: [] },
      signature: [],
      signerAddress: user.address,
      version: OutsideExecutionVersion.V2,
    };
    await expectRevert(send(relayer.account, sponsoredCall(pm.address, ot)), 'PM: no calls');
    await expectRevert(send(relayer.account, feeCall(pm.address, ot, token.address, 1n)), 'PM: no calls');
  });

  it("refuses a fee token that is not enabled ('PM: fee token unsupported')", async () => {
    const jobs = chain.manifest.contracts.job_mgr.address;
    const ot = await signForPaymaster(chain.provider, chain.manifest, user, [approveCall(1n)]);
    await expectRevert(send(relayer.account, feeCall(pm.address, ot, jobs, 1n)), 'PM: fee token unsupported');
  });
});

describePaymasterQuotas(ctx);

describe('Paymaster pause (PAUSER_ROLE)', () => {
  it('stops both execute entry points until unpaused', async () => {
    await expectTxRevert(stranger.account, pmCall('pause'), 'AC: missing role');
    await send(admin.account, pmCall('pause'));
    expect(await view(pm, 'is_paused')).toBe(true);
    await expectTxRevert(admin.account, pmCall('pause'), 'PAUSE: already paused');
    const ot = await signForPaymaster(chain.provider, chain.manifest, user, [approveCall(9n)]);
    await expectRevert(send(relayer.account, sponsoredCall(pm.address, ot)), 'PM: paused');
    await expectRevert(send(relayer.account, feeCall(pm.address, ot, token.address, 0n)), 'PM: paused');
    await expectTxRevert(stranger.account, pmCall('unpause'), 'AC: missing role');
    await send(admin.account, pmCall('unpause'));
    await expectTxRevert(admin.account, pmCall('unpause'), 'PAUSE: not paused');
    await send(relayer.account, sponsoredCall(pm.address, ot));
    expect(await view(token, 'allowance', [user.address, pool.address])).toBe(9n);
  });
});

describe('deploy option accountClasses', () => {
  it('allows the extra classes on the Paymaster and lists them after the deployer class', async () => {
    const argentLike = '0xa2c1a55';
    const ozClass = chain.manifest.accountClassHashes[0]!;
    expect(await view(pm, 'is_account_class', [argentLike])).toBe(false);
    const again = await deployCiro(chain.provider, admin.account, {
      relayers: chain.relayers.map((r) => r.address),
      accountClasses: [argentLike, ozClass],
    });
    expect(again.contracts).toEqual(chain.manifest.contracts);
    expect(again.accountClassHashes.map((c) => BigInt(c))).toEqual([BigInt(ozClass), BigInt(argentLike)]);
    expect(await view(pm, 'is_account_class', [argentLike])).toBe(true);
    expect(await view(pm, 'is_account_class', [ozClass])).toBe(true);
  });
});

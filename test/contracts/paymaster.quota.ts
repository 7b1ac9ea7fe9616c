/**
 * Paymaster quotas: per-account allowances over the tier period, tiers with
 * max 0, and the refusals from the security review (a tier without a period,
 * an account put in a tier never configured, an explicit zero allowance that
 * used to read as "none set"). Registered into paymaster.test.ts so they share
 * its devnet; `user` and `user2` start out in tier 0 without an allowance.
 */
import { describe, expect, it } from 'vitest';
import type { Call, Contract } from 'starknet';
import type { LocalChain } from '../../scripts/local/chain.ts';
import type { KeyedAccount } from '../../scripts/local/accounts.ts';
import { increaseTime } from '../../scripts/local/devnet.ts';
import { feeCall } from '../../scripts/local/outside.ts';
import {
  type AccountUsage,
  blockTime,
  expectBlockTime,
  expectFields,
  expectRevert,
  expectTxRevert,
  oneEvent,
  populate,
  send,
  signForPaymaster,
  sponsorVia,
  STRK_ADDRESS,
  view,
} from '../helpers/contracts.ts';

export interface PaymasterCtx {
  chain: LocalChain;
  pm: Contract;
  token: Contract;
  pool: Contract;
  admin: KeyedAccount;
  relayer: KeyedAccount;
  user: KeyedAccount;
  user2: KeyedAccount;
  stranger: KeyedAccount;
}

export function describePaymasterQuotas(get: () => PaymasterCtx): void {
  const pmCall = (fn: string, args: unknown[] = []) => populate(get().pm, fn, args);
  const usage = (a: KeyedAccount) => view<AccountUsage>(get().pm, 'get_account', [a.address]);
  /** A cheap allowlisted call: CIRO.approve(pool, n). */
  const approveCall = (n: bigint): Call => populate(get().token, 'approve', [get().pool.address, n]);
  const sponsor = (user: KeyedAccount, n: bigint) => {
    const { chain, relayer } = get();
    return sponsorVia(chain.provider, chain.manifest, relayer, user, [approveCall(n)]);
  };
  const admin = () => get().admin.account;

  describe('Paymaster quotas', () => {
    it('counts sponsored executions against the per-account allowance and resets with the period', async () => {
      const { chain, pm, token, pool, user } = get();
      const total = await view<bigint>(pm, 'total_sponsored');
      await send(admin(), pmCall('set_account_allowance', [user.address, 2]));
      await sponsor(user, 1n);
      await sponsor(user, 2n);
      expect(await view(token, 'allowance', [user.address, pool.address])).toBe(2n);
      let u = await usage(user);
      expect([u.txs_in_period, u.total_sponsored]).toEqual([2n, 2n]);
      expect(await view(pm, 'total_sponsored')).toBe(total + 2n);
      await expectRevert(sponsor(user, 3n), 'PM: quota exceeded');
      await increaseTime(chain.devnet.url, 86_401);
      const { receipt } = await sponsor(user, 3n);
      u = await usage(user);
      expect(u.txs_in_period).toBe(1n);
      expect(u.total_sponsored).toBe(3n);
      expectBlockTime(u.period_start, await blockTime(chain.provider, receipt));
    });

    it('a tier with max 0 blocks sponsorship unless a per-account allowance overrides it; fee mode is not quota-limited', async () => {
      const { chain, pm, relayer, user2 } = get();
      await send(admin(), [pmCall('set_tier', [7, 0, 3600]), pmCall('set_account_tier', [user2.address, 7])]);
      await expectRevert(sponsor(user2, 1n), 'PM: quota exceeded');
      await send(admin(), pmCall('set_account_allowance', [user2.address, 1]));
      await sponsor(user2, 1n);
      await expectRevert(sponsor(user2, 2n), 'PM: quota exceeded');
      const fee = 1000n;
      const strkTransfer: Call = { contractAddress: STRK_ADDRESS, entrypoint: 'transfer', calldata: [pm.address, fee.toString(), '0'] };
      const ot = await signForPaymaster(chain.provider, chain.manifest, user2, [approveCall(2n), strkTransfer]);
      const r = await send(relayer.account, feeCall(pm.address, ot, STRK_ADDRESS, fee));
      expectFields(oneEvent(pm, r, 'SponsoredExecution'), { fee_token: STRK_ADDRESS, fee_amount: fee });
      expect((await usage(user2)).total_sponsored).toBe(2n);
    });

    // Before the fix a period of 0 restarted the count on every transaction, so a max of 1 bound nothing.
    it("refuses a tier without a period ('PM: tier period zero')", async () => {
      await expectTxRevert(get().admin.account, pmCall('set_tier', [8, 1, 0]), 'PM: tier period zero');
      await expectTxRevert(get().admin.account, pmCall('set_tier', [0, 1000, 0]), 'PM: tier period zero');
      expect(await view(get().pm, 'get_tier', [8])).toEqual({ max_txs_per_period: 0n, period_seconds: 0n });
      expect(await view(get().pm, 'get_tier', [0])).toEqual({ max_txs_per_period: 1000n, period_seconds: 86400n });
    });

    // An unset tier reads as period 0 too: an account allowance there would bind nothing either.
    it("refuses to put an account in a tier never configured ('PM: tier not set')", async () => {
      const { user } = get();
      await expectTxRevert(get().admin.account, pmCall('set_account_tier', [user.address, 8]), 'PM: tier not set');
      expect((await usage(user)).tier).toBe(0n);
    });

    // Before the fix an allowance of 0 read as "none set", so the tier's 1000 a day applied.
    it('an explicit zero allowance sponsors nothing; clear_account_allowance hands the account back to its tier', async () => {
      const { pm, user, stranger } = get();
      expect((await usage(user)).allowance_override.unwrap()).toBe(2n);
      let r = await send(admin(), pmCall('set_account_allowance', [user.address, 0]));
      expect(oneEvent(pm, r, 'AccountAllowanceSet').max_txs_per_period).toBe(0n);
      const u = await usage(user);
      expect([u.allowance_override.isSome(), u.allowance_override.unwrap()]).toEqual([true, 0n]);
      await expectRevert(sponsor(user, 4n), 'PM: quota exceeded');
      await expectTxRevert(stranger.account, pmCall('clear_account_allowance', [user.address]), 'AC: missing role');
      r = await send(admin(), pmCall('clear_account_allowance', [user.address]));
      expectFields(oneEvent(pm, r, 'AccountAllowanceCleared'), { account: user.address });
      expect((await usage(user)).allowance_override.isNone()).toBe(true);
      await sponsor(user, 4n);
      expect((await usage(user)).txs_in_period).toBe(2n);
    });
  });
}

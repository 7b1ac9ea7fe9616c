/**
 * Changing the upgrade delay, on the Paymaster (the four contracts share the
 * component): a longer delay applies at once, a shorter one only once the
 * delay in force has passed, so it never lets an upgrade through sooner than
 * scheduling it right away would. Then the deploy script's `upgradeDelay`.
 * Registered into access-upgrade.test.ts so it shares its devnet; runs last there.
 */
import { describe, expect, it } from 'vitest';
import type { Contract } from 'starknet';
import type { LocalChain } from '../../scripts/local/chain.ts';
import type { KeyedAccount } from '../../scripts/local/accounts.ts';
import { deployCiro } from '../../scripts/local/deploy.ts';
import { increaseTime } from '../../scripts/local/devnet.ts';
import {
  blockTime,
  ciroContracts,
  DEFAULT_UPGRADE_DELAY,
  expectBlockTime,
  expectTxRevert,
  oneEvent,
  populate,
  send,
  view,
} from '../helpers/contracts.ts';

export interface UpgradeDelayCtx {
  chain: LocalChain;
  admin: KeyedAccount;
  stranger: KeyedAccount;
  paymaster: Contract;
}

type Pending = { delay: bigint; effective_at: bigint };
const DAY = 86_400;

export function describeUpgradeDelay(get: () => UpgradeDelayCtx): void {
  const pm = () => get().paymaster;
  const admin = () => get().admin.account;
  const pmCall = (fn: string, args: unknown[] = []) => populate(pm(), fn, args);
  const classHash = () => get().chain.manifest.contracts.paymaster.classHash;
  /** Sends `fn` as the admin; the block time it ran at. */
  const at = async (fn: string, args: unknown[] = []) => {
    const r = await send(admin(), pmCall(fn, args));
    return { r, time: await blockTime(get().chain.provider, r) };
  };

  describe('upgrade delay (DEFAULT_ADMIN_ROLE)', () => {
    it("set_upgrade_delay and cancel_upgrade are admin only; more than 365 days is refused ('UPG: delay too long')", async () => {
      const { stranger } = get();
      await expectTxRevert(stranger.account, pmCall('set_upgrade_delay', [0]), 'AC: missing role');
      await expectTxRevert(stranger.account, pmCall('cancel_upgrade'), 'AC: missing role');
      await expectTxRevert(admin(), pmCall('cancel_upgrade'), 'UPG: not scheduled');
      await expectTxRevert(admin(), pmCall('set_upgrade_delay', [365 * DAY + 1]), 'UPG: delay too long');
    });

    it('a shorter delay waits out the current one; meanwhile nothing is scheduled any sooner', async () => {
      const D = BigInt(DEFAULT_UPGRADE_DELAY);
      await send(admin(), pmCall('schedule_upgrade', [classHash()]));
      const { r, time } = await at('set_upgrade_delay', [60]);
      const ev = oneEvent(pm(), r, 'UpgradeDelaySet');
      expect(ev.delay).toBe(60n);
      expectBlockTime((ev.effective_at as bigint) - D, time);
      expect(await view(pm(), 'upgrade_delay')).toBe(D);
      expect(await view<Pending>(pm(), 'pending_upgrade_delay')).toEqual({ delay: 60n, effective_at: ev.effective_at });
      // Re-scheduling under the pending shorter delay still takes the full one (and replaces the first).
      const again = await at('schedule_upgrade', [classHash()]);
      oneEvent(pm(), again.r, 'UpgradeCancelled');
      expectBlockTime((oneEvent(pm(), again.r, 'UpgradeScheduled').ready_at as bigint) - D, again.time);
      await expectTxRevert(admin(), pmCall('upgrade', [classHash()]), 'UPG: not ready');
      const cancel = await send(admin(), pmCall('cancel_upgrade'));
      expect(BigInt(oneEvent(pm(), cancel, 'UpgradeCancelled').class_hash as string)).toBe(BigInt(classHash()));
      await increaseTime(get().chain.devnet.url, DEFAULT_UPGRADE_DELAY);
      // Cancelled stays cancelled once its time has come.
      await expectTxRevert(admin(), pmCall('upgrade', [classHash()]), 'UPG: not scheduled');
      expect(await view(pm(), 'upgrade_delay')).toBe(60n);
      expect(await view<Pending>(pm(), 'pending_upgrade_delay')).toEqual({ delay: 0n, effective_at: 0n });
      const s = await at('schedule_upgrade', [classHash()]);
      expectBlockTime((oneEvent(pm(), s.r, 'UpgradeScheduled').ready_at as bigint) - 60n, s.time);
      await expectTxRevert(admin(), pmCall('upgrade', [classHash()]), 'UPG: not ready');
      await increaseTime(get().chain.devnet.url, 61);
      await send(admin(), pmCall('upgrade', [classHash()]));
    });

    it('a longer delay applies at once', async () => {
      const { r, time } = await at('set_upgrade_delay', [3 * DAY]);
      const ev = oneEvent(pm(), r, 'UpgradeDelaySet');
      expect(ev.delay).toBe(BigInt(3 * DAY));
      expectBlockTime(ev.effective_at, time);
      expect(await view(pm(), 'upgrade_delay')).toBe(BigInt(3 * DAY));
    });

    it('deploy option upgradeDelay: applied to all four contracts, a shorter one requested only once', async () => {
      const { chain } = get();
      const redeploy = (upgradeDelay: number) =>
        deployCiro(chain.provider, chain.deployer.account, { relayers: chain.relayers.map((x) => x.address), upgradeDelay });
      const all = Object.values(ciroContracts(chain.provider, chain.manifest));
      await redeploy(3 * DAY);
      for (const c of all) expect(await view(c, 'upgrade_delay')).toBe(BigInt(3 * DAY));
      await redeploy(DAY);
      const pending = await Promise.all(all.map((c) => view<Pending>(c, 'pending_upgrade_delay')));
      for (const p of pending) expect(p.delay).toBe(BigInt(DAY));
      // A second run finds the request pending and leaves its effective time alone.
      await increaseTime(chain.devnet.url, 60);
      await redeploy(DAY);
      expect(await Promise.all(all.map((c) => view<Pending>(c, 'pending_upgrade_delay')))).toEqual(pending);
      for (const c of all) expect(await view(c, 'upgrade_delay')).toBe(BigInt(3 * DAY));
    });
  });
}

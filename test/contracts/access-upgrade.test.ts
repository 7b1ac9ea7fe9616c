/**
 * The shared components on all four contracts, on a real devnet: access
 * control (has_role, get_role_admin, grant/revoke/renounce, the last admin
 * kept), SRC-5 and time-locked upgrades (DEFAULT_ADMIN only, only a scheduled
 * class and only after the delay, a real class swap). Changing the delay is in
 * upgrade-delay.ts, on this file's devnet. Pausing is covered per contract in
 * the other suites.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CallData, type Contract } from 'starknet';
import type { LocalChain } from '../../scripts/local/chain.ts';
import type { KeyedAccount } from '../../scripts/local/accounts.ts';
import { loadArtifact, type ArtifactName } from '../../scripts/local/artifacts.ts';
import { increaseTime } from '../../scripts/local/devnet.ts';
import {
  blockTime,
  contractAt,
  DEFAULT_UPGRADE_DELAY,
  eventsNamed,
  expectAddress,
  expectBlockTime,
  expectRevert,
  expectTxRevert,
  ISRC5_ID,
  oneEvent,
  populate,
  ROLES,
  send,
  upgradeNow,
  useCiroChain,
  view,
  type CiroContracts,
} from '../helpers/contracts.ts';
import { abiInterfaces } from './src5.ts';
import { describeUpgradeDelay } from './upgrade-delay.ts';

type Key = keyof CiroContracts;

/** Roles the constructor grants the admin (contracts/README.md). */
const ADMIN_ROLES: Record<Key, (keyof typeof ROLES)[]> = {
  token: ['DEFAULT_ADMIN', 'MINTER'],
  pool: ['DEFAULT_ADMIN', 'PAUSER', 'SLASHER', 'JOB_MANAGER'],
  jobs: ['DEFAULT_ADMIN', 'PAUSER', 'MODEL_ADMIN', 'COORDINATOR', 'ARBITER'],
  paymaster: ['DEFAULT_ADMIN', 'OPERATOR', 'PAUSER'],
};
const MANIFEST_KEY = { token: 'ciro_token', pool: 'cdc_pool', jobs: 'job_mgr', paymaster: 'paymaster' } as const;
const ARTIFACT: Record<Key, ArtifactName> = { token: 'CiroToken', pool: 'CdcPool', jobs: 'JobMgr', paymaster: 'Paymaster' };
/** Interfaces only some of the contracts implement, to check nobody claims one it lacks. */
const ALL_INTERFACES = new Map(
  (Object.values(ARTIFACT) as ArtifactName[]).flatMap((name) => abiInterfaces(name).map((i) => [i.name, i.id] as const)),
);

const suite = useCiroChain({ relayerCount: 1 });
let chain: LocalChain;
let cs: CiroContracts;
let admin: KeyedAccount;
let stranger: KeyedAccount;
let other: KeyedAccount;

beforeAll(() => {
  ({ chain, admin } = suite);
  cs = suite;
  stranger = chain.spare[0]!;
  other = chain.client;
});

describe.each(['token', 'pool', 'jobs', 'paymaster'] as const)('%s: access control, SRC-5, upgrade', (key) => {
  const c = (): Contract => cs[key];
  const role = ROLES.PAUSER; // any role works for grant/revoke round-trips; PAUSER is not held by `other`

  it('grants the admin its roles; every role is administered by DEFAULT_ADMIN_ROLE', async () => {
    for (const r of Object.keys(ROLES) as (keyof typeof ROLES)[]) {
      const want = ADMIN_ROLES[key].includes(r);
      expect(await view(c(), 'has_role', [ROLES[r], admin.address]), `${key} ${r}`).toBe(want);
      expect(await view(c(), 'has_role', [ROLES[r], stranger.address])).toBe(false);
      expect(await view(c(), 'get_role_admin', [ROLES[r]])).toBe(0n);
    }
  });

  it('supports SRC-5 and nothing unknown', async () => {
    expect(await view(c(), 'supports_interface', [ISRC5_ID])).toBe(true);
    expect(await view(c(), 'supports_interface', ['0x1234'])).toBe(false);
  });

  it('supports_interface: true for the SRC-5 id of every interface in its ABI, false for the others', async () => {
    const own = new Set(abiInterfaces(ARTIFACT[key]).map((i) => i.id));
    expect(own.size).toBeGreaterThanOrEqual(4);
    for (const [name, id] of ALL_INTERFACES) {
      expect(await view(c(), 'supports_interface', [id]), `${key} ${name} ${id}`).toBe(own.has(id));
    }
    // OpenZeppelin's IAccessControl differs (its renounce_role takes an account).
    const ozAccessControl = '0x23700be02858dbe2ac4dc9c9f66d0b6b0ed81ec7f970ca6844500a56ff61751';
    expect(await view(c(), 'supports_interface', [ozAccessControl])).toBe(false);
  });

  it('grant_role: admin only, emits RoleGranted once', async () => {
    await expectTxRevert(stranger.account, populate(c(), 'grant_role', [role, stranger.address]), 'AC: missing role');
    const r = await send(admin.account, populate(c(), 'grant_role', [role, other.address]));
    const ev = oneEvent(c(), r, 'RoleGranted');
    expect(BigInt(ev.role as string)).toBe(BigInt(role));
    expectAddress(ev.account, other.address);
    expectAddress(ev.sender, admin.address);
    expect(await view(c(), 'has_role', [role, other.address])).toBe(true);
    const again = await send(admin.account, populate(c(), 'grant_role', [role, other.address]));
    expect(eventsNamed(c(), again, 'RoleGranted')).toHaveLength(0);
  });

  it('revoke_role: admin only, emits RoleRevoked', async () => {
    await expectTxRevert(stranger.account, populate(c(), 'revoke_role', [role, other.address]), 'AC: missing role');
    // A non-admin role holder cannot revoke either.
    await expectTxRevert(other.account, populate(c(), 'revoke_role', [role, other.address]), 'AC: missing role');
    const r = await send(admin.account, populate(c(), 'revoke_role', [role, other.address]));
    expectAddress(oneEvent(c(), r, 'RoleRevoked').account, other.address);
    expect(await view(c(), 'has_role', [role, other.address])).toBe(false);
  });

  it('renounce_role drops the caller’s own role; renouncing a role not held reverts', async () => {
    await send(admin.account, populate(c(), 'grant_role', [role, other.address]));
    const r = await send(other.account, populate(c(), 'renounce_role', [role]));
    const ev = oneEvent(c(), r, 'RoleRevoked');
    expectAddress(ev.account, other.address);
    expectAddress(ev.sender, other.address);
    expect(await view(c(), 'has_role', [role, other.address])).toBe(false);
    await expectTxRevert(other.account, populate(c(), 'renounce_role', [role]), 'AC: missing role');
  });

  it("the last DEFAULT_ADMIN can neither renounce nor be revoked ('AC: last admin')", async () => {
    const admins = ROLES.DEFAULT_ADMIN;
    await expectTxRevert(admin.account, populate(c(), 'renounce_role', [admins]), 'AC: last admin');
    await expectTxRevert(admin.account, populate(c(), 'revoke_role', [admins, admin.address]), 'AC: last admin');
    // With a second admin either may go, and then the other is the last.
    await send(admin.account, populate(c(), 'grant_role', [admins, other.address]));
    await send(other.account, populate(c(), 'renounce_role', [admins]));
    await send(admin.account, populate(c(), 'grant_role', [admins, other.address]));
    await send(admin.account, populate(c(), 'revoke_role', [admins, other.address]));
    expect(await view(c(), 'has_role', [admins, other.address])).toBe(false);
    await expectTxRevert(admin.account, populate(c(), 'renounce_role', [admins]), 'AC: last admin');
    expect(await view(c(), 'has_role', [admins, admin.address])).toBe(true);
  });

  it('upgrade: DEFAULT_ADMIN only, and only the class scheduled at least the delay before', async () => {
    const classHash = chain.manifest.contracts[MANIFEST_KEY[key]].classHash;
    expect(await view(c(), 'upgrade_delay')).toBe(BigInt(DEFAULT_UPGRADE_DELAY));
    // Before the fix this upgraded on the spot.
    await expectTxRevert(admin.account, populate(c(), 'upgrade', [classHash]), 'UPG: not scheduled');
    await expectTxRevert(stranger.account, populate(c(), 'schedule_upgrade', [classHash]), 'AC: missing role');
    // Holding other roles is not enough.
    await send(admin.account, populate(c(), 'grant_role', [role, other.address]));
    await expectTxRevert(other.account, populate(c(), 'schedule_upgrade', [classHash]), 'AC: missing role');
    await expectTxRevert(admin.account, populate(c(), 'schedule_upgrade', ['0x0']), 'UPG: class hash zero');
    const r = await send(admin.account, populate(c(), 'schedule_upgrade', [classHash]));
    const ev = oneEvent(c(), r, 'UpgradeScheduled');
    expect(BigInt(ev.class_hash as string)).toBe(BigInt(classHash));
    expectBlockTime((ev.ready_at as bigint) - BigInt(DEFAULT_UPGRADE_DELAY), await blockTime(chain.provider, r));
    const scheduled = await view<{ class_hash: bigint; ready_at: bigint }>(c(), 'scheduled_upgrade');
    expect([BigInt(scheduled.class_hash), scheduled.ready_at]).toEqual([BigInt(classHash), ev.ready_at]);
    await expectTxRevert(admin.account, populate(c(), 'upgrade', [classHash]), 'UPG: not ready');
    await increaseTime(chain.devnet.url, DEFAULT_UPGRADE_DELAY);
    await expectTxRevert(stranger.account, populate(c(), 'upgrade', [classHash]), 'AC: missing role');
    // Only the class that was announced: the oracle's is none of the CIRO contracts'.
    const unannounced = chain.manifest.oracles.pragma!.classHash;
    await expectTxRevert(admin.account, populate(c(), 'upgrade', [unannounced]), 'UPG: not scheduled');
    const up = await send(admin.account, populate(c(), 'upgrade', [classHash]));
    expect(BigInt(oneEvent(c(), up, 'Upgraded').class_hash as string)).toBe(BigInt(classHash));
    expect(BigInt(await chain.provider.getClassHashAt(c().address))).toBe(BigInt(classHash));
    expect(await view(c(), 'has_role', [ROLES.DEFAULT_ADMIN, admin.address])).toBe(true);
    // One schedule, one upgrade.
    await expectTxRevert(admin.account, populate(c(), 'upgrade', [classHash]), 'UPG: not scheduled');
  });
});

describe('upgrade swaps the class behind the address', () => {
  it('a throwaway CiroToken upgraded to the CdcPool class answers with the new code and keeps its storage', async () => {
    const tokenClass = chain.manifest.contracts.ciro_token.classHash;
    const poolClass = chain.manifest.contracts.cdc_pool.classHash;
    const calldata = new CallData(loadArtifact('CiroToken').sierra.abi).compile('constructor', {
      name: 'TMP',
      symbol: 'TMP',
      decimals: 6,
      initial_supply: 1000n,
      recipient: admin.address,
      admin: admin.address,
    });
    const dep = await admin.account.deployContract({ classHash: tokenClass, constructorCalldata: calldata });
    await chain.provider.waitForTransaction(dep.transaction_hash);
    const tmp = contractAt(chain.provider, 'CiroToken', dep.contract_address);
    expect(await view(tmp, 'symbol')).toBe('TMP');

    await upgradeNow(chain, admin, tmp, poolClass);
    expect(BigInt(await chain.provider.getClassHashAt(tmp.address))).toBe(BigInt(poolClass));
    const asPool = contractAt(chain.provider, 'CdcPool', tmp.address);
    expect(await view(asPool, 'worker_count')).toBe(0n);
    // The access-control storage survived the swap.
    expect(await view(asPool, 'has_role', [ROLES.MINTER, admin.address])).toBe(true);
    await expect(view(tmp, 'symbol')).rejects.toThrow();
  });
});

describe('constructor guards', () => {
  const deploy = (name: 'CdcPool' | 'JobMgr', args: Record<string, unknown>) => {
    const classHash = chain.manifest.contracts[name === 'CdcPool' ? 'cdc_pool' : 'job_mgr'].classHash;
    const constructorCalldata = new CallData(loadArtifact(name).sierra.abi).compile('constructor', args as never);
    return admin.account.deployContract({ classHash, constructorCalldata });
  };
  const c = () => chain.manifest.contracts;

  it("CdcPool refuses a zero token ('CDC: zero address')", async () => {
    const args = { admin: admin.address, token: '0x0', min_stake: 1n, unstake_delay: 1, heartbeat_timeout: 1 };
    await expectRevert(deploy('CdcPool', args), 'CDC: zero address');
  });

  it("JobMgr refuses a zero token or pool ('JOB: zero address') and a zero timeout ('JOB: timeout zero')", async () => {
    const ok = { admin: admin.address, token: c().ciro_token.address, cdc_pool: c().cdc_pool.address, default_timeout: 60 };
    await expectRevert(deploy('JobMgr', { ...ok, token: '0x0' }), 'JOB: zero address');
    await expectRevert(deploy('JobMgr', { ...ok, cdc_pool: '0x0' }), 'JOB: zero address');
    await expectRevert(deploy('JobMgr', { ...ok, default_timeout: 0 }), 'JOB: timeout zero');
    const res = await deploy('JobMgr', ok);
    await chain.provider.waitForTransaction(res.transaction_hash, { retryInterval: 100 });
    const fresh = contractAt(chain.provider, 'JobMgr', res.contract_address);
    expect(await view(fresh, 'default_timeout')).toBe(60n);
  });
});

describeUpgradeDelay(() => ({ chain, admin, stranger, paymaster: cs.paymaster }));

/**
 * Helpers for the contract suites in test/contracts: one devnet per suite
 * (`useCiroChain`), typed-enough handles on the CIRO contracts, SNIP-9
 * sponsorship through the Paymaster, and the upgrade schedule (`upgradeNow`).
 * Receipts, events and `expectRevert` are in receipts.ts, re-exported here.
 */
import { afterAll, beforeAll } from 'vitest';
import {
  CairoOption,
  CairoOptionVariant,
  config,
  Contract,
  hash,
  shortString,
  type Call,
  type OutsideTransaction,
  type RpcProvider,
} from 'starknet';
import { loadArtifact, type ArtifactName } from '../../scripts/local/artifacts.ts';
import { startLocalChain, type LocalChain, type LocalChainOptions } from '../../scripts/local/chain.ts';
import { STRK_ADDRESS } from '../../scripts/local/deploy.ts';
import { increaseTime } from '../../scripts/local/devnet.ts';
import type { Manifest } from '../../relay/chain/manifest.ts';
import type { KeyedAccount } from '../../scripts/local/accounts.ts';
import { signOutside, sponsoredCall, type OutsideOptions } from '../../scripts/local/outside.ts';
import { send, type Receipt } from './receipts.ts';

export * from './receipts.ts';

export { STRK_ADDRESS };

/**
 * starknet.js defaults are tuned for public networks: a 5 s receipt poll
 * (every devnet transaction would cost 5 s, the chain setup included) and tip
 * estimation that warns on an empty chain. Applied once, on import, so it is in
 * force before the suites' beforeAll starts the chain.
 */
function tuneForDevnet(): void {
  const defaults = config.get('channelDefaults') as { options: Record<string, unknown> };
  config.set('channelDefaults', {
    ...defaults,
    options: { ...defaults.options, transactionRetryIntervalFallback: 100 },
  } as never);
  config.set('logLevel', 'ERROR');
}
tuneForDevnet();
export const CIRO = 10n ** 18n;
export const MAX_U256 = (1n << 256n) - 1n;
/** The contracts' upgrade delay unless an admin changed it (contracts/src/upgrade.cairo). */
export const DEFAULT_UPGRADE_DELAY = 172_800;
export const ISRC5_ID = '0x3f918d17e5ee77373b56385708f855659a07f75997f365cf87748628532a055';

export const felt = (s: string): string => shortString.encodeShortString(s);

export const ROLES = {
  DEFAULT_ADMIN: '0x0',
  MINTER: felt('MINTER_ROLE'),
  PAUSER: felt('PAUSER_ROLE'),
  OPERATOR: felt('OPERATOR_ROLE'),
  SLASHER: felt('SLASHER_ROLE'),
  JOB_MANAGER: felt('JOB_MANAGER_ROLE'),
  COORDINATOR: felt('COORDINATOR_ROLE'),
  ARBITER: felt('ARBITER_ROLE'),
  MODEL_ADMIN: felt('MODEL_ADMIN_ROLE'),
} as const;

/** CdcPool's worker self-service calls (register_worker aside), with arguments any worker may send. */
export const POOL_WORKER_CALLS: [string, unknown[]][] = [
  ['update_capabilities', [1]],
  ['stake', [1n]],
  ['request_unstake', [1n]],
  ['withdraw_unstaked', []],
  ['heartbeat', []],
  ['claim_rewards', []],
];

/** Paymaster.get_account, as parsed from the ABI. */
export interface AccountUsage {
  tier: bigint;
  /** None: the tier's max applies; Some(n), even Some(0): the account's own allowance. */
  allowance_override: CairoOption<bigint>;
  period_start: bigint;
  txs_in_period: bigint;
  total_sponsored: bigint;
}

export interface CiroContracts {
  token: Contract;
  pool: Contract;
  jobs: Contract;
  paymaster: Contract;
}

/** What `useCiroChain` fills in before the suite's own `beforeAll` hooks run. */
export interface CiroSuite extends CiroContracts {
  chain: LocalChain;
  /** The deployer: every role on every contract. */
  admin: KeyedAccount;
}

/**
 * One devnet with the CIRO contracts deployed for the calling suite: started
 * in a `beforeAll` registered here (so before the suite's own), stopped after
 * the suite. Read the fields inside hooks and tests, not at module level.
 */
export function useCiroChain(opts: LocalChainOptions = {}): CiroSuite {
  const suite = {} as CiroSuite;
  beforeAll(async () => {
    const chain = await startLocalChain(opts);
    Object.assign(suite, { chain, admin: chain.deployer, ...ciroContracts(chain.provider, chain.manifest) });
  });
  afterAll(async () => {
    await suite.chain?.stop();
  });
  return suite;
}

export function contractAt(provider: RpcProvider, name: ArtifactName, address: string): Contract {
  return new Contract({ abi: loadArtifact(name).sierra.abi, address, providerOrAccount: provider });
}

export function ciroContracts(provider: RpcProvider, manifest: Manifest): CiroContracts {
  const c = manifest.contracts;
  return {
    token: contractAt(provider, 'CiroToken', c.ciro_token.address),
    pool: contractAt(provider, 'CdcPool', c.cdc_pool.address),
    jobs: contractAt(provider, 'JobMgr', c.job_mgr.address),
    paymaster: contractAt(provider, 'Paymaster', c.paymaster.address),
  };
}

/** A view call through the ABI; results come back parsed (u256 → bigint, structs → objects). */
export async function view<T = unknown>(c: Contract, fn: string, args: unknown[] = []): Promise<T> {
  return (await c.call(fn, args as never)) as T;
}

/** Builds a Call from ABI-typed arguments (structs, u256 as bigint, bools, ...). */
export function populate(c: Contract, fn: string, args: unknown[] = []): Call {
  return c.populate(fn, args as never);
}

export const u256Parts = (v: bigint): [string, string] => [
  (v & ((1n << 128n) - 1n)).toString(),
  (v >> 128n).toString(),
];

/** `user` signs a SNIP-9 v2 outside execution of `calls` whose caller is the Paymaster. */
export function signForPaymaster(
  provider: RpcProvider,
  manifest: Manifest,
  user: KeyedAccount,
  calls: Call[],
  opts: Partial<OutsideOptions> = {},
): Promise<OutsideTransaction> {
  return signOutside(provider, user.account, calls, { caller: manifest.contracts.paymaster.address, ...opts });
}

/** Signs `calls` as `user` and has `relayer` submit them through Paymaster.execute_sponsored. */
export async function sponsorVia(
  provider: RpcProvider,
  manifest: Manifest,
  relayer: KeyedAccount,
  user: KeyedAccount,
  calls: Call[],
): Promise<{ receipt: Receipt; ot: OutsideTransaction }> {
  const ot = await signForPaymaster(provider, manifest, user, calls);
  const receipt = await send(relayer.account, sponsoredCall(manifest.contracts.paymaster.address, ot));
  return { receipt, ot };
}

/** Paymaster's calls_hash: Poseidon over the Serde encoding of the outside calls. */
export function callsHash(ot: OutsideTransaction): bigint {
  const calls = ot.outsideExecution.calls;
  const buf: bigint[] = [BigInt(calls.length)];
  for (const c of calls) {
    const data = c.calldata as string[];
    buf.push(BigInt(c.to), BigInt(c.selector), BigInt(data.length), ...data.map((x) => BigInt(x)));
  }
  return BigInt(hash.computePoseidonHashOnElements(buf));
}

/** starknet.js's Option values, for arguments and for comparing parsed results. */
export const some = <T>(v: T) => new CairoOption<T>(CairoOptionVariant.Some, v);
export const none = <T>() => new CairoOption<T>(CairoOptionVariant.None);

/**
 * `admin` schedules the upgrade of `c` to `classHash`, devnet time moves past
 * the delay, and the upgrade runs; returns the upgrade's receipt.
 */
export async function upgradeNow(chain: LocalChain, admin: KeyedAccount, c: Contract, classHash: string): Promise<Receipt> {
  await send(admin.account, populate(c, 'schedule_upgrade', [classHash]));
  const delay = await view<bigint>(c, 'upgrade_delay');
  await increaseTime(chain.devnet.url, Number(delay));
  return send(admin.account, populate(c, 'upgrade', [classHash]));
}

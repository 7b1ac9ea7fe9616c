/**
 * Helpers for the contract suites in test/contracts: one devnet per suite
 * (`useCiroChain`), typed-enough handles on the CIRO contracts, transaction
 * sending that returns the receipt, event extraction, `expectRevert`, which
 * checks the exact Cairo revert reason (a short string) of a failed call, and
 * the upgrade schedule (`upgradeNow`).
 */
import { afterAll, beforeAll, expect } from 'vitest';
import {
  CairoOption,
  CairoOptionVariant,
  config,
  Contract,
  hash,
  num,
  shortString,
  type Account,
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

export type Receipt = Awaited<ReturnType<RpcProvider['waitForTransaction']>>;

/** Executes and waits; throws (with the receipt) if the transaction reverted. */
export async function send(account: Account, calls: Call | Call[]): Promise<Receipt> {
  const tx = await account.execute(calls, { tip: 0 });
  const receipt = await account.provider.waitForTransaction(tx.transaction_hash, { retryInterval: 100 });
  if (!receipt.isSuccess()) {
    throw new Error(`transaction ${tx.transaction_hash} reverted: ${JSON.stringify(receipt.value)}`);
  }
  return receipt as Receipt;
}

/** Parsed events named `name` (the last path segment of the Cairo event) emitted by `c`. */
export function eventsNamed(c: Contract, receipt: Receipt, name: string): Record<string, unknown>[] {
  const parsed = c.parseEvents(receipt as never) as unknown as Record<string, unknown>[];
  const out: Record<string, unknown>[] = [];
  for (const ev of parsed) {
    for (const [key, value] of Object.entries(ev)) {
      if (key === name || key.endsWith(`::${name}`)) out.push(value as Record<string, unknown>);
    }
  }
  return out;
}

/** Exactly one `name` event from `c` in the receipt; returns its fields. */
export function oneEvent(c: Contract, receipt: Receipt, name: string): Record<string, unknown> {
  const evs = eventsNamed(c, receipt, name);
  expect(evs, `expected one ${name} event`).toHaveLength(1);
  return evs[0]!;
}

/**
 * Asserts an event's (or struct's) fields: a string expectation is a felt or
 * address, compared by value whatever the padding; anything else must be equal.
 */
export function expectFields(actual: Record<string, unknown>, expected: Record<string, string | bigint | boolean>): void {
  for (const [key, want] of Object.entries(expected)) {
    if (typeof want === 'string') expect(num.toHex(actual[key] as string), key).toBe(num.toHex(want));
    else expect(actual[key], key).toBe(want);
  }
}

/** Compares addresses / felts regardless of padding and representation. */
export function sameFelt(a: unknown, b: unknown): boolean {
  return BigInt(a as string) === BigInt(b as string);
}

export function expectAddress(actual: unknown, expected: string): void {
  expect(num.toHex(actual as string)).toBe(num.toHex(expected));
}

export async function erc20Balance(provider: RpcProvider, token: string, owner: string): Promise<bigint> {
  const res = await provider.callContract({ contractAddress: token, entrypoint: 'balance_of', calldata: [owner] });
  return BigInt(res[0]!) + (BigInt(res[1] ?? 0) << 128n);
}

export const strkBalance = (provider: RpcProvider, owner: string) => erc20Balance(provider, STRK_ADDRESS, owner);

function errorText(err: unknown): string {
  if (err && typeof err === 'object') {
    const base = (err as { baseError?: { code?: number; message?: string; data?: unknown } }).baseError;
    // RpcError: use only the node's error, not the echoed request (whose calldata could
    // contain any short string and fake a match).
    if (base) return `${base.code}: ${base.message}: ${JSON.stringify(base.data)}`;
    if (err instanceof Error) return err.message;
  }
  return String(err);
}

/** Every short string the node reported: quoted ('...') texts and decodable hex felts. */
export function revertReasons(err: unknown): string[] {
  const text = errorText(err);
  const found = new Set<string>();
  for (const m of text.matchAll(/\('([^']*)'\)/g)) found.add(m[1]!);
  for (const m of text.matchAll(/0x[0-9a-fA-F]{2,62}\b/g)) {
    try {
      const s = shortString.decodeShortString(m[0]);
      if (/^[\x20-\x7e]+$/.test(s)) found.add(s);
    } catch {
      // not a short string
    }
  }
  return [...found];
}

/** Awaits `p`, which must fail, and asserts the exact revert reason among the node's errors. */
export async function expectRevert(p: Promise<unknown>, reason: string): Promise<void> {
  let failed = false;
  let err: unknown;
  try {
    await p;
  } catch (e) {
    failed = true;
    err = e;
  }
  expect(failed, `expected revert '${reason}', but it succeeded`).toBe(true);
  const reasons = revertReasons(err);
  expect(reasons, `revert reason '${reason}' not found in:\n${errorText(err).slice(0, 4000)}`).toContain(reason);
}

/** Convenience: `expectRevert(send(account, calls), reason)`. */
export const expectTxRevert = (account: Account, calls: Call | Call[], reason: string) =>
  expectRevert(send(account, calls), reason);

/**
 * Asserts a timestamp the contract read during execution is the including
 * block's time. devnet executes against a pending block context and stamps the
 * sealed header a moment later, so the two can differ by a second.
 */
export function expectBlockTime(actual: unknown, blockTs: bigint, slack = 2n): void {
  const a = BigInt(actual as bigint);
  expect(a >= blockTs - slack && a <= blockTs, `timestamp ${a} not within ${slack}s before block time ${blockTs}`).toBe(true);
}

/** Timestamp of the block that included a receipt's transaction. */
export async function blockTime(provider: RpcProvider, receipt: Receipt): Promise<bigint> {
  const n = (receipt.value as { block_number?: number }).block_number;
  const block = await provider.getBlock(n ?? 'latest');
  return BigInt(block.timestamp);
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

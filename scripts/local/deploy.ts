/**
 * Declares and deploys the CIRO contracts idempotently: classes are declared
 * only when the chain lacks them, and contracts are deployed through the UDC
 * with fixed salts (unique = false), so the addresses are a pure function of
 * class, constructor and salt and a second run finds the first run's contracts.
 * A mock Pragma oracle (contracts/src/mocks/pragma.cairo) comes along, so the
 * relay can read a live CIRO price the way it would from Pragma elsewhere.
 */
import { Account, CallData, RpcProvider, hash, num, shortString, type Call } from 'starknet';
import { classHashes, loadArtifact, type ArtifactName } from './artifacts.ts';
import type { Manifest } from '../../relay/chain/manifest.ts';

export const STRK_ADDRESS = '0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d';

/**
 * The CIRO price seeded into the mock oracle on every run: pair `CIRO/STRK`
 * (a Pragma pair id, the short string), 0.5 STRK with Pragma's usual 8
 * decimals, published at the chain's latest block time.
 */
export const CIRO_STRK_PAIR = 'CIRO/STRK';
export const PRAGMA_DECIMALS = 8;
export const CIRO_STRK_PRICE = 50_000_000n;

/** Paymaster allowlist installed by default: what CIRO workers and clients may have sponsored. */
export const DEFAULT_ALLOWLIST: Record<'cdc_pool' | 'job_mgr' | 'ciro_token', string[]> = {
  cdc_pool: ['register_worker', 'update_capabilities', 'stake', 'request_unstake', 'withdraw_unstaked', 'heartbeat', 'claim_rewards'],
  job_mgr: ['submit_job', 'cancel_job', 'complete_job', 'open_dispute'],
  ciro_token: ['approve', 'transfer'],
};

export interface DeployOptions {
  /** Relayer accounts to whitelist on the Paymaster. */
  relayers: string[];
  /** Initial CIRO supply minted to the deployer (18 decimals). */
  initialSupply?: bigint;
  minStake?: bigint;
  unstakeDelay?: number;
  heartbeatTimeout?: number;
  jobTimeout?: number;
  salt?: string;
  /**
   * Account classes the Paymaster relays to besides the deployer's own (e.g.
   * Argent, Braavos). The Paymaster refuses accounts of any other class, since
   * any contract can implement execute_from_outside_v2 and run hidden calls.
   */
  accountClasses?: string[];
  /**
   * Upgrade delay (seconds) for the four CIRO contracts. Unset keeps what the
   * chain has (the contracts' default is 2 days). A longer delay applies at
   * once; a shorter one only after the delay in force (contracts/README.md),
   * and is requested only once, so re-running does not restart that wait.
   */
  upgradeDelay?: number;
}

const CIRO = 10n ** 18n;

async function declare(deployer: Account, name: ArtifactName): Promise<string> {
  const { sierra, casm } = loadArtifact(name);
  const hashes = classHashes(name, await deployer.provider.channel.getStarknetVersion());
  const res = await deployer.declareIfNot({ contract: sierra, casm, ...hashes });
  if (res.transaction_hash) await deployer.provider.waitForTransaction(res.transaction_hash);
  return res.class_hash;
}

async function deployOnce(
  deployer: Account,
  name: ArtifactName,
  classHash: string,
  args: Record<string, unknown>,
  salt: string,
): Promise<string> {
  const calldata = new CallData(loadArtifact(name).sierra.abi).compile('constructor', args as never);
  const address = hash.calculateContractAddressFromHash(salt, classHash, calldata, 0);
  const existing = await deployer.provider.getClassHashAt(address).catch(() => undefined);
  if (existing) return address;
  const res = await deployer.deployContract({ classHash, constructorCalldata: calldata, salt, unique: false });
  await deployer.provider.waitForTransaction(res.transaction_hash);
  return res.contract_address;
}

export async function deployCiro(provider: RpcProvider, deployer: Account, opts: DeployOptions): Promise<Manifest> {
  const salt = opts.salt ?? shortString.encodeShortString('ciro-v1');
  const admin = deployer.address;
  const classes = {
    token: await declare(deployer, 'CiroToken'),
    pool: await declare(deployer, 'CdcPool'),
    jobs: await declare(deployer, 'JobMgr'),
    paymaster: await declare(deployer, 'Paymaster'),
  };
  const token = await deployOnce(deployer, 'CiroToken', classes.token, {
    name: 'CIRO',
    symbol: 'CIRO',
    decimals: 18,
    initial_supply: opts.initialSupply ?? 1_000_000n * CIRO,
    recipient: admin,
    admin,
  }, salt);
  const pool = await deployOnce(deployer, 'CdcPool', classes.pool, {
    admin,
    token,
    min_stake: opts.minStake ?? 100n * CIRO,
    unstake_delay: opts.unstakeDelay ?? 3600,
    heartbeat_timeout: opts.heartbeatTimeout ?? 600,
  }, salt);
  const jobs = await deployOnce(deployer, 'JobMgr', classes.jobs, {
    admin,
    token,
    cdc_pool: pool,
    default_timeout: opts.jobTimeout ?? 3600,
  }, salt);
  const paymaster = await deployOnce(deployer, 'Paymaster', classes.paymaster, { admin }, salt);
  const oracleClass = await declare(deployer, 'MockPragma');
  const oracle = await deployOnce(deployer, 'MockPragma', oracleClass, { owner: admin }, salt);

  // The deployer's class comes first: it is the class fresh accounts are deployed with.
  const accountClass = await provider.getClassHashAt(deployer.address);
  const accountClasses = [accountClass];
  for (const c of opts.accountClasses ?? []) {
    if (!accountClasses.some((k) => BigInt(k) === BigInt(c))) accountClasses.push(num.toHex(c));
  }

  // Wiring is idempotent (grants and sets), so it is re-applied on every run:
  // that is also how a changed relayer or account-class list reaches the chain.
  const setup: Call[] = [
    call(pool, 'grant_role', [shortString.encodeShortString('JOB_MANAGER_ROLE'), jobs]),
    call(paymaster, 'set_fee_token', [STRK_ADDRESS, 1]),
    call(paymaster, 'set_fee_token', [token, 1]),
    ...opts.relayers.map((r) => call(paymaster, 'add_relayer', [r])),
    ...accountClasses.map((c) => call(paymaster, 'set_account_class', [c, 1])),
    call(oracle, 'set_price', [
      shortString.encodeShortString(CIRO_STRK_PAIR),
      CIRO_STRK_PRICE,
      PRAGMA_DECIMALS,
      (await provider.getBlock('latest')).timestamp,
    ]),
  ];
  if (opts.upgradeDelay !== undefined) {
    for (const address of [token, pool, jobs, paymaster]) {
      if (!(await delayIsSet(provider, address, opts.upgradeDelay))) {
        setup.push(call(address, 'set_upgrade_delay', [opts.upgradeDelay]));
      }
    }
  }
  const targets = { cdc_pool: pool, job_mgr: jobs, ciro_token: token };
  for (const [contract, entrypoints] of Object.entries(DEFAULT_ALLOWLIST)) {
    for (const ep of entrypoints) {
      const target = targets[contract as keyof typeof targets];
      setup.push(call(paymaster, 'set_allowed_call', [target, hash.getSelectorFromName(ep), 1]));
    }
  }
  const tx = await deployer.execute(setup);
  await provider.waitForTransaction(tx.transaction_hash);

  return {
    chainId: await provider.getChainId(),
    deployedAt: new Date().toISOString(),
    deployer: admin,
    contracts: {
      ciro_token: { address: token, classHash: classes.token },
      cdc_pool: { address: pool, classHash: classes.pool },
      job_mgr: { address: jobs, classHash: classes.jobs },
      paymaster: { address: paymaster, classHash: classes.paymaster },
    },
    tokens: {
      STRK: { address: STRK_ADDRESS, decimals: 18 },
      CIRO: { address: token, decimals: 18 },
    },
    oracles: { pragma: { address: oracle, classHash: oracleClass } },
    accountClassHashes: accountClasses,
  };
}

/** Whether `delay` is already the contract's upgrade delay, or requested and pending. */
async function delayIsSet(provider: RpcProvider, address: string, delay: number): Promise<boolean> {
  const read = (entrypoint: string) => provider.callContract({ contractAddress: address, entrypoint });
  const [current] = await read('upgrade_delay');
  const [pending, effectiveAt] = await read('pending_upgrade_delay');
  return BigInt(current!) === BigInt(delay) || (BigInt(effectiveAt!) !== 0n && BigInt(pending!) === BigInt(delay));
}

function call(contractAddress: string, entrypoint: string, calldata: (string | number | bigint)[]): Call {
  return { contractAddress, entrypoint, calldata: calldata.map((x) => x.toString()) };
}

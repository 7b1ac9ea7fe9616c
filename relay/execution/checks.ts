/**
 * Input checks shared by build and execute. Each refusal is the SNIP-29 code
 * the spec names for it, with a reason and what to change.
 */
import { hash, num } from 'starknet';
import type { Config } from '../config.ts';
import { RelayError, Snip29Code } from '../errors.ts';
import { findGasToken } from '../deps.ts';
import type { GasToken } from './fees.ts';
import type { DeploymentData, FeeModeInput, UserTransaction, ExecutableTransaction } from '../rpc/schemas.ts';

const ADDRESS_BOUND = 2n ** 251n;

export function checkAddress(value: string, field: string): string {
  const v = BigInt(value);
  if (v === 0n || v >= ADDRESS_BOUND) {
    throw new RelayError(Snip29Code.INVALID_ADDRESS, 'Invalid address', {
      reason: 'address_out_of_range',
      details: `${field} must be a non-zero felt below 2^251.`,
      data: { field },
    });
  }
  return num.toHex(v);
}

export function resolveGasToken(config: Config, feeMode: FeeModeInput): GasToken | undefined {
  if (feeMode.mode === 'sponsored') return undefined;
  const token = findGasToken(config, feeMode.gas_token);
  if (!token) {
    throw new RelayError(Snip29Code.TOKEN_NOT_SUPPORTED, 'Gas token not supported', {
      reason: 'token_not_supported',
      details: 'Pay with a token listed by paymaster_getSupportedTokens, or ask for sponsored mode.',
      data: { gas_token: feeMode.gas_token },
    });
  }
  return token;
}

export interface Window {
  executeAfter: number;
  executeBefore: number;
}

/** Defaults when absent; refuses windows that are inverted, already over, or too long. */
export function resolveTimeBounds(config: Config, now: number, tb?: { execute_after: number; execute_before: number }): Window {
  const t = config.timeBounds;
  if (!tb) return { executeAfter: now - 60, executeBefore: now + t.defaultValiditySeconds };
  const bad = (reason: string, details: string) =>
    new RelayError(Snip29Code.INVALID_TIME_BOUNDS, 'Invalid time bounds', {
      reason,
      details,
      data: { now, execute_after: tb.execute_after, execute_before: tb.execute_before },
    });
  if (tb.execute_after >= tb.execute_before) throw bad('time_bounds_inverted', 'execute_after must be before execute_before.');
  if (tb.execute_before <= now + t.minRemainingSeconds) {
    throw bad('time_bounds_expired', `execute_before must be at least ${t.minRemainingSeconds}s in the future.`);
  }
  if (tb.execute_before - now > t.maxValiditySeconds) {
    throw bad('time_bounds_too_long', `execute_before may be at most ${t.maxValiditySeconds}s ahead.`);
  }
  return { executeAfter: tb.execute_after, executeBefore: tb.execute_before };
}

/** At execute: the signed window must still be open when the transaction lands. */
export function checkWindowOpen(config: Config, now: number, w: Window): void {
  if (w.executeBefore <= now + config.timeBounds.minRemainingSeconds) {
    throw new RelayError(Snip29Code.INVALID_TIME_BOUNDS, 'Execution window has closed', {
      reason: 'time_bounds_expired',
      details: 'The signed execution expires too soon to be submitted; build and sign a new one.',
      data: { now, execute_before: w.executeBefore },
    });
  }
  if (w.executeAfter >= now) {
    throw new RelayError(Snip29Code.INVALID_TIME_BOUNDS, 'Execution window not open yet', {
      reason: 'time_bounds_not_started',
      details: 'execute_after is in the future; submit after it or build with an earlier start.',
      data: { now, execute_after: w.executeAfter },
    });
  }
}

/**
 * The relayer deploys accounts through the UDC with unique = false, which
 * yields the same address as a DEPLOY_ACCOUNT; the address is recomputed so a
 * client can't make the relayer deploy something other than what it claims.
 */
export function checkDeployment(config: Config, d: DeploymentData): string {
  const classHash = num.toHex(d.class_hash);
  if (!config.manifest.accountClassHashes.some((c) => BigInt(c) === BigInt(classHash))) {
    throw new RelayError(Snip29Code.CLASS_HASH_NOT_SUPPORTED, 'Account class not supported', {
      reason: 'class_hash_not_supported',
      details: `Deploy one of the supported account classes: ${config.manifest.accountClassHashes.join(', ')}.`,
      data: { class_hash: classHash },
    });
  }
  const expected = hash.calculateContractAddressFromHash(d.salt, classHash, d.calldata, 0);
  if (BigInt(expected) !== BigInt(d.address)) {
    throw new RelayError(Snip29Code.INVALID_DEPLOYMENT_DATA, 'Deployment data does not match the address', {
      reason: 'deployment_address_mismatch',
      details: 'address must equal the contract address computed from class_hash, salt and calldata (deployer 0).',
      data: { expected: num.toHex(expected), got: d.address },
    });
  }
  return num.toHex(expected);
}

/**
 * What build and execute both check about a transaction's shape: deployment
 * data (class, address), deploy-only being sponsored, and the deployed
 * address being the user's. Returns the address a deployment creates.
 */
export function checkShape(config: Config, tx: UserTransaction | ExecutableTransaction, feeMode: FeeModeInput): string | undefined {
  const deployed = tx.type === 'invoke' ? undefined : checkDeployment(config, tx.deployment);
  if (tx.type === 'deploy' && feeMode.mode !== 'sponsored') {
    throw new RelayError(Snip29Code.INVALID_DEPLOYMENT_DATA, 'Deploy-only transactions are sponsored only', {
      reason: 'deploy_requires_sponsored_mode',
      details: 'Use fee_mode "sponsored" for "deploy", or "deploy_and_invoke" to pay in a gas token.',
    });
  }
  if (deployed && tx.type !== 'deploy' && BigInt(deployed) !== BigInt(tx.invoke.user_address)) {
    throw new RelayError(Snip29Code.INVALID_DEPLOYMENT_DATA, 'Deployment address differs from the user address', {
      reason: 'deployment_user_mismatch',
      details: 'deployment.address must equal invoke.user_address.',
    });
  }
  return deployed;
}

/** Only account classes the relay knows to honour their signed calls are relayed to. */
export function checkAccountClass(config: Config, classHash: string): void {
  if (!config.manifest.accountClassHashes.some((c) => BigInt(c) === BigInt(classHash))) {
    throw new RelayError(Snip29Code.CLASS_HASH_NOT_SUPPORTED, 'Account class not supported', {
      reason: 'account_class_not_supported',
      details: `The account's class is not one the relay accepts: ${config.manifest.accountClassHashes.join(', ')}.`,
      data: { class_hash: classHash },
    });
  }
}

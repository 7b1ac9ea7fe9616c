/**
 * Checks build and execute both make. Each refusal is the SNIP-29 code the
 * spec names for it (through its catalogue reason), with what to change.
 */
import { findGasToken, type GasToken } from '../chain/fees.ts';
import { deploymentAddress, type DeploymentAddress } from '../chain/calldata.ts';
import type { DeploymentData, ExecutableTransaction, FeeMode, TimeBounds, UserTransaction } from '../chain/snip29.ts';
import type { Config } from '../config.ts';
import { RelayError } from '../errors/base.ts';

/** The gas token of a default-mode request; undefined when sponsored. */
export function resolveGasToken(config: Config, feeMode: FeeMode): GasToken | undefined {
  if (feeMode.mode === 'sponsored') return undefined;
  const token = findGasToken(config, feeMode.gas_token);
  if (!token) {
    throw new RelayError('token_not_supported', {
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
export function resolveTimeBounds(config: Config, now: number, tb?: TimeBounds): Window {
  const t = config.timeBounds;
  if (!tb) return { executeAfter: now - 60, executeBefore: now + t.defaultValiditySeconds };
  const bad = (reason: 'time_bounds_inverted' | 'time_bounds_expired' | 'time_bounds_too_long', details: string) =>
    new RelayError(reason, { details, data: { now, execute_after: tb.execute_after, execute_before: tb.execute_before } });
  if (tb.execute_after >= tb.execute_before) throw bad('time_bounds_inverted', 'execute_after must be before execute_before.');
  if (tb.execute_before <= now + t.minRemainingSeconds) {
    throw bad('time_bounds_expired', `execute_before must be at least ${t.minRemainingSeconds}s in the future.`);
  }
  if (tb.execute_before - now > t.maxValiditySeconds) {
    throw bad('time_bounds_too_long', `execute_before may be at most ${t.maxValiditySeconds}s ahead.`);
  }
  return { executeAfter: tb.execute_after, executeBefore: tb.execute_before };
}

/** At execute: the signed window must still be open when the transaction lands, and no longer than a build allows. */
export function checkWindowOpen(config: Config, now: number, w: Window): void {
  if (w.executeBefore - now > config.timeBounds.maxValiditySeconds) {
    throw new RelayError('time_bounds_too_long', {
      details: `execute_before may be at most ${config.timeBounds.maxValiditySeconds}s ahead; build and sign a shorter window.`,
      data: { now, execute_before: w.executeBefore },
    });
  }
  checkTimeLeft(config, now, w.executeBefore);
  if (w.executeAfter >= now) {
    throw new RelayError('time_bounds_not_started', {
      details: 'execute_after is in the future; submit after it or build with an earlier start.',
      data: { now, execute_after: w.executeAfter },
    });
  }
}

/**
 * A deploy at execute: it signs no window, so the client's bounds are all that says when it may run. Inverted or
 * over is refused (157) as at build; a start in the future is not (a client that builds and executes in the same
 * second would be refused, and nothing signed holds the relayer to it).
 */
export function checkDeployBounds(config: Config, now: number, tb: TimeBounds): void {
  const data = { now, execute_after: tb.execute_after, execute_before: tb.execute_before };
  if (tb.execute_after >= tb.execute_before) throw new RelayError('time_bounds_inverted', { details: 'execute_after must be before execute_before.', data });
  if (tb.execute_before <= now + config.timeBounds.minRemainingSeconds) {
    throw new RelayError('time_bounds_expired', { details: `execute_before leaves less than ${config.timeBounds.minRemainingSeconds}s to deploy in; send later bounds, or none.`, data });
  }
}

/** Right before a send too: the relayer wait and the webhook may have run the window down since it was judged. */
export function checkTimeLeft(config: Config, now: number, executeBefore: number): void {
  if (executeBefore <= now + config.timeBounds.minRemainingSeconds) {
    throw new RelayError('time_bounds_expired', {
      details: `The signed execution has less than ${config.timeBounds.minRemainingSeconds}s left, too little to land before it expires; build and sign a new one.`,
      data: { now, execute_before: executeBefore },
    });
  }
}

const isAccountClass = (config: Config, classHash: string) => config.manifest.accountClassHashes.some((c) => BigInt(c) === BigInt(classHash));

/**
 * The relayer deploys accounts through the UDC with unique = false, which
 * yields the same address as a DEPLOY_ACCOUNT; the address is recomputed so a
 * client can't make the relayer deploy something other than what it claims.
 */
export function checkDeployment(config: Config, d: DeploymentData, address: DeploymentAddress = deploymentAddress()): string {
  if (!isAccountClass(config, d.class_hash)) {
    throw new RelayError('class_hash_not_supported', {
      details: `Deploy one of the supported account classes: ${config.manifest.accountClassHashes.join(', ')}.`,
      data: { class_hash: d.class_hash },
    });
  }
  const expected = address(d);
  if (BigInt(expected) !== BigInt(d.address)) {
    throw new RelayError('deployment_address_mismatch', {
      details: 'address must equal the contract address computed from class_hash, salt and calldata (deployer 0).',
      data: { expected, got: d.address },
    });
  }
  return expected;
}

/**
 * What build and execute both check about a transaction's shape: deployment
 * data (class, address), deploy-only being sponsored, and the deployed
 * address being the user's. Returns the address a deployment creates.
 */
export function checkShape(config: Config, tx: UserTransaction | ExecutableTransaction, feeMode: FeeMode, address?: DeploymentAddress): string | undefined {
  const deployed = tx.type === 'invoke' ? undefined : checkDeployment(config, tx.deployment, address);
  if (tx.type === 'deploy' && feeMode.mode !== 'sponsored') {
    throw new RelayError('deploy_requires_sponsored_mode', {
      details: 'Use fee_mode "sponsored" for "deploy", or "deploy_and_invoke" to pay in a gas token.',
    });
  }
  if (deployed && tx.type !== 'deploy' && BigInt(deployed) !== BigInt(tx.invoke.user_address)) {
    throw new RelayError('deployment_user_mismatch', { details: 'deployment.address must equal invoke.user_address.' });
  }
  return deployed;
}

/** Only account classes the relay knows to honour their signed calls are relayed to. */
export function checkAccountClass(config: Config, classHash: string): void {
  if (!isAccountClass(config, classHash)) {
    throw new RelayError('account_class_not_supported', {
      details: `The account's class is not one the relay accepts: ${config.manifest.accountClassHashes.join(', ')}.`,
      data: { class_hash: classHash },
    });
  }
}

export const accountNotDeployed = (details: string, data?: Record<string, unknown>) =>
  new RelayError('account_not_deployed', { details, ...(data ? { data } : {}) });

/** Build and execute answer a deployment of a deployed account alike (158), before an estimate that would only revert. */
export const accountAlreadyDeployed = () =>
  new RelayError('account_already_deployed', { details: 'The account is deployed already: send your calls as an "invoke" transaction.' });

/**
 * A read started ahead of the check that needs it. A refusal thrown before
 * the read is awaited must not leave its rejection unhandled (Node would end
 * the process), so one is attached now; awaiting it later still throws.
 */
export function settleLater<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

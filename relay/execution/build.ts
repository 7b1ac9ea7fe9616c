/**
 * paymaster_buildTransaction: checks the request, asks the sponsorship gate
 * (refusing early, spending nothing), estimates the fee and returns SNIP-9 v2
 * typed data whose caller is the CIRO Paymaster contract. In `default` fee
 * mode the last call is the gas-token transfer to the Paymaster for exactly
 * `suggested_max_fee_in_gas_token`, which is what wallets verify before signing.
 */
import { cachedClassHash, cachedNonce, classHashAt, classSupportsSnip9, freshNonce } from '../chain/accounts.ts';
import { feeTransferCall, udcDeployCall } from '../chain/calldata.ts';
import { checkL2Gas, quote, strkToken } from '../chain/fees.ts';
import { randomFelt } from '../chain/felt.ts';
import { buildTypedData, type OutsideCall } from '../chain/snip9.ts';
import type { UserParameters, UserTransaction } from '../chain/snip29.ts';
import type { RelayDeps } from '../deps.ts';
import { isRelayError, RelayError } from '../errors/base.ts';
import { nodeCodeOf } from '../errors/chain.ts';
import type { SponsorshipRequest } from '../sponsorship/request.ts';
import type { CallerContext } from '../tenants/auth.ts';
import { accountAlreadyDeployed, accountNotDeployed, checkAccountClass, checkShape, resolveGasToken, resolveTimeBounds, settleLater } from './checks.ts';
import { estimateSequence, keepEstimate, reusedEstimate, type Estimate } from './estimate.ts';
import { metered, weightOf } from './metered.ts';
import { resolveTip } from './tip.ts';

export async function buildTransaction(deps: RelayDeps, ctx: CallerContext, tx: UserTransaction, params: UserParameters) {
  const sender = tx.type === 'invoke' ? tx.invoke.user_address : tx.deployment.address;
  return metered(deps, ctx, sender, () => build(deps, ctx, tx, params), weightOf(tx));
}

async function build(deps: RelayDeps, ctx: CallerContext, tx: UserTransaction, params: UserParameters) {
  const { config } = deps;
  const paymaster = config.manifest.contracts.paymaster.address;
  const token = resolveGasToken(config, params.fee_mode);
  // Priced once per build: this price is the one the quote states and the payment is checked against.
  const priced = token ? await deps.prices.price(token) : undefined;
  if (priced) deps.log('build.price', { token: priced.symbol, priceInStrk: priced.priceInStrk.toString(), source: priced.source });
  const feeToken = priced ?? strkToken(config);
  const deployedAddress = checkShape(config, tx, params.fee_mode, deps.deploymentAddress);
  await deps.paymaster.assertActive();
  const deployment = tx.type === 'invoke' ? undefined : tx.deployment;
  // The relayer's UDC call is not the user's: the policy judges the deployment by its class.
  const deployCalls = deployment ? [udcDeployCall(deployment)] : [];
  const deploys = deployment ? { deployment: { classHash: deployment.class_hash } } : {};
  const gate = async (sender: string, calls: OutsideCall[], feeMode: 'sponsored' | 'default', maxFee: bigint): Promise<void> => {
    await deps.gate.check({ tenant: ctx.tenant, apiKeyId: ctx.apiKeyId, client: ctx.client, sender, calls, feeMode, maxFee, phase: 'build', ...deploys } satisfies SponsorshipRequest);
  };
  const relayerNonce = async () => {
    const relayer = config.relayers[0]!.address;
    return { relayer, nonce: BigInt(await deps.provider.getNonceForAddress(relayer)) };
  };

  // A deployment of a deployed account is refused (158) as execute refuses it, not estimated to revert. Read
  // fresh, after the policy's refusal: a deployment names any address.
  const refuseDeployed = async (address: string) => {
    if (await classHashAt(deps.provider, address)) throw accountAlreadyDeployed();
  };
  if (tx.type === 'deploy') {
    // A deploy signs no window, yet bounds a client sends are judged as any build's (157), not echoed unread.
    if (params.time_bounds) resolveTimeBounds(config, await deps.clock.now(), params.time_bounds);
    // Refuse early on policy before spending an estimate on the node.
    await gate(deployedAddress!, [], 'sponsored', 0n);
    await refuseDeployed(deployedAddress!);
    const { relayer, nonce } = await relayerNonce();
    const est = await estimateSequence(deps.provider, [{ sender: relayer, calls: deployCalls, nonce }]);
    const fee = quote(est.fee, feeToken, config.fees.maxFeeMultiplierPct);
    await gate(deployedAddress!, [], 'sponsored', BigInt(fee.suggested_max_fee_in_strk));
    const parameters = params.time_bounds ? { ...params, time_bounds: wireTimeBounds(params.time_bounds.execute_after, params.time_bounds.execute_before) } : params;
    return { type: 'deploy' as const, deployment: tx.deployment, parameters, fee };
  }

  const user = tx.invoke.user_address;
  const userCalls = tx.invoke.calls;
  // Independent chain reads run together, each answer still checked in order: a wallet's own
  // send makes the same nonce read, so a refused build costs the node no more than that.
  const nowRead = settleLater(deps.clock.now());
  // A sponsored invoke's estimate binds nothing, so the sender's last one of this shape serves (estimate.ts).
  const reuse = !deployment && !token ? settleLater(reusedEstimate(deps.store, ctx.tenant.id, user, userCalls)) : undefined;
  const nonceRead = deployment ? undefined : settleLater(cachedNonce(deps.provider, deps.store, user));
  if (!deployment) await checkDeployedAccount(deps, user);
  const window = resolveTimeBounds(config, await nowRead, params.time_bounds);
  await gate(user, userCalls, params.fee_mode.mode, 0n);
  if (deployment) await refuseDeployed(user);

  const probe = token ? [...userCalls, feeTransferCall(token.address, paymaster, 1n)] : userCalls;
  const estimate = async (): Promise<Estimate> => {
    if (!deployment) return estimateInvoke(deps, user, probe, await nonceRead!);
    const { relayer, nonce } = await relayerNonce();
    return estimateSequence(deps.provider, [{ sender: relayer, calls: deployCalls, nonce }, { sender: user, calls: probe, nonce: 0n }]);
  };
  const fresh = async (): Promise<Estimate> => {
    const est = await estimate();
    if (reuse) await keepEstimate(deps.store, ctx.tenant.id, user, userCalls, est).catch(() => undefined);
    return est;
  };
  // What execute runs around the user's calls (config.ts); a default-mode payment must cover it.
  const overhead = BigInt(config.fees.overheadL2Gas + config.fees.overheadL2GasPerCall * probe.length);
  const judge = async (est: Estimate) => {
    const l2Gas = est.l2Gas + overhead;
    checkL2Gas(l2Gas, config.fees.maxL2GasPerTx);
    // The tip the relayer will add is the user's cost too in default mode, so the quote carries it.
    const tip = await resolveTip(deps, params.fee_mode);
    const fee = quote(est.fee + overhead * est.l2GasPrice + tip * l2Gas, feeToken, config.fees.maxFeeMultiplierPct);
    // Again with the quoted fee: per-operation fee caps can only be judged now.
    await gate(user, userCalls, params.fee_mode.mode, BigInt(fee.suggested_max_fee_in_strk));
    return fee;
  };
  // Anyone may build for any address, so a kept estimate may be someone else's: it can let a build
  // pass (execute judges the simulated fee), never refuse one; a refusal is judged on a fresh estimate.
  const kept = await reuse;
  // Only a refusal is judged again: a store or chain outage would fail the second judgement the same way.
  const refusal = (e: unknown) => isRelayError(e) && e.httpStatus < 500;
  const fee = kept
    ? await judge(kept).catch(async (e: unknown) => {
        if (!refusal(e)) throw e;
        return judge(await fresh());
      })
    : await judge(await fresh());

  const calls = token ? [...userCalls, feeTransferCall(token.address, paymaster, BigInt(fee.suggested_max_fee_in_gas_token))] : userCalls;
  const typed_data = buildTypedData(await deps.provider.getChainId(), {
    caller: paymaster,
    nonce: randomFelt(),
    executeAfter: window.executeAfter,
    executeBefore: window.executeBefore,
    calls,
  });
  const parameters = { ...params, time_bounds: wireTimeBounds(window.executeAfter, window.executeBefore) };
  return deployment
    ? { type: 'deploy_and_invoke' as const, deployment, typed_data, parameters, fee }
    : { type: 'invoke' as const, typed_data, parameters, fee };
}

/**
 * A plain invoke needs an account that exists, is a class we relay to, and speaks SNIP-9 v2, in
 * that order: a class the relay does not accept is refused before the node is asked for it.
 */
async function checkDeployedAccount(deps: RelayDeps, user: string): Promise<void> {
  const classHash = await cachedClassHash(deps.provider, deps.store, user);
  if (!classHash) {
    throw accountNotDeployed('Deploy it first, or use transaction type "deploy_and_invoke" with its deployment data.', { user_address: user });
  }
  checkAccountClass(deps.config, classHash);
  if (!(await classSupportsSnip9(deps.provider, deps.store, classHash))) {
    throw new RelayError('snip9_v2_unsupported', {
      details: 'The account class must implement execute_from_outside_v2 (SRC-5 id of ISRC9_V2).',
      data: { class_hash: classHash },
    });
  }
}

/**
 * The user's calls estimated with its nonce as cached. A paymaster's user
 * seldom sends on its own, so the cache saves a node read per build; when it
 * has (the estimate fails and the nonce has moved), once more with the new one.
 */
async function estimateInvoke(deps: RelayDeps, user: string, calls: OutsideCall[], n: { nonce: bigint; cached: boolean }): Promise<Estimate> {
  try {
    return await estimateSequence(deps.provider, [{ sender: user, calls, nonce: n.nonce }]);
  } catch (e) {
    // Only when the node answered: a node that is down or slow must not cost the request a second wait.
    if (!n.cached || nodeCodeOf(e) === undefined) throw e;
    const fresh = await freshNonce(deps.provider, deps.store, user).catch(() => n.nonce);
    if (fresh === n.nonce) throw e;
    return estimateSequence(deps.provider, [{ sender: user, calls, nonce: fresh }]);
  }
}

/** Time bounds as the spec writes them, numeric strings (TIMESTAMP): parsing made them numbers, whatever form they came in. */
const wireTimeBounds = (after: number, before: number) => ({ execute_after: String(after), execute_before: String(before) });

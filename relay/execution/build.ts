/**
 * paymaster_buildTransaction: checks the request, asks the sponsorship gate
 * (refusing early, consuming nothing), estimates the fee and returns SNIP-9 v2
 * typed data whose caller is the CIRO Paymaster contract. In `default` fee
 * mode the last call is the gas-token transfer to the Paymaster for exactly
 * `suggested_max_fee_in_gas_token`, which is what wallets verify before signing.
 */
import { hash, num } from 'starknet';
import type { CallerContext, RelayDeps } from '../deps.ts';
import { RelayError, Snip29Code } from '../errors.ts';
import { accountInfo } from '../chain/accounts.ts';
import { checkAccountClass, checkAddress, checkShape, resolveGasToken, resolveTimeBounds } from './checks.ts';
import { estimateSequence, udcDeployCall, type QueryTx } from './estimate.ts';
import { quote, type FeeQuote, type GasToken } from './fees.ts';
import { buildTypedData, normalizeCall, type OutsideCall } from './typedData.ts';
import type { UserParameters, UserTransaction } from '../rpc/schemas.ts';

const STRK_DECIMALS = 18;

export async function chainNow(deps: RelayDeps): Promise<number> {
  const block = await deps.provider.getBlock('latest');
  return Number(block.timestamp);
}

export function randomNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(31));
  return num.toHex(BigInt('0x' + [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')));
}

export function feeTransferCall(token: GasToken, paymaster: string, amount: bigint): OutsideCall {
  return {
    to: token.address,
    selector: hash.getSelectorFromName('transfer'),
    calldata: [paymaster, num.toHex(amount & ((1n << 128n) - 1n)), num.toHex(amount >> 128n)],
  };
}

function strkToken(deps: RelayDeps): GasToken {
  const strk = deps.config.manifest.tokens.STRK;
  return { symbol: 'STRK', address: strk?.address ?? '0x0', decimals: strk?.decimals ?? STRK_DECIMALS, priceInStrk: 10n ** 18n };
}

export async function buildTransaction(deps: RelayDeps, ctx: CallerContext, tx: UserTransaction, params: UserParameters) {
  const { config } = deps;
  const paymaster = config.manifest.contracts.paymaster.address;
  const token = resolveGasToken(config, params.fee_mode);
  const feeToken = token ?? strkToken(deps);
  const deployment = tx.type === 'invoke' ? undefined : tx.deployment;
  const deployedAddress = checkShape(config, tx, params.fee_mode);
  // A deployment is gated as what it is on chain: a UDC deploy_contract call.
  const deployCalls = deployment ? [udcDeployCall(deployment.class_hash, deployment.salt, deployment.calldata)] : [];

  if (tx.type === 'deploy') {
    const relayer = deps.config.relayers[0]!.address;
    const nonce = BigInt(await deps.provider.getNonceForAddress(relayer));
    await deps.gate.check({ ...gateBase(ctx, deployedAddress!, deployCalls), feeMode: 'sponsored', maxFee: 0n });
    const est = await estimateSequence(deps.provider, [{ sender: relayer, calls: deployCalls, nonce }]);
    const fee = quote(est.fee, feeToken, config.fees.maxFeeMultiplierPct);
    await deps.gate.check({ ...gateBase(ctx, deployedAddress!, deployCalls), maxFee: BigInt(fee.suggested_max_fee_in_strk), feeMode: 'sponsored' });
    return { type: 'deploy' as const, deployment: tx.deployment, parameters: params, fee };
  }

  const user = checkAddress(tx.invoke.user_address, 'invoke.user_address');
  const userCalls = tx.invoke.calls.map((c, i) => normalizeCall({ ...c, to: checkAddress(c.to, `invoke.calls.${i}.to`) }));
  const info = deployment ? undefined : await accountInfo(deps.provider, deps.store, user);
  if (info && !info.deployed) {
    throw new RelayError(Snip29Code.INVALID_ADDRESS, 'Account is not deployed', {
      reason: 'account_not_deployed',
      details: 'Deploy it first, or use transaction type "deploy_and_invoke" with its deployment data.',
      data: { user_address: user },
    });
  }
  if (info?.classHash) checkAccountClass(config, info.classHash);
  if (info && !info.snip9v2) {
    throw new RelayError(Snip29Code.CLASS_HASH_NOT_SUPPORTED, 'Account does not support SNIP-9 v2', {
      reason: 'snip9_v2_unsupported',
      details: 'The account class must implement execute_from_outside_v2 (SRC-5 id of ISRC9_V2).',
      data: { class_hash: info.classHash },
    });
  }

  const now = await chainNow(deps);
  const window = resolveTimeBounds(config, now, params.time_bounds);
  // Refuse early on policy before spending an estimate on the node.
  const gated = [...deployCalls, ...userCalls];
  await deps.gate.check({ ...gateBase(ctx, user, gated), feeMode: params.fee_mode.mode, maxFee: 0n });

  const probe = token ? [...userCalls, feeTransferCall(token, paymaster, 1n)] : userCalls;
  const txs: QueryTx[] = [];
  if (deployment) {
    const relayer = deps.config.relayers[0]!.address;
    const relayerNonce = BigInt(await deps.provider.getNonceForAddress(relayer));
    txs.push({ sender: relayer, calls: deployCalls, nonce: relayerNonce });
    txs.push({ sender: user, calls: probe, nonce: 0n });
  } else {
    txs.push({ sender: user, calls: probe, nonce: BigInt(await deps.provider.getNonceForAddress(user)) });
  }
  const est = await estimateSequence(deps.provider, txs);
  const estimated = est.fee + BigInt(config.fees.overheadL2Gas) * est.l2GasPrice;
  const fee: FeeQuote = quote(estimated, feeToken, config.fees.maxFeeMultiplierPct);
  // Again with the quoted fee: per-operation fee caps can only be judged now.
  await deps.gate.check({ ...gateBase(ctx, user, gated), feeMode: params.fee_mode.mode, maxFee: BigInt(fee.suggested_max_fee_in_strk) });

  const calls = token ? [...userCalls, feeTransferCall(token, paymaster, BigInt(fee.suggested_max_fee_in_gas_token))] : userCalls;
  const typed_data = buildTypedData(await deps.provider.getChainId(), {
    caller: paymaster,
    nonce: randomNonce(),
    executeAfter: window.executeAfter,
    executeBefore: window.executeBefore,
    calls,
  });
  const parameters = {
    ...params,
    time_bounds: { execute_after: String(window.executeAfter), execute_before: String(window.executeBefore) },
  };
  return deployment
    ? { type: 'deploy_and_invoke' as const, deployment, typed_data, parameters, fee }
    : { type: 'invoke' as const, typed_data, parameters, fee };
}

function gateBase(ctx: CallerContext, sender: string, calls: OutsideCall[]) {
  return { tenant: ctx.tenant, apiKeyId: ctx.apiKeyId, sender, calls, phase: 'build' as const };
}

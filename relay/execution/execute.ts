/**
 * paymaster_executeTransaction. Nothing reaches the chain until it has passed,
 * in order: strict typed-data parsing (caller = our Paymaster, our chain,
 * window still open), the fee-transfer check in default mode, an idempotency
 * claim on the signed message, a full simulation of the relayer's transaction
 * WITH validation (bad signatures and reverting calls stop here, costing no
 * gas), and the sponsorship gate, which reserves the worst-case fee.
 */
import { TransactionType, hash, num, type Account, type Call } from 'starknet';
import type { CallerContext, RelayDeps } from '../deps.ts';
import { JsonRpcCode, RelayError, Snip29Code, chainUnavailable } from '../errors.ts';
import { classHashAt } from '../chain/accounts.ts';
import type { RelayerLease } from '../relayers/pool.ts';
import type { Reservation } from '../policies/gate.ts';
import type { DeploymentData, ExecutableTransaction, UserParameters } from '../rpc/schemas.ts';
import { chainNow, randomNonce } from './build.ts';
import { checkAccountClass, checkAddress, checkShape, checkWindowOpen, resolveGasToken } from './checks.ts';
import { UDC_ADDRESS, udcDeployCall } from './estimate.ts';
import { strkToToken, type GasToken } from './fees.ts';
import { claimExecution, forgetExecution, recordExecution } from './idempotency.ts';
import { revertToError, traceFromRpcError } from './revert.ts';
import { revertKey, saveTracking, type TrackingRecord } from './tracking.ts';
import { parseTypedData, serializeOutsideExecution, type OutsideCall, type OutsideExecution } from './typedData.ts';
import { submit } from './submit.ts';

export interface ExecuteResult {
  tracking_id: string;
  transaction_hash: string;
}

interface Plan {
  account: string;
  calls: Call[];
  userCalls: OutsideCall[];
  feeMode: 'sponsored' | 'default';
  token?: GasToken;
  paid: bigint;
  idemKey: string;
}

function invalidParams(reason: string, details: string, data?: Record<string, unknown>) {
  return new RelayError(JsonRpcCode.INVALID_PARAMS, 'Invalid params', { reason, details, data });
}

function deployCall(d: DeploymentData): Call {
  return {
    contractAddress: UDC_ADDRESS,
    entrypoint: 'deploy_contract',
    calldata: [d.class_hash, d.salt, '0x0', num.toHex(d.calldata.length), ...d.calldata],
  };
}

async function plan(deps: RelayDeps, tx: ExecutableTransaction, params: UserParameters): Promise<Plan> {
  const { config } = deps;
  const paymaster = config.manifest.contracts.paymaster.address;
  const token = resolveGasToken(config, params.fee_mode);
  const deployment = tx.type === 'invoke' ? undefined : tx.deployment;
  const deployed = checkShape(config, tx, params.fee_mode);
  // Gated as what it is on chain: a UDC deploy_contract call (see build.ts).
  const deployCalls = deployment ? [udcDeployCall(deployment.class_hash, deployment.salt, deployment.calldata)] : [];
  if (tx.type === 'deploy') {
    const idemKey = `exec:deploy:${deployed}`;
    return { account: deployed!, calls: [deployCall(tx.deployment)], userCalls: deployCalls, feeMode: 'sponsored', paid: 0n, idemKey };
  }

  const account = checkAddress(tx.invoke.user_address, 'invoke.user_address');
  const parsed = parseTypedData(tx.invoke.typed_data);
  if (!parsed.ok) {
    throw invalidParams('typed_data_invalid', `invoke.typed_data.${parsed.path}: ${parsed.message}`, { path: parsed.path });
  }
  const oe: OutsideExecution = parsed.execution;
  if (parsed.chainId !== BigInt(await deps.provider.getChainId())) {
    throw invalidParams('wrong_chain', 'The typed data was built for another chain.');
  }
  if (BigInt(oe.caller) !== BigInt(paymaster)) {
    throw invalidParams('caller_not_paymaster', `The outside execution's Caller must be the Paymaster ${paymaster}.`);
  }
  checkWindowOpen(config, await chainNow(deps), oe);

  let userCalls = oe.calls;
  let paid = 0n;
  if (token) {
    const last = oe.calls.at(-1)!;
    const isTransfer =
      BigInt(last.to) === BigInt(token.address) &&
      BigInt(last.selector) === BigInt(hash.getSelectorFromName('transfer')) &&
      last.calldata.length === 3 &&
      BigInt(last.calldata[0]!) === BigInt(paymaster);
    if (!isTransfer) {
      throw invalidParams('fee_transfer_missing', 'In default fee mode the last call must transfer the gas token to the Paymaster.');
    }
    paid = BigInt(last.calldata[1]!) + (BigInt(last.calldata[2]!) << 128n);
    userCalls = oe.calls.slice(0, -1);
  }
  // Read fresh, not from the build-time cache: an account that upgraded itself to
  // a class that ignores its calls would otherwise run hidden calls on our gas.
  const classHash = await classHashAt(deps.provider, account);
  if (!deployment && !classHash) {
    throw new RelayError(Snip29Code.INVALID_ADDRESS, 'Account is not deployed', {
      reason: 'account_not_deployed',
      details: 'Use transaction type "deploy_and_invoke" with the deployment data.',
    });
  }
  if (deployment && classHash) {
    throw new RelayError(Snip29Code.INVALID_DEPLOYMENT_DATA, 'Account is already deployed', {
      reason: 'account_already_deployed',
      details: 'Send an "invoke" transaction for a deployed account.',
    });
  }
  if (classHash) checkAccountClass(config, classHash);
  const signature = tx.invoke.signature;
  const body = [account, ...serializeOutsideExecution(oe), num.toHex(signature.length), ...signature];
  const paymasterCall: Call = token
    ? {
        contractAddress: paymaster,
        entrypoint: 'execute_with_fee',
        calldata: [...body, token.address, num.toHex(paid & ((1n << 128n) - 1n)), num.toHex(paid >> 128n)],
      }
    : { contractAddress: paymaster, entrypoint: 'execute_sponsored', calldata: body };
  return {
    account,
    calls: deployment ? [deployCall(deployment), paymasterCall] : [paymasterCall],
    userCalls: [...deployCalls, ...userCalls],
    feeMode: token ? 'default' : 'sponsored',
    token,
    paid,
    // One on-chain effect per (account, SNIP-9 nonce), however the typed data was
    // spelled; a deployment is one effect per address whichever type carried it.
    idemKey: deployment ? `exec:deploy:${deployed}` : `exec:${account}:${oe.nonce}`,
  };
}

export async function executeTransaction(
  deps: RelayDeps,
  ctx: CallerContext,
  tx: ExecutableTransaction,
  params: UserParameters,
): Promise<ExecuteResult> {
  const p = await plan(deps, tx, params);
  const request = { tenant: ctx.tenant, apiKeyId: ctx.apiKeyId, sender: p.account, calls: p.userCalls, feeMode: p.feeMode };
  // Refuse what policy refuses before spending a node simulation on it.
  await deps.gate.check({ ...request, maxFee: 0n, phase: 'build' });
  await refuseRepeatReverters(deps, ctx.tenant.id, p.account);
  const trackingId = randomNonce();
  const claim = await claimExecution(deps, p.idemKey, trackingId, ctx.tenant.id);
  if (!claim.created) return claim.existing;

  let lease: RelayerLease | undefined;
  let reservation: Reservation | undefined;
  try {
    const tip = deps.config.relayerTip === 'recommended' ? undefined : BigInt(deps.config.relayerTip);
    const sim = await simulateFresh(deps, p.calls, tip);
    // The payment must cover the expected fee with room for it to move before inclusion.
    const required = p.token ? strkToToken((sim.fee * FEE_COVER_PCT) / 100n, p.token) : 0n;
    if (p.token && required > p.paid) {
      throw new RelayError(Snip29Code.MAX_AMOUNT_TOO_LOW, 'Fee payment below the actual fee', {
        reason: 'fee_payment_too_low',
        details: 'The signed fee transfer no longer covers the fee; build and sign again.',
        data: { required: num.toHex(required), paid: num.toHex(p.paid) },
      });
    }
    reservation = await deps.gate.check({ ...request, maxFee: sim.maxFee, phase: 'execute' });
    if (p.feeMode === 'sponsored') reservation.lines.push(await reserveCeiling(deps, ctx, sim.maxFee));
    lease = await deps.relayers.acquire();
    const txHash = await submit(lease, p.calls, sim.resourceBounds, tip);
    const leasedBy = lease.address;
    const submitted = lease;
    lease = undefined;
    // Past this point the transaction exists: bookkeeping failures must not
    // release its reservation or its idempotency claim (that would let budget
    // and a retry pretend it never happened), so they are logged, not thrown.
    await bookkeep(deps, {
      id: trackingId,
      txHash,
      status: 'active',
      account: p.account,
      tenant: ctx.tenant.id,
      relayer: leasedBy,
      feeMode: p.feeMode,
      reservation,
      createdAt: Date.now(),
    }, p.idemKey, () => submitted.commit());
    return { tracking_id: trackingId, transaction_hash: txHash };
  } catch (e) {
    await lease?.release().catch(() => undefined);
    if (reservation) await deps.gate.release(reservation).catch(() => undefined);
    await forgetExecution(deps, p.idemKey, trackingId, ctx.tenant.id).catch(() => undefined);
    throw e;
  }
}

async function bookkeep(deps: RelayDeps, rec: TrackingRecord, idemKey: string, commitLease: () => Promise<void>): Promise<void> {
  const steps: [string, () => Promise<void>][] = [
    ['lease', commitLease],
    ['tracking', () => saveTracking(deps, rec)],
    ['idempotency', () => recordExecution(deps, idemKey, rec.id, rec.tenant, rec.txHash)],
  ];
  for (const [step, run] of steps) {
    await run().catch((e) => deps.log?.('execute.bookkeeping_failed', { step, trackingId: rec.id, txHash: rec.txHash, error: String(e) }));
  }
  deps.log?.('execute.submitted', { trackingId: rec.id, txHash: rec.txHash, account: rec.account, relayer: rec.relayer });
}

/**
 * The operator's per-tenant daily ceiling, reserved like any budget line so
 * the gate settles and releases it with the rest of the reservation.
 */
async function reserveCeiling(deps: RelayDeps, ctx: CallerContext, amount: bigint) {
  const day = new Date().toISOString().slice(0, 10);
  const key = `ceiling:${ctx.tenant.id}:${day}`;
  const limit = BigInt(ctx.tenant.maxDailyFee ?? deps.config.tenantDailyFeeCeiling);
  const r = await deps.store.reserve([{ key, amount, limit, ttlMs: 2 * 86_400_000 }]);
  if (!r.ok) {
    throw new RelayError(JsonRpcCode.POLICY_REFUSED, 'Sponsorship refused', {
      reason: 'tenant_budget_exhausted',
      details: "The operator's daily sponsorship ceiling for this tenant is used up; it resets at 00:00 UTC.",
      data: { retry_after: Math.ceil((Date.parse(`${day}T00:00:00Z`) + 86_400_000 - Date.now()) / 1000) },
      httpStatus: 429,
    });
  }
  return { key, amount: amount.toString() };
}

/** In default mode the user's payment must cover the simulated fee plus this margin. */
const FEE_COVER_PCT = 110n;
const REVERT_LIMIT = 3;

/**
 * A sender whose sponsored transactions keep reverting on chain (they passed
 * simulation, then state changed under them) costs the relayers gas for
 * nothing; after REVERT_LIMIT in a day the relay stops relaying for them.
 */
async function refuseRepeatReverters(deps: RelayDeps, tenantId: string, sender: string): Promise<void> {
  const n = Number((await deps.store.get(revertKey(tenantId, sender))) ?? 0);
  if (n >= REVERT_LIMIT) {
    throw new RelayError(JsonRpcCode.POLICY_REFUSED, 'Sponsorship refused', {
      reason: 'too_many_reverts',
      details: `${n} of this sender's relayed transactions reverted on chain in the last 24 h; relaying is paused for it.`,
      data: { retry_after: 86_400 },
      httpStatus: 429,
    });
  }
}

interface Simulation {
  /** The simulated fee, no margin: what the transaction is expected to cost. */
  fee: bigint;
  /** Amount bound × price bound: the most the relayer can be charged. */
  maxFee: bigint;
  resourceBounds: Record<'l1_gas' | 'l2_gas' | 'l1_data_gas', { max_amount: bigint; max_price_per_unit: bigint }>;
}

/**
 * The provider is built with resourceBoundsOverhead = false, so the simulation
 * reports raw consumption; the relay applies its own margins here (amounts
 * vary a little between simulation and inclusion, prices can move a block).
 */
const AMOUNT_MARGIN_PCT = 130n;
const PRICE_MARGIN_PCT = 150n;

/**
 * A simulation uses a relayer's chain nonce read a moment earlier; when that
 * relayer lands another transaction in between, the node answers with a nonce
 * error, which says nothing about the user's request: read again and retry.
 */
async function simulateFresh(deps: RelayDeps, calls: Call[], tip?: bigint): Promise<Simulation> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await simulate(await deps.relayers.simulator(), calls, tip);
    } catch (e) {
      if (e instanceof RelayError) throw e;
      const trace = traceFromRpcError(e);
      if (trace && /invalid transaction nonce/i.test(trace) && attempt < 4) continue;
      if (trace) throw revertToError(trace, e);
      throw chainUnavailable(e);
    }
  }
}

async function simulate(relayer: { account: Account; nonce: bigint }, calls: Call[], tip?: bigint): Promise<Simulation> {
  const res = await relayer.account.simulateTransaction([{ type: TransactionType.INVOKE, payload: calls }], {
    nonce: relayer.nonce,
    skipValidate: false,
    // Against the pending state: a transaction the user already sent that would
    // make this one revert must be seen now, not after the relayer has paid.
    blockIdentifier: 'pre_confirmed',
    ...(tip === undefined ? {} : { tip }),
  });
  const sim = res.simulated_transactions[0]!;
  const exec = (sim.transaction_trace as { execute_invocation?: { revert_reason?: string } }).execute_invocation;
  if (exec && 'revert_reason' in exec && exec.revert_reason) throw revertToError(exec.revert_reason);
  const raw = sim.resourceBounds;
  const bound = (r: { max_amount: bigint; max_price_per_unit: bigint }) => ({
    max_amount: (r.max_amount * AMOUNT_MARGIN_PCT + 99n) / 100n,
    max_price_per_unit: (r.max_price_per_unit * PRICE_MARGIN_PCT + 99n) / 100n,
  });
  const resourceBounds = { l1_gas: bound(raw.l1_gas), l2_gas: bound(raw.l2_gas), l1_data_gas: bound(raw.l1_data_gas) };
  const maxFee = Object.values(resourceBounds).reduce((sum, r) => sum + r.max_amount * r.max_price_per_unit, 0n);
  return { fee: sim.overall_fee, maxFee, resourceBounds };
}

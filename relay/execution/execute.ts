/**
 * paymaster_executeTransaction. Nothing reaches the chain until it has passed,
 * in order: the plan (caller = our Paymaster, our chain, window still open,
 * fee transfer, account class), an idempotency claim on the signed execution
 * (a retry is answered from it), the gate's decision without spending, a
 * deployment's account still undeployed, a simulation of the relayer's
 * transaction, the user's signature included (costing no gas), the
 * default-mode payment covering the simulated fee, and the gate's reservation
 * of the worst-case fee and of one unit of the Paymaster's on-chain quota.
 * Only then is a relayer leased and the transaction sent.
 */
import { randomFelt, toHex } from '../chain/felt.ts';
import { ceilPct, FEE_COVER_PCT, strkToToken, tokenToStrk } from '../chain/fees.ts';
import { accountQuotaLeft } from '../chain/paymaster.ts';
import type { ExecutableTransaction, UserParameters } from '../chain/snip29.ts';
import type { RelayDeps } from '../deps.ts';
import { isRelayError, RelayError } from '../errors/base.ts';
import { chainUnavailable } from '../errors/chain.ts';
import type { RelayerLease } from '../relayers/pool.ts';
import type { QuotaSnapshot, Reservation, SponsorshipRequest } from '../sponsorship/request.ts';
import { needsQuotaRead, quotaSnapshot } from '../sponsorship/quotaHold.ts';
import { holdTtlMs } from '../store/keys.ts';
import type { CallerContext } from '../tenants/auth.ts';
import { claimExecution, forgetExecution, recordExecution, type Claimant } from './idempotency.ts';
import { accountAlreadyDeployed, checkTimeLeft, settleLater } from './checks.ts';
import { metered, weightOf } from './metered.ts';
import { planExecution, type Plan } from './plan.ts';
import { simulate, type Simulation, type Simulator } from './simulate.ts';
import { submit } from './submit.ts';
import { resolveTip } from './tip.ts';
import { saveTracking, type TrackingRecord } from './trackingRecord.ts';

export interface ExecuteResult {
  tracking_id: string;
  transaction_hash: string;
}

export async function executeTransaction(
  deps: RelayDeps,
  ctx: CallerContext,
  tx: ExecutableTransaction,
  params: UserParameters,
): Promise<ExecuteResult> {
  const sender = tx.type === 'invoke' ? tx.invoke.user_address : tx.deployment.address;
  return metered(deps, ctx, sender, () => execute(deps, ctx, tx, params), weightOf(tx));
}

async function execute(deps: RelayDeps, ctx: CallerContext, tx: ExecutableTransaction, params: UserParameters): Promise<ExecuteResult> {
  const p = await planExecution(deps, tx, params);
  const request = {
    tenant: ctx.tenant,
    apiKeyId: ctx.apiKeyId,
    client: ctx.client,
    sender: p.account,
    calls: p.userCalls,
    feeMode: p.feeMode,
    ...(p.deployment ? { deployment: p.deployment } : {}),
  };
  const trackingId = randomFelt();
  const claimant = { trackingId, tenant: ctx.tenant.id, ...(p.idemTag === undefined ? {} : { tag: p.idemTag }) };
  // The claim first: a retry (its answer lost) gets the first's ids, never a refusal by what its own transaction
  // holds (a payment in flight). Another request, or tenant, for a deployment that landed is told it is deployed.
  const claim = await claimExecution(deps, p.idemKey, claimant).catch(async (e: unknown) => {
    const deployment = isRelayError(e) && (e.reason === 'deployment_in_progress' || e.reason === 'execution_already_submitted');
    throw deployment && (await p.deployedAlready?.()) ? accountAlreadyDeployed() : e;
  });
  if (!claim.created) return claim.existing;

  let lease: RelayerLease | undefined;
  let reservation: Reservation | undefined;
  try {
    // Refuse what policy or a safeguard refuses before spending a node simulation on it.
    await deps.gate.check({ ...request, maxFee: 0n, phase: 'build' } satisfies SponsorshipRequest);
    if (await p.deployedAlready?.()) throw accountAlreadyDeployed();
    // The tip (a market read) and the simulating relayer's nonce are independent chain reads.
    const [tip, simulator, counters] = await Promise.all([
      resolveTip(deps, params.fee_mode),
      readSimulator(deps),
      p.viaPaymaster ? quotaSnapshot(deps.store, p.account) : undefined,
    ]);
    // The reservation holds one unit of the Paymaster's quota per transaction in flight. When the
    // counters don't vouch for one more (quotaHold.ts), the quota is read while the node simulates.
    const quotaRead = counters && needsQuotaRead(counters) ? settleLater(readQuotaLeft(deps, p.account)) : undefined;
    const sim = await simulate(deps, p.calls, tip, simulator);
    const paidFri = await checkPayment(deps, p, sim);
    const quota = counters ? { accountQuota: accountQuota(deps, p.account, counters, quotaRead) } : {};
    const holds = { holdTtlMs: holdTtlMs(deps.config.timeBounds.maxValiditySeconds, deps.config.trackingDropAfterMs) };
    reservation = await deps.gate.reserve({ ...request, maxFee: sim.maxFee, phase: 'execute', ...holds, ...quota, ...(paidFri === undefined ? {} : { paidFri }) });
    lease = await deps.relayers.acquire();
    // The wait for a relayer (up to relayerAcquireTimeoutMs) and the webhook's (before the reservation) may have
    // run the window down since plan() judged it: sent now, the account would revert it on the relayer's gas.
    if (p.executeBefore !== undefined) checkTimeLeft(deps.config, await deps.clock.now(), p.executeBefore);
    const { txHash, unconfirmed, nonceUsed } = await submit(lease, p.calls, sim.resourceBounds, await deps.provider.getChainId(), tip);
    const submitted = lease;
    lease = undefined;
    // Unconfirmed (the node's answer was lost) is kept like a sent transaction: the claim and the
    // reservation stay, and tracking settles it if it lands or releases it if it never does.
    if (unconfirmed) deps.log('execute.unconfirmed', { trackingId, txHash });
    // Past this point the transaction exists: bookkeeping failures must not
    // release its reservation or its idempotency claim (that would let budget
    // and a retry pretend it never happened), so they are logged, not thrown.
    await bookkeep(deps, {
      id: trackingId,
      txHash,
      status: 'active',
      account: p.account,
      tenant: ctx.tenant.id,
      relayer: submitted.address,
      feeMode: p.feeMode,
      reservation,
      createdAt: Date.now(),
      hashes: [txHash],
      ...(p.deployment ? { deploymentClaim: p.idemKey } : {}),
      ...(p.executeBefore === undefined ? {} : { resend: { calls: p.calls, tip: tip.toString(), maxFee: sim.maxFee.toString(), executeBefore: p.executeBefore } }),
    }, { key: p.idemKey, claimant }, () => submitted.commit(sim.maxFee, !nonceUsed));
    return { tracking_id: trackingId, transaction_hash: txHash };
  } catch (e) {
    await lease?.release().catch(() => undefined);
    if (reservation) await deps.gate.release(reservation).catch(() => undefined);
    await forgetExecution(deps, p.idemKey, claimant).catch(() => undefined);
    throw e;
  }
}

const accountQuota = (deps: RelayDeps, account: string, snapshot: QuotaSnapshot, read?: Promise<bigint>) => ({
  snapshot,
  left: () => read ?? readQuotaLeft(deps, account),
});

/** What the Paymaster's quota has left for the account; a failed read is the chain's. */
async function readQuotaLeft(deps: RelayDeps, account: string): Promise<bigint> {
  try {
    return await accountQuotaLeft(deps.provider, deps.config.manifest.contracts.paymaster.address, account);
  } catch (e) {
    throw chainUnavailable(e);
  }
}

/** As simulate() would read it itself: a failed read is the chain's, never an internal error. */
const readSimulator = (deps: RelayDeps): Promise<Simulator> =>
  deps.relayers.simulator().catch((e: unknown) => {
    throw isRelayError(e) ? e : chainUnavailable(e);
  });

/**
 * In default mode the signed payment must cover the simulated fee, at the price now, with room for it to
 * move. Returns what the payment is worth in fri at that price: a fee beyond it is the relayer's loss, which
 * settlement charges to the tenant's ceiling.
 */
async function checkPayment(deps: RelayDeps, p: Plan, sim: Simulation): Promise<bigint | undefined> {
  if (!p.token) return undefined;
  const price = await deps.prices.price(p.token);
  const required = strkToToken(ceilPct(sim.fee, FEE_COVER_PCT), price);
  if (required > p.paid) {
    throw new RelayError('fee_payment_too_low', {
      details: 'The signed fee transfer no longer covers the fee at the current price; build and sign again.',
      data: { required: toHex(required), paid: toHex(p.paid) },
    });
  }
  return tokenToStrk(p.paid, price);
}

async function bookkeep(deps: RelayDeps, rec: TrackingRecord, idem: { key: string; claimant: Claimant }, commitLease: () => Promise<void>): Promise<void> {
  const steps: [string, () => Promise<void>][] = [
    ['lease', commitLease],
    ['tracking', () => saveTracking(deps, rec)],
    ['idempotency', () => recordExecution(deps, idem.key, idem.claimant, rec.txHash)],
  ];
  for (const [step, run] of steps) {
    await run().catch((e) => deps.log?.('execute.bookkeeping_failed', { step, trackingId: rec.id, txHash: rec.txHash, error: String(e) }));
  }
  deps.log?.('execute.submitted', { trackingId: rec.id, txHash: rec.txHash, account: rec.account, relayer: rec.relayer });
}

/**
 * The one sponsorship gate. `decide()` never spends: it reads the facts the
 * tenant's policies need and lets the pure evaluator (policies/) decide; the
 * build, the pre-check before a simulation and the admin dry run use it.
 * `reserve()` spends (execute): it decides again with the simulated fee and
 * reserves quota, budgets and the operator ceiling atomically. `settle()` and
 * `release()` correct or return a reservation once the chain has answered.
 * Platform-free: Store, fetch and an RPC provider are all it touches, through
 * the objects it is given.
 */
import {
  evaluate,
  needsWebhook,
  requiredFacts,
  ruleStage,
  selectPolicy,
  type Policy,
  type PolicyFacts,
  type PolicyRequest,
  type WebhookVerdict,
} from '../../policies/index.ts';
import { RelayError } from '../errors/base.ts';
import { JsonRpcCode } from '../errors/codes.ts';
import { notFound } from '../errors/issues.ts';
import type { Store } from '../store/types.ts';
import type { Tenant } from '../config.ts';
import type { TenantPolicies } from '../tenants/effective.ts';
import { FactReader } from './facts/reader.ts';
import { PolicyLimiters } from './facts/limits.ts';
import type { ReputationSource } from './facts/reputation.ts';
import type { WebhookClient } from './facts/webhook.ts';
import { PolicyLedger, type UsageQuery } from './ledger.ts';
import { limitsUse, type LimitsUse } from './gauges.ts';
import { assertAllowed } from './refusal.ts';
import { NO_POLICY, RefusalLog, refusalLabels, type RefusalCount } from './refusals.ts';
import { usageBySender, type SenderDay } from './usageBySender.ts';
import type { GateDecision, GateMetrics, Reservation, SponsorshipRequest } from './request.ts';
import { deployLines, deployQuotaRefusal, type DailyQuotaLimits } from './dailyQuota.ts';
import { withQuotaHold } from './quotaHold.ts';
import { recordRevert, safeguardLines, sendersSafeguard } from './safeguards.ts';

export interface SponsorshipGateOptions {
  store: Store;
  policies: TenantPolicies;
  /** Manifest names (ciro_token, cdc_pool, job_mgr, paymaster) to addresses. */
  contracts: Record<string, string>;
  /** The account classes the relay deploys: what a policy's `"accepted"` deployments mean. */
  accountClasses?: readonly string[];
  reputation: ReputationSource;
  webhook?: WebhookClient;
  /** Webhook secrets keyed `<tenantId>/<secretRef>` (see FactSources). */
  secrets?: Record<string, string>;
  /** Sponsored fees (fri) one tenant may reserve per UTC day unless the tenant sets `maxDailyFee`. */
  dailyFeeCeiling: bigint;
  /** Deployments per API key and per client network, whatever the policies allow. */
  deployQuota?: DailyQuotaLimits;
  /** Unix seconds; injectable so quota and rate-limit tests move time instead of sleeping. */
  now?: () => number;
  /** Decisions and settled fees, for /metrics. */
  metrics?: GateMetrics;
}

// Rules before this stage need no facts: a policy refused there refuses whatever we read.
const FIRST_FACT_STAGE = ruleStage('reputation');

export class SponsorshipGate {
  readonly now: () => number;
  private readonly deployQuota: DailyQuotaLimits;
  private readonly ledger: PolicyLedger;
  private readonly facts: FactReader;
  private readonly refusals: RefusalLog;

  constructor(private readonly o: SponsorshipGateOptions) {
    this.now = o.now ?? (() => Date.now() / 1000);
    this.deployQuota = o.deployQuota ?? { perApiKeyPerDay: 0, perClientPerHour: 0 };
    const limiters = new PolicyLimiters(o.store);
    this.ledger = new PolicyLedger(o.store, limiters);
    this.refusals = new RefusalLog(o.store);
    this.facts = new FactReader({ store: o.store, limiters, ledger: this.ledger, reputation: o.reputation, webhook: o.webhook, secrets: o.secrets ?? {} });
  }

  /**
   * The decision alone: reads facts, may call the webhook (execute only), spends nothing.
   * `only` narrows it to one of the tenant's policies; an id the tenant does not have is refused as unknown.
   */
  async decide(req: SponsorshipRequest, only?: string): Promise<GateDecision> {
    const effective = (await this.o.policies.effective(req.tenant)).map((e) => e.policy);
    const candidates = only === undefined ? effective : effective.filter((p) => p.id === only);
    if (only !== undefined && candidates.length === 0) throw notFound('policy', only);
    const [gd, safeguard, quota] = await Promise.all([
      this.evaluate(req, candidates.filter((p) => p.enabled)),
      sendersSafeguard(this.o.store, req),
      deployQuotaRefusal(this.o.store, req, this.deployQuota, this.now()),
    ]);
    const refusal = safeguard ?? quota;
    return { ...gd, evaluated: candidates.map((p) => p.id), ...(refusal ? { safeguard: refusal } : {}) };
  }

  /** decide(), refused unless allowed; a refusal is counted for the tenant (build, execute's pre-check). */
  async check(req: SponsorshipRequest): Promise<GateDecision> {
    const gd = await this.decide(req);
    await this.counted(req, () => assertAllowed(gd), 'check');
    return gd;
  }

  /** Decides with the simulated fee and, if allowed, reserves everything it spends in one atomic step. */
  async reserve(req: SponsorshipRequest): Promise<Reservation> {
    const gd = await this.decide(req);
    await this.counted(req, () => assertAllowed(gd), 'reserve');
    const ceiling = BigInt(req.tenant.maxDailyFee ?? this.o.dailyFeeCeiling);
    const extra = [...safeguardLines(req, ceiling, gd.decision.at), ...(await deployLines(this.o.store, req, this.deployQuota, gd.decision.at))];
    const consume = () => this.ledger.consume({ tenantId: req.tenant.id, request: gd.request, policy: gd.policy!, decision: gd.decision, extra });
    const reservation = await this.counted(req, () => withQuotaHold(this.o.store, req, consume, Date.now, (k, d) => this.ledger.correct(k, d)), 'reserve');
    // An allowance its webhook never approved (failOpen let an unreachable one through) is a series of its own: the operator's sign of an outage.
    const failOpen = gd.decision.verdicts.some((v) => v.failOpen);
    this.o.metrics?.decision({ tenant: req.tenant.id, policy: gd.policy!.id, rule: NO_POLICY, outcome: 'allowed', reason: failOpen ? 'webhook_fail_open' : 'allowed', stage: 'reserve' });
    return reservation;
  }

  /** Refusals per day, policy, rule and reason, as build and execute answered them (dry runs are not counted). */
  refusalCounts(tenantId: string, from: string, to: string): Promise<RefusalCount[]> {
    return this.refusals.counts(tenantId, from, to);
  }

  /** Every sender's transactions and sponsored fee per day. */
  usageBySender(tenantId: string, from: string, to: string, limit: number): Promise<{ rows: SenderDay[]; truncated: boolean }> {
    return usageBySender(this.o.store, tenantId, from, to, limit);
  }

  /** Tenants that reserved anything today or yesterday (UTC; `at` in unix seconds): the ones whose limits can have moved. */
  spendingTenants(at: number): Promise<string[]> {
    return this.ledger.spendingTenants(at);
  }

  /** Use of each enabled policy's global budget and failOpen allowance, and of the operator's daily ceiling, at `at` (unix seconds; now). */
  async limits(tenant: Tenant, at = this.now()): Promise<LimitsUse> {
    const policies = (await this.o.policies.effective(tenant)).map((e) => e.policy);
    return limitsUse(this.o.store, tenant, policies, this.o.dailyFeeCeiling, at);
  }

  /** Corrects each line to what the outcome costs; a revert counts against the sender. */
  async settle(res: Reservation, actualFee: bigint, reverted = false): Promise<void> {
    await this.ledger.settle(res, actualFee, reverted);
    this.spent(res, actualFee);
    if (reverted) await recordRevert(this.o.store, res);
  }

  /** A released transaction landed after all: charges what settling it would have left, whatever the limits say now. */
  async recharge(res: Reservation, actualFee: bigint, reverted: boolean): Promise<void> {
    await this.ledger.recharge(res, actualFee, reverted);
    this.spent(res, actualFee);
    if (reverted) await recordRevert(this.o.store, res);
  }

  /** A relayer paid `fee` for this reservation's transaction (only a default-mode one charges the ceiling if reverted). */
  private spent(res: Reservation, fee: bigint): void {
    const feeMode = res.lines.some((l) => l.kind === 'feeIfReverted') ? 'default' : 'sponsored';
    this.o.metrics?.feeSpent({ tenant: res.tenant ?? NO_POLICY, policy: res.policy ?? NO_POLICY, feeMode, fri: fee });
  }

  /** Gives back everything reserved (the transaction never landed). */
  release(res: Reservation): Promise<void> {
    return this.ledger.release(res);
  }

  usage(tenantId: string, q: UsageQuery): Promise<{ txs: number; fee: bigint }> {
    return this.ledger.usage(tenantId, q);
  }

  /** Runs `step`; a sponsorship refusal it throws is counted before it goes on to the caller. */
  private async counted<T>(req: SponsorshipRequest, step: () => T | Promise<T>, stage: 'check' | 'reserve'): Promise<T> {
    try {
      return await step();
    } catch (e) {
      if (e instanceof RelayError && e.code === JsonRpcCode.POLICY_REFUSED) {
        const r = this.refusals.record(req.tenant.id, e, this.now());
        if (this.o.metrics) this.o.metrics.decision({ tenant: req.tenant.id, ...refusalLabels(e), outcome: 'refused', reason: e.reason, stage });
        await r;
      }
      throw e;
    }
  }

  private async evaluate(req: SponsorshipRequest, candidates: Policy[]): Promise<Omit<GateDecision, 'evaluated'>> {
    const now = this.now();
    const request = toPolicyRequest(req);
    const base: PolicyFacts = { now, contracts: this.o.contracts, accountClasses: this.o.accountClasses ?? [] };

    const live = candidates.filter((p) => {
      const d = evaluate(request, p, base);
      return d.allow || ruleStage(d.rule!) >= FIRST_FACT_STAGE;
    });
    const needs = new Map(live.map((p) => [p, requiredFacts(request, p, now)]));

    const gated = live.filter((p) => needs.get(p)!.reputation);
    if (gated.length > 0) {
      // One read serves every policy: the freshest any of them demands.
      const rep = await this.facts.reputation(request.sender, Math.min(...gated.map((p) => p.rules.reputation!.cacheTtlSeconds)));
      if (rep !== undefined) base.reputation = rep;
    }

    const counters = new Map(
      await Promise.all(live.map(async (p) => [p, await this.facts.counters(req.tenant.id, request, p, needs.get(p)!, now)] as const)),
    );
    const verdicts = new Map<Policy, WebhookVerdict>();
    const factsFor = (p: Policy): Partial<PolicyFacts> => {
      const v = verdicts.get(p);
      return { ...counters.get(p), ...(v === undefined ? {} : { webhook: { verdict: v } }) };
    };

    // Webhooks in selectPolicy's order, stopping at the first allow: a lower-priority
    // policy's webhook is never called when a higher one already sponsors the request.
    // Without a webhook to ask, the loop would only evaluate every policy once more.
    const asking = live.some((p) => needs.get(p)!.webhook);
    for (const p of asking ? [...live].sort(byPriority) : []) {
      const first = evaluate(request, p, { ...base, ...factsFor(p), now });
      // Ask before honouring an allow: with failOpen, "no verdict" already passes,
      // yet an explicit deny from the webhook must still refuse.
      if (needs.get(p)!.webhook && needsWebhook(first)) {
        const v = await this.facts.webhook(req, p);
        if (v !== undefined) verdicts.set(p, v);
        if (evaluate(request, p, { ...base, ...factsFor(p), now }).allow) break;
      } else if (first.allow) {
        break;
      }
    }

    const decision = selectPolicy(request, candidates, base, factsFor);
    const policy = decision.policy === null ? undefined : candidates.find((p) => p.id === decision.policy);
    return policy ? { decision, policy, request } : { decision, request };
  }
}

function toPolicyRequest(req: SponsorshipRequest): PolicyRequest {
  return {
    sender: req.sender,
    calls: req.calls.map((c) => ({ to: c.to, selector: c.selector, calldata: c.calldata })),
    feeMode: req.feeMode,
    apiKeyId: req.apiKeyId,
    maxFee: req.maxFee,
    phase: req.phase,
    ...(req.deployment ? { deployment: req.deployment } : {}),
  };
}

// Same order as selectPolicy: priority descending, then id.
function byPriority(a: Policy, b: Policy): number {
  return b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The SponsorshipGate the relay runs: reads the facts the tenant's policies
 * need, lets the pure evaluator (policies/) decide, and at execute spends
 * through the ledger. Platform-free: Store, fetch and an RPC provider are
 * all it touches, through the objects it is given.
 */
import {
  evaluate,
  needsWebhook,
  requiredFacts,
  ruleStage,
  selectPolicy,
  consumesQuota,
  type Decision,
  type Policy,
  type PolicyFacts,
  type PolicyRequest,
  type RequiredFacts,
  type WebhookVerdict,
} from '../../policies/index.ts';
import { isRelayError } from '../errors.ts';
import { UDC_ADDRESS } from '../execution/estimate.ts';
import type { Store } from '../store/types.ts';
import type { Reservation, SponsorshipGate, SponsorshipRequest } from './gate.ts';
import { tenantKey } from './keys.ts';
import { PolicyLedger, type UsageQuery } from './ledger.ts';
import { PolicyLimiters } from './limits.ts';
import { decisionRefused } from './refusal.ts';
import type { PolicyRegistry } from './registry.ts';
import type { ReputationSource } from './reputation.ts';
import type { WebhookClient } from './webhook.ts';

export interface PolicyGateOptions {
  store: Store;
  policies: PolicyRegistry;
  /** Manifest names (ciro_token, cdc_pool, job_mgr, paymaster) to addresses. */
  contracts: Record<string, string>;
  reputation: ReputationSource;
  /** Without one, a policy with a webhook rule gets no verdict (denied unless failOpen). */
  webhook?: WebhookClient;
  /**
   * Webhook HMAC secrets, keyed `<tenantId>/<secretRef>`: a tenant's policy can
   * only sign with that tenant's secrets, never with another tenant's.
   */
  secrets?: Record<string, string>;
  /** Unix seconds. */
  now?: () => number;
}

/** Everything decided for one request, before anything is spent. */
export interface GateDecision {
  decision: Decision;
  /** The deciding policy, when there is one. */
  policy?: Policy;
  request: PolicyRequest;
}

// Rules before this stage need no facts: a policy refused there refuses whatever we read.
const FIRST_FACT_STAGE = ruleStage('reputation');

export class PolicyGate implements SponsorshipGate {
  private readonly opts: PolicyGateOptions;
  private readonly now: () => number;
  private readonly limiters: PolicyLimiters;
  private readonly ledger: PolicyLedger;

  constructor(opts: PolicyGateOptions) {
    this.opts = opts;
    this.now = opts.now ?? (() => Date.now() / 1000);
    this.limiters = new PolicyLimiters(opts.store);
    this.ledger = new PolicyLedger(opts.store, this.limiters);
  }

  async check(req: SponsorshipRequest): Promise<Reservation> {
    const { decision, policy, request } = await this.decide(req);
    if (!decision.allow) throw decisionRefused(decision);
    if (!consumesQuota(request, decision)) return { policy: policy!.id, lines: [] };
    return this.ledger.consume({ tenantId: req.tenant.id, request, policy: policy!, decision });
  }

  settle(res: Reservation, actualFee: bigint): Promise<void> {
    return this.ledger.settle(res, actualFee);
  }

  release(res: Reservation): Promise<void> {
    return this.ledger.release(res);
  }

  usage(tenantId: string, q: UsageQuery): Promise<{ txs: number; fee: bigint }> {
    return this.ledger.usage(tenantId, q);
  }

  /**
   * The decision alone: reads facts, may call the webhook (execute only),
   * spends nothing. check() is this plus the ledger; a dry run is this.
   */
  async decide(req: SponsorshipRequest): Promise<GateDecision> {
    const now = this.now();
    const request = toPolicyRequest(req);
    const candidates = this.opts.policies.forTenant(req.tenant).filter((p) => p.enabled);
    const base: PolicyFacts = { now, contracts: this.opts.contracts };

    const live = candidates.filter((p) => {
      const d = evaluate(request, p, base);
      return d.allow || ruleStage(d.rule!) >= FIRST_FACT_STAGE;
    });
    const needs = new Map(live.map((p) => [p, requiredFacts(request, p, now)]));

    const gated = live.filter((p) => needs.get(p)!.reputation);
    if (gated.length > 0) {
      // One read serves every policy: the freshest any of them demands.
      const maxAgeSeconds = Math.min(...gated.map((p) => p.rules.reputation!.cacheTtlSeconds));
      const rep = await this.readReputation(request.sender, maxAgeSeconds);
      if (rep !== undefined) base.reputation = rep;
    }

    const counters = new Map(
      await Promise.all(live.map(async (p) => [p, await this.readCounters(req.tenant.id, request, p, needs.get(p)!, now)] as const)),
    );
    const verdicts = new Map<Policy, WebhookVerdict>();
    const factsFor = (p: Policy): Partial<PolicyFacts> => {
      const v = verdicts.get(p);
      return { ...counters.get(p), ...(v === undefined ? {} : { webhook: { verdict: v } }) };
    };

    // Webhooks in selectPolicy's order, stopping at the first allow: a lower-priority
    // policy's webhook is never called when a higher one already sponsors the request.
    for (const p of [...live].sort(byPriority)) {
      const first = evaluate(request, p, { ...base, ...factsFor(p), now });
      // Ask before honouring an allow: with failOpen, "no verdict" already passes,
      // yet an explicit deny from the webhook must still refuse.
      if (needs.get(p)!.webhook && needsWebhook(first)) {
        const v = await this.askWebhook(req, p);
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

  private async readReputation(sender: string, maxAgeSeconds: number): Promise<number | undefined> {
    try {
      return await this.opts.reputation.get(sender, { maxAgeSeconds });
    } catch (e) {
      // The store being down is an outage (UNAVAILABLE); anything else is just "unknown", which denies.
      if (isRelayError(e)) throw e;
      return undefined;
    }
  }

  private async readCounters(tenantId: string, request: PolicyRequest, policy: Policy, rf: RequiredFacts, now: number): Promise<Partial<PolicyFacts>> {
    const store = this.opts.store;
    const amount = (suffix: string | undefined) => (suffix === undefined ? undefined : store.amount(tenantKey(tenantId, suffix)));
    const [txs, fee, global, user, rateLimits] = await Promise.all([
      amount(rf.usage?.txsKey),
      amount(rf.usage?.feeKey),
      amount(rf.budgets.global),
      amount(rf.budgets.user),
      this.limiters.read(this.ledger.rateLimits(tenantId, request, policy), now),
    ]);
    const facts: Partial<PolicyFacts> = { rateLimits };
    if (txs !== undefined && fee !== undefined) facts.usage = { txs: Number(txs), fee };
    if (global !== undefined || user !== undefined) {
      facts.budgets = { ...(global !== undefined ? { global } : {}), ...(user !== undefined ? { user } : {}) };
    }
    return facts;
  }

  private async askWebhook(req: SponsorshipRequest, policy: Policy): Promise<WebhookVerdict | undefined> {
    const rule = policy.rules.webhook!;
    if (!this.opts.webhook) return undefined;
    const secret = this.opts.secrets?.[`${req.tenant.id}/${rule.secretRef}`];
    // Never send an unsigned request: the receiver could not tell it from a forgery.
    if (secret === undefined || secret === '') return 'error';
    return this.opts.webhook.ask({ url: rule.url, timeoutMs: rule.timeoutMs }, secret, {
      tenant: req.tenant.id,
      policy: policy.id,
      sender: req.sender,
      calls: req.calls,
      feeMode: req.feeMode,
      maxFee: req.maxFee.toString(),
      phase: req.phase,
    });
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
  };
}

// Same order as selectPolicy: priority descending, then id.
function byPriority(a: Policy, b: Policy): number {
  return b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The gate's `contracts` from a deployment manifest. */
/** Manifest names plus `udc`, so a policy can sponsor account deployments (UDC deploy_contract). */
export function contractsFromManifest(manifest: { contracts: Record<string, { address: string }> }): Record<string, string> {
  return { udc: UDC_ADDRESS, ...Object.fromEntries(Object.entries(manifest.contracts).map(([name, c]) => [name, c.address])) };
}

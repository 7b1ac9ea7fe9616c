/**
 * Reads the facts a tenant's policies need for one request: counters and
 * rate limits from the Store, reputation from the chain, the webhook's
 * verdict. Only what `requiredFacts` asks for is read, so a request refused
 * by its calls never costs a chain read or a webhook call.
 */
import type { Policy, PolicyFacts, PolicyRequest, RequiredFacts, WebhookVerdict } from '../../../policies/index.ts';
import { isRelayError } from '../../errors/base.ts';
import { Keys } from '../../store/keys.ts';
import type { Store } from '../../store/types.ts';
import type { PolicyLedger } from '../ledger.ts';
import type { SponsorshipRequest } from '../request.ts';
import type { PolicyLimiters } from './limits.ts';
import type { ReputationSource } from './reputation.ts';
import type { WebhookClient } from './webhook.ts';

export interface FactSources {
  store: Store;
  limiters: PolicyLimiters;
  ledger: PolicyLedger;
  reputation: ReputationSource;
  /** Without one, a policy with a webhook rule gets no verdict (denied unless failOpen). */
  webhook?: WebhookClient;
  /**
   * Webhook HMAC secrets, keyed `<tenantId>/<secretRef>`: a tenant's policy can
   * only sign with that tenant's secrets, never with another tenant's.
   */
  secrets: Record<string, string>;
}

export class FactReader {
  constructor(private readonly s: FactSources) {}

  async reputation(sender: string, maxAgeSeconds: number): Promise<number | undefined> {
    try {
      return await this.s.reputation.get(sender, { maxAgeSeconds });
    } catch (e) {
      // The store being down is an outage (UNAVAILABLE); anything else is just "unknown", which denies.
      if (isRelayError(e)) throw e;
      return undefined;
    }
  }

  async counters(tenantId: string, request: PolicyRequest, policy: Policy, rf: RequiredFacts, now: number): Promise<Partial<PolicyFacts>> {
    const amount = (suffix: string | undefined) => (suffix === undefined ? undefined : this.s.store.amount(Keys.sponsor(tenantId, suffix)));
    const [txs, fee, global, user, failOpen, rateLimits] = await Promise.all([
      amount(rf.usage?.txsKey),
      amount(rf.usage?.feeKey),
      amount(rf.budgets.global),
      amount(rf.budgets.user),
      amount(rf.failOpen),
      this.s.limiters.read(this.s.ledger.rateLimits(tenantId, request, policy), now),
    ]);
    const facts: Partial<PolicyFacts> = { rateLimits, ...(failOpen !== undefined ? { failOpenUsed: Number(failOpen) } : {}) };
    if (txs !== undefined && fee !== undefined) facts.usage = { txs: Number(txs), fee };
    if (global !== undefined || user !== undefined) {
      facts.budgets = { ...(global !== undefined ? { global } : {}), ...(user !== undefined ? { user } : {}) };
    }
    return facts;
  }

  async webhook(req: SponsorshipRequest, policy: Policy): Promise<WebhookVerdict | undefined> {
    const rule = policy.rules.webhook!;
    if (!this.s.webhook) return undefined;
    const secret = this.s.secrets[`${req.tenant.id}/${rule.secretRef}`];
    // Never send an unsigned request: the receiver could not tell it from a forgery. A configuration
    // fault, not an outage: failOpen must not turn a missing secret into sponsoring everything.
    if (secret === undefined || secret === '') return 'invalid';
    return this.s.webhook.ask({ url: rule.url, timeoutMs: rule.timeoutMs }, secret, {
      tenant: req.tenant.id,
      policy: policy.id,
      sender: req.sender,
      calls: req.calls,
      feeMode: req.feeMode,
      maxFee: req.maxFee.toString(),
      phase: req.phase,
      ...(req.deployment ? { deployment: req.deployment } : {}),
    });
  }
}

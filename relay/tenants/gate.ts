/**
 * The SponsorshipGate for a multi-tenant relay: each tenant is judged by its
 * effective policies, which are
 *   - the file policies (shared templates, kept in git) its config lists, and
 *   - its own API-created policies, read through LivePolicies from the Store;
 * an API policy with a template's id replaces that template for this tenant
 * only (an override; deleting it brings the template back).
 *
 * A tenant's API policies never enter another tenant's set: policy ids are
 * per tenant, and so are all counters (tenantKey). Each tenant gets its own
 * PolicyGate over an immutable registry, rebuilt when its snapshot changes,
 * so concurrent requests never see a registry half-updated.
 */
import type { Policy } from '../../policies/index.ts';
import type { Tenant } from '../config.ts';
import type { Reservation, SponsorshipGate, SponsorshipRequest } from '../policies/gate.ts';
import type { UsageQuery } from '../policies/ledger.ts';
import { PolicyGate, type GateDecision, type PolicyGateOptions } from '../policies/policyGate.ts';
import { PolicyRegistry } from '../policies/registry.ts';
import type { Store } from '../store/types.ts';
import { notFound } from './errors.ts';
import { LivePolicies, type LiveSnapshot } from './livePolicies.ts';

export interface TenantPolicyGateOptions extends Omit<PolicyGateOptions, 'policies'> {
  /** File policies, by id: templates tenants opt into through their `policies` list. */
  templates: PolicyRegistry;
  /** See LivePolicies. */
  maxAgeMs?: number;
  log?: (event: string, data: Record<string, unknown>) => void;
}

export interface EffectivePolicy {
  policy: Policy;
  source: 'file' | 'api';
}

interface TenantGate {
  snap: LiveSnapshot;
  templateIds: string;
  gate: PolicyGate;
  tenant: Tenant;
  effective: EffectivePolicy[];
}

export class TenantPolicyGate implements SponsorshipGate {
  readonly templates: PolicyRegistry;
  readonly store: Store;
  private readonly live: LivePolicies;
  private readonly opts: TenantPolicyGateOptions;
  /** Settlement, release and usage touch counters only, never policies. */
  private readonly ledger: PolicyGate;
  private readonly byTenant = new Map<string, TenantGate>();

  constructor(opts: TenantPolicyGateOptions) {
    this.opts = opts;
    this.templates = opts.templates;
    this.store = opts.store;
    this.live = new LivePolicies(opts.store, { maxAgeMs: opts.maxAgeMs, log: opts.log });
    this.ledger = this.gateOver([]);
  }

  /** The tenant's policies as the gate sees them now, by id. */
  async effective(tenant: Tenant): Promise<EffectivePolicy[]> {
    return (await this.forTenant(tenant)).effective;
  }

  /** The file policy a tenant references under `id`, if any. */
  templateFor(tenant: Tenant, id: string): Policy | undefined {
    return tenant.policies.includes(id) ? this.templates.get(id) : undefined;
  }

  async check(req: SponsorshipRequest): Promise<Reservation> {
    const t = await this.forTenant(req.tenant);
    return t.gate.check({ ...req, tenant: t.tenant });
  }

  /**
   * The decision without spending (dry run). `only` narrows it to one of the
   * tenant's policies; an id the tenant does not have is refused as unknown.
   */
  async decide(req: SponsorshipRequest, only?: string): Promise<GateDecision & { evaluated: string[] }> {
    const t = await this.forTenant(req.tenant);
    if (only === undefined) {
      return { ...(await t.gate.decide({ ...req, tenant: t.tenant })), evaluated: t.tenant.policies };
    }
    const one = t.effective.find((e) => e.policy.id === only);
    if (!one) throw notFound('policy', only);
    const decision = await this.gateOver([one.policy]).decide({ ...req, tenant: { ...t.tenant, policies: [only] } });
    return { ...decision, evaluated: [only] };
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

  private async forTenant(tenant: Tenant): Promise<TenantGate> {
    const snap = await this.live.get(tenant.id);
    const templateIds = tenant.policies.join(',');
    const hit = this.byTenant.get(tenant.id);
    if (hit && hit.snap === snap && hit.templateIds === templateIds) return hit;

    const api = new Map(snap.policies.map((p) => [p.id, p]));
    const effective: EffectivePolicy[] = [
      ...this.templates.forTenant(tenant).filter((p) => !api.has(p.id)).map((policy) => ({ policy, source: 'file' as const })),
      ...snap.policies.map((policy) => ({ policy, source: 'api' as const })),
    ].sort((a, b) => (a.policy.id < b.policy.id ? -1 : a.policy.id > b.policy.id ? 1 : 0));
    const policies = effective.map((e) => e.policy);
    const built: TenantGate = {
      snap,
      templateIds,
      gate: this.gateOver(policies),
      tenant: { ...tenant, policies: policies.map((p) => p.id) },
      effective,
    };
    this.byTenant.set(tenant.id, built);
    return built;
  }

  private gateOver(policies: Policy[]): PolicyGate {
    const { templates: _t, maxAgeMs: _m, log: _l, ...base } = this.opts;
    return new PolicyGate({ ...base, policies: new PolicyRegistry(policies) });
  }
}

/**
 * A tenant's effective policies, which are
 *   - the file templates its config lists, and
 *   - its own API-created policies, read through LivePolicies from the Store;
 * an API policy with a template's id replaces that template for this tenant
 * only (an override; deleting it brings the template back).
 *
 * A tenant's API policies never enter another tenant's set: policy ids are
 * per tenant. The set is rebuilt only when the tenant's snapshot or template
 * list changes, so concurrent requests share one immutable array.
 */
import type { Policy } from '../../policies/index.ts';
import type { Tenant } from '../config.ts';
import type { Store } from '../store/types.ts';
import { LivePolicies, type LiveSnapshot } from './livePolicies.ts';
import type { PolicyTemplates } from './templates.ts';

export interface EffectivePolicy {
  policy: Policy;
  source: 'file' | 'api';
}

interface Cached {
  snap: LiveSnapshot;
  templateIds: string;
  effective: EffectivePolicy[];
}

export interface TenantPoliciesOptions {
  store: Store;
  templates: PolicyTemplates;
  /** See LivePolicies. */
  maxAgeMs?: number;
  log?: (event: string, data: Record<string, unknown>) => void;
}

export class TenantPolicies {
  readonly templates: PolicyTemplates;
  private readonly live: LivePolicies;
  private readonly byTenant = new Map<string, Cached>();

  constructor(opts: TenantPoliciesOptions) {
    this.templates = opts.templates;
    this.live = new LivePolicies(opts.store, { maxAgeMs: opts.maxAgeMs, log: opts.log });
  }

  /** The tenant's policies as the gate sees them now, sorted by id. */
  async effective(tenant: Tenant): Promise<EffectivePolicy[]> {
    const snap = await this.live.get(tenant.id);
    const templateIds = tenant.policies.join(',');
    const hit = this.byTenant.get(tenant.id);
    if (hit && hit.snap === snap && hit.templateIds === templateIds) return hit.effective;

    // An override this relay cannot read still hides its template (it may have disabled or narrowed it): fails closed.
    const effective: EffectivePolicy[] = [
      ...this.templates.forTenant(tenant).filter((p) => !snap.ids.has(p.id)).map((policy) => ({ policy, source: 'file' as const })),
      ...snap.policies.map((policy) => ({ policy, source: 'api' as const })),
    ].sort((a, b) => (a.policy.id < b.policy.id ? -1 : a.policy.id > b.policy.id ? 1 : 0));
    this.byTenant.set(tenant.id, { snap, templateIds, effective });
    return effective;
  }
}

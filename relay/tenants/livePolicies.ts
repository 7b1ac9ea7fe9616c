/**
 * Read-through cache of each tenant's API policies, for the gate.
 *
 * Every lookup reads one Store key, the tenant's policy revision, which
 * policyStore.ts bumps after each committed change. Same revision: the cached
 * policies are used. New revision (another instance, or this one, changed
 * something): every head is reloaded. So a policy changed through instance A
 * is enforced by instance B at B's next request for that tenant, with one
 * GET per request as the cost, and no restart or pub/sub.
 *
 * The revision is read before the heads, so a snapshot is never older than
 * the revision it is filed under. `maxAgeMs` bounds the one case the
 * revision misses: a writer that died between its commit and the bump.
 */
import { parsePolicy, type Policy } from '../../policies/index.ts';
import type { Store } from '../store/types.ts';
import { PolicyStore } from './policyStore.ts';

export interface LiveSnapshot {
  rev: string | null;
  loadedAt: number;
  /** The tenant's live (not deleted) API policies, parsed. */
  policies: Policy[];
  /** Ids of every live API policy, readable or not: each hides the file template of its id. */
  ids: ReadonlySet<string>;
}

export interface LivePoliciesOptions {
  /** Reload even at an unchanged revision after this long. Default 30 s. */
  maxAgeMs?: number;
  /** Milliseconds. */
  now?: () => number;
  log?: (event: string, data: Record<string, unknown>) => void;
}

export class LivePolicies {
  private readonly policies: PolicyStore;
  private readonly cache = new Map<string, LiveSnapshot>();
  private readonly loading = new Map<string, Promise<LiveSnapshot>>();
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(
    store: Store,
    private readonly opts: LivePoliciesOptions = {},
  ) {
    this.policies = new PolicyStore(store);
    this.maxAgeMs = opts.maxAgeMs ?? 30_000;
    this.now = opts.now ?? (() => Date.now());
  }

  async get(tenantId: string): Promise<LiveSnapshot> {
    const rev = await this.policies.revision(tenantId);
    const hit = this.cache.get(tenantId);
    if (hit && hit.rev === rev && this.now() - hit.loadedAt < this.maxAgeMs) return hit;
    // One reload per tenant and revision, however many requests notice it at once.
    const slot = `${tenantId}\n${rev}`;
    let pending = this.loading.get(slot);
    if (!pending) {
      pending = this.load(tenantId, rev).finally(() => this.loading.delete(slot));
      this.loading.set(slot, pending);
    }
    return pending;
  }

  private async load(tenantId: string, rev: string | null): Promise<LiveSnapshot> {
    const heads = await this.policies.heads(tenantId);
    const policies: Policy[] = [];
    const ids = new Set<string>();
    for (const h of heads) {
      if (h.policy === null) continue;
      ids.add(h.id);
      const r = parsePolicy(h.policy);
      // A stored policy this relay cannot read grants nothing: leaving it out fails closed.
      if (r.ok) policies.push(r.policy);
      else this.opts.log?.('policy.unreadable', { tenant: tenantId, policy: h.id, version: h.version, issues: r.issues });
    }
    const snap: LiveSnapshot = { rev, loadedAt: this.now(), policies, ids };
    this.cache.set(tenantId, snap);
    return snap;
  }
}

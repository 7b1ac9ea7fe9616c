/**
 * The parsed policies a relay serves, by id. Pure (no Node imports) so the
 * Workers entry can fill it from KV or a Durable Object; reading a folder of
 * JSON files is files.ts, Node only.
 */
import { parsePolicy, type Policy, type PolicyIssue } from '../../policies/index.ts';

/** A policy that does not parse, with where it came from (file name, admin request…). */
export class PolicyLoadError extends Error {
  override name = 'PolicyLoadError';
  constructor(
    readonly source: string,
    readonly issues: PolicyIssue[],
  ) {
    const first = issues[0];
    super(`${source}: ${first ? `${first.path || '(root)'}: ${first.message}` : 'invalid policy'}`);
  }
}

/** Parses one policy or throws PolicyLoadError naming `source` and the first issue's path. */
export function parsePolicyOrThrow(input: unknown, source: string): Policy {
  const r = parsePolicy(input);
  if (!r.ok) throw new PolicyLoadError(source, r.issues);
  return r.policy;
}

export class PolicyRegistry {
  private readonly byId = new Map<string, Policy>();

  /** Duplicate ids are refused: two files both claiming an id is an operator mistake, not an update. */
  constructor(policies: Iterable<Policy> = []) {
    for (const p of policies) {
      if (this.byId.has(p.id)) throw new Error(`duplicate policy id '${p.id}'`);
      this.byId.set(p.id, p);
    }
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Policy | undefined {
    return this.byId.get(id);
  }

  /** Adds or replaces (an update from the admin API). */
  set(policy: Policy): void {
    this.byId.set(policy.id, policy);
  }

  /** Parses and adds raw JSON; throws PolicyLoadError without touching the registry. */
  put(input: unknown, source = 'policy'): Policy {
    const policy = parsePolicyOrThrow(input, source);
    this.set(policy);
    return policy;
  }

  delete(id: string): boolean {
    return this.byId.delete(id);
  }

  /** All policies, by id. */
  list(): Policy[] {
    return [...this.byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * The tenant's policies that exist here, disabled ones included: whether a
   * disabled policy counts is the evaluator's call (selectPolicy skips it).
   */
  forTenant(tenant: { policies: readonly string[] }): Policy[] {
    const out: Policy[] = [];
    for (const id of new Set(tenant.policies)) {
      const p = this.byId.get(id);
      if (p) out.push(p);
    }
    return out;
  }

  /** Ids a tenant names that are not loaded: worth a boot-time warning, since they grant nothing. */
  missing(tenant: { policies: readonly string[] }): string[] {
    return tenant.policies.filter((id) => !this.byId.has(id));
  }
}

/**
 * File policies: shared templates, kept in git, that a tenant opts into by
 * listing their ids. Immutable once loaded (the entry reads them at boot);
 * a tenant changes its own copy through the admin API instead.
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

export class PolicyTemplates {
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

  /** All templates, by id. */
  list(): Policy[] {
    return [...this.byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * The tenant's templates that exist here, disabled ones included: whether a
   * disabled policy counts is the evaluator's call (selectPolicy skips it).
   */
  forTenant(tenant: { policies: readonly string[] }): Policy[] {
    return [...new Set(tenant.policies)].flatMap((id) => this.byId.get(id) ?? []);
  }

  /** The template a tenant references under `id`, if it references one. */
  forTenantId(tenant: { policies: readonly string[] }, id: string): Policy | undefined {
    return tenant.policies.includes(id) ? this.byId.get(id) : undefined;
  }

  /** Ids a tenant names that are not loaded: they grant nothing, so the entry warns at boot. */
  missing(tenant: { policies: readonly string[] }): string[] {
    return tenant.policies.filter((id) => !this.byId.has(id));
  }
}

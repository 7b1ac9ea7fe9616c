/**
 * Tenant policies created through the admin API, versioned in the Store.
 *
 * Layout: the head key holds the latest version record in full; older ones
 * live under `:v:<n>`. A write first copies the current head to its `:v:<n>`
 * key (idempotent: same content whoever does it), then compare-and-sets the
 * head. The CAS is the commit, so two concurrent writers can never both
 * create version n+1, and no version is ever lost: the one being superseded
 * is already saved before the head moves.
 *
 * The commit also bumps the tenant's revision counter (how other relay
 * instances notice, see livePolicies.ts) and appends the audit entry, in the
 * same atomic Store.commit: a crash can't leave a change unseen or unaudited.
 */
import type { Policy } from '../../policies/index.ts';
import { RelayError } from '../errors/base.ts';
import { notFound } from '../errors/issues.ts';
import { Keys } from '../store/keys.ts';
import type { Store } from '../store/types.ts';
import { auditAppend } from './audit.ts';
import { jsonDiff, type DiffOp } from './diff.ts';
import { withTenantLock } from './lock.ts';
import { nowIso, type Actor } from './records.ts';

const K = Keys.admin;

const versionConflict = (expected: number, current: number): RelayError =>
  new RelayError('version_conflict', {
    details: `You sent If-Match version ${expected} but the current version is ${current}; re-read it and retry.`,
    data: { expected, current },
  });

export type PolicyOp = 'create' | 'update' | 'delete';

export interface PolicyVersion {
  id: string;
  version: number;
  op: PolicyOp;
  /** The policy as of this version (stored JSON); null once deleted. */
  policy: Policy | null;
  at: string;
  by: Actor;
  /** JSON diff from the previous version (or the file template it overrides); empty when `diffOmitted`. */
  diff: DiffOp[];
  /** The diff was larger than MAX_DIFF_BYTES: compare this version's policy with the previous one's. */
  diffOmitted?: true;
  /** Set when this version was written over the file policy of the same id. */
  basedOn?: 'file';
  /** Set when this version restores an earlier one (a rollback). */
  rollbackOf?: number;
}

export interface PolicyWrite {
  tenantId: string;
  id: string;
  op: PolicyOp;
  policy: Policy | null;
  by: Actor;
  /** From If-Match: the version the caller last read (0 = only the file template existed). */
  expected?: number;
  /** The file policy the tenant references under this id: the base an override starts from. */
  template?: Policy;
  /** The earlier version this write restores. */
  rollbackOf?: number;
}

const MAX_ATTEMPTS = 5;
export const MAX_POLICY_BYTES = 32 * 1024;
/** Every id a tenant ever created counts (deleted ones keep their history). */
export const MAX_POLICIES = 64;
export const MAX_VERSIONS = 100;
/** A version record keeps its diff up to this size: two 32 KB policies could otherwise add ~250 KB to each. */
export const MAX_DIFF_BYTES = 4096;

const cappedDiff = (diff: DiffOp[]): { diff: DiffOp[]; diffOmitted?: true } =>
  JSON.stringify(diff).length > MAX_DIFF_BYTES ? { diff: [], diffOmitted: true } : { diff };

export class PolicyStore {
  constructor(private readonly store: Store) {}

  async head(tenantId: string, id: string): Promise<PolicyVersion | undefined> {
    return parseVersion(await this.store.get(K.policy(tenantId, id)));
  }

  /** Latest versions of every policy the tenant ever created, deleted ones included. */
  async heads(tenantId: string): Promise<PolicyVersion[]> {
    const ids = (await this.store.members(K.policyIds(tenantId))).sort();
    const heads = await Promise.all(ids.map((id) => this.head(tenantId, id)));
    return heads.filter((h) => h !== undefined);
  }

  /** Newest first; `offset` counts back from the latest version. */
  async versions(tenantId: string, id: string, offset: number, limit: number): Promise<PolicyVersion[]> {
    const head = await this.head(tenantId, id);
    if (!head) return [];
    const top = head.version - offset;
    const wanted = Array.from({ length: Math.max(0, Math.min(limit, top)) }, (_, i) => top - i);
    const out = await Promise.all(
      wanted.map(async (v) => (v === head.version ? head : parseVersion(await this.store.get(K.policyVersion(tenantId, id, v))))),
    );
    return out.filter((v) => v !== undefined);
  }

  async version(tenantId: string, id: string, v: number): Promise<PolicyVersion | undefined> {
    const head = await this.head(tenantId, id);
    if (!head || v < 1 || v > head.version) return undefined;
    return v === head.version ? head : parseVersion(await this.store.get(K.policyVersion(tenantId, id, v)));
  }

  /** The revision other instances compare against their cache. */
  revision(tenantId: string): Promise<string | null> {
    return this.store.get(K.policyRev(tenantId));
  }

  async write(w: PolicyWrite): Promise<PolicyVersion> {
    // A new id counts against MAX_POLICIES: checked and listed under the tenant's lock, or a burst of creates
    // would each read the count before any of them listed its id.
    const isNew = w.policy !== null && !(await this.store.members(K.policyIds(w.tenantId))).includes(w.id);
    return isNew ? withTenantLock(this.store, w.tenantId, () => this.writeChecked(w)) : this.writeChecked(w);
  }

  private async writeChecked(w: PolicyWrite): Promise<PolicyVersion> {
    const headKey = K.policy(w.tenantId, w.id);
    if (w.policy !== null) await this.checkLimits(w.tenantId, w.id, w.policy);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const raw = await this.store.get(headKey);
      const cur = parseVersion(raw);
      const current = cur?.version ?? 0;
      if (w.expected !== undefined && w.expected !== current) throw versionConflict(w.expected, current);
      const { old, basedOn } = this.base(w, cur);
      const diff = jsonDiff(old, w.policy);
      const rec: PolicyVersion = {
        id: w.id,
        version: current + 1,
        op: w.op,
        policy: w.policy,
        at: nowIso(),
        by: w.by,
        ...cappedDiff(diff),
        ...(basedOn ? { basedOn } : {}),
        ...(w.rollbackOf !== undefined ? { rollbackOf: w.rollbackOf } : {}),
      };
      // Indexed before the commit (and only once the write is known to be valid): a crash
      // after the commit must not leave a policy nobody can list or enforce.
      if (w.op !== 'delete') await this.store.addToSet(K.policyIds(w.tenantId), w.id);
      if (cur && raw !== null) await this.store.set(K.policyVersion(w.tenantId, w.id, cur.version), raw);
      // The version, the revision other instances watch, and the audit entry: all or nothing.
      const entry = { at: rec.at, who: w.by, action: `policy.${w.op}` as const, target: { kind: 'policy' as const, id: w.id }, version: rec.version, diff,
        ...(w.rollbackOf !== undefined ? { detail: { rollbackOf: String(w.rollbackOf) } } : {}) };
      const committed = await this.store.commit({
        key: headKey,
        expected: raw,
        value: JSON.stringify(rec),
        bump: [K.policyRev(w.tenantId)],
        append: [auditAppend(w.tenantId, entry)],
      });
      if (committed) {
        // History is kept for the newest MAX_VERSIONS versions; the audit log keeps every change's diff.
        if (rec.version > MAX_VERSIONS) await this.store.delete(K.policyVersion(w.tenantId, w.id, rec.version - MAX_VERSIONS));
        return rec;
      }
      // Someone else committed first. With If-Match the caller decides; without, rebase on theirs.
      if (w.expected !== undefined) throw versionConflict(w.expected, current + 1);
    }
    throw new RelayError('write_contention', { details: `Policy '${w.id}' is being changed concurrently; retry.` });
  }

  /** A tenant's share of the Store is bounded: policy size and how many policies it may have. */
  private async checkLimits(tenantId: string, id: string, policy: Policy): Promise<void> {
    const bytes = JSON.stringify(policy).length;
    if (bytes > MAX_POLICY_BYTES) {
      throw new RelayError('policy_too_large', { details: `A policy may be at most ${MAX_POLICY_BYTES} bytes of JSON; this one is ${bytes}.` });
    }
    const ids = await this.store.members(K.policyIds(tenantId));
    if (!ids.includes(id) && ids.length >= MAX_POLICIES) {
      throw new RelayError('too_many_policies', { details: `A tenant may have at most ${MAX_POLICIES} policies; reuse or delete one.` });
    }
  }

  /** What the new version is compared with, and whether the write is allowed at all. */
  private base(w: PolicyWrite, cur: PolicyVersion | undefined): { old: Policy | null; basedOn?: 'file' } {
    const live = cur?.policy ?? null;
    if (live) {
      if (w.op === 'create') {
        throw new RelayError('policy_exists', { details: `Policy '${w.id}' exists; change it with PUT /v1/policies/${w.id}.` });
      }
      return { old: live };
    }
    if (w.op === 'delete') {
      if (w.template) {
        throw new RelayError('policy_from_file', { details: `Policy '${w.id}' comes from the relay's policy files; change it in git.` });
      }
      throw notFound('policy', w.id);
    }
    if (w.template) return { old: w.template, basedOn: 'file' };
    if (w.op === 'update') throw notFound('policy', w.id);
    return { old: null };
  }
}

function parseVersion(raw: string | null): PolicyVersion | undefined {
  if (raw === null) return undefined;
  try {
    const v = JSON.parse(raw) as PolicyVersion;
    return typeof v.version === 'number' && typeof v.id === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The tenant's audit log: one entry per change made through the admin API
 * (policies, keys, the tenant itself), newest first. It is a Store list, so
 * every relay instance appends to and reads the same log.
 *
 * The list keeps the newest MAX_ENTRIES; policy history itself is never
 * trimmed (every version record carries its own who/when/diff), so trimming
 * only shortens this cross-resource timeline.
 */
import { Keys } from '../store/keys.ts';
import type { Store } from '../store/types.ts';
import type { DiffOp } from './diff.ts';
import type { Actor } from './records.ts';

export const MAX_AUDIT_ENTRIES = 10_000;
const MAX_ENTRY_BYTES = 8 * 1024;

export type AuditAction =
  | 'policy.create'
  | 'policy.update'
  | 'policy.delete'
  | 'key.create'
  | 'key.revoke'
  | 'tenant.create'
  | 'tenant.update'
  | 'tenant.delete';

export interface AuditEntry {
  /** ISO-8601, when the change was committed. */
  at: string;
  who: Actor;
  action: AuditAction;
  target: { kind: 'policy' | 'key' | 'tenant'; id: string };
  /** Policy version the change created. */
  version?: number;
  /** JSON diff of the resource, old → new (policies). */
  diff?: DiffOp[];
  /** Small facts worth keeping (a key's scope); never secrets. */
  detail?: Record<string, string>;
}

/** The list append an entry is, for writers that commit it together with their change (Store.commit). */
export function auditAppend(tenantId: string, entry: AuditEntry): { key: string; value: string; maxLen: number } {
  let raw = JSON.stringify(entry);
  // A huge diff stays in the policy version it belongs to; the log keeps that it happened.
  if (raw.length > MAX_ENTRY_BYTES) raw = JSON.stringify({ ...entry, diff: undefined, detail: { ...entry.detail, diff: 'omitted: too large, see the policy version' } });
  return { key: Keys.admin.audit(tenantId), value: raw, maxLen: MAX_AUDIT_ENTRIES };
}

export class AuditLog {
  constructor(private readonly store: Store) {}

  append(tenantId: string, entry: AuditEntry): Promise<void> {
    const a = auditAppend(tenantId, entry);
    return this.store.append(a.key, a.value, a.maxLen);
  }

  async list(tenantId: string, offset: number, limit: number): Promise<AuditEntry[]> {
    const raw = await this.store.range(Keys.admin.audit(tenantId), offset, limit);
    return raw.flatMap((r) => {
      try {
        return [JSON.parse(r) as AuditEntry];
      } catch {
        return [];
      }
    });
  }
}

/**
 * Tenants created by an operator through the admin API. Config tenants are
 * fixed at boot; these live in the Store and are found by every relay
 * instance. A new tenant gets one admin key, returned once, from which its
 * team manages everything else (policies, more keys).
 */
import type { Tenant } from '../config.ts';
import { RelayError } from '../errors/base.ts';
import { Keys } from '../store/keys.ts';
import { TenantKeys, type CreatedKey } from './apiKeys.ts';
import { AuditLog } from './audit.ts';
import type { TenantDirectory } from './directory.ts';
import { nowIso, type Actor, type StoredTenant } from './records.ts';

const K = Keys.admin;

export interface NewTenant {
  id: string;
  name: string;
  /** File policies (templates) the tenant uses. */
  policies: string[];
}

export async function createTenant(
  dir: TenantDirectory,
  input: NewTenant,
  by: Actor,
): Promise<{ tenant: Tenant & { source: 'api' }; adminKey: CreatedKey }> {
  const exists = () => new RelayError('tenant_exists', { details: `Tenant '${input.id}' already exists.` });
  if (dir.configTenant(input.id)) throw exists();
  const rec: StoredTenant = { ...input, createdAt: nowIso(), createdBy: by };
  if (!(await dir.store.setIfAbsent(K.tenant(input.id), JSON.stringify(rec))).created) throw exists();
  await dir.store.addToSet(K.tenants, input.id);
  await new AuditLog(dir.store).append(input.id, {
    at: rec.createdAt,
    who: by,
    action: 'tenant.create',
    target: { kind: 'tenant', id: input.id },
    detail: { name: input.name },
  });
  // Attributed to the operator: the tenant has no key of its own yet.
  const adminKey = await new TenantKeys(dir).create(input.id, 'admin', by, 'initial admin key');
  return { tenant: { id: input.id, name: input.name, apiKeys: [], policies: input.policies, source: 'api' }, adminKey };
}

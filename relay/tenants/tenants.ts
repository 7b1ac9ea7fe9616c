/**
 * Tenants created by an operator through the admin API. Config tenants are
 * fixed at boot; these live in the Store and are found by every relay
 * instance. A new tenant gets one admin key, returned once, from which its
 * team manages everything else (policies, more keys).
 */
import { ConfigError, type Tenant } from '../config.ts';
import { RelayError } from '../errors/base.ts';
import { Keys } from '../store/keys.ts';
import { TenantKeys, type CreatedKey } from './apiKeys.ts';
import { AuditLog, auditAppend } from './audit.ts';
import { jsonDiff } from './diff.ts';
import { withTenantLock } from './lock.ts';
import type { TenantDirectory } from './directory.ts';
import { nowIso, readRecord, StoredTenantSchema, type Actor, type StoredTenant } from './records.ts';

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
  // A config tenant taken out of the config leaves no tenant record, but its policies, keys and audit log stay.
  if ((await dir.store.get(K.tenant(input.id))) === null && (await hasHistory(dir, input.id))) {
    throw new RelayError('tenant_exists', {
      details: `Tenant id '${input.id}' has policies, keys or an audit log from an earlier tenant (one once in the relay config): ids are never reused. Choose another id.`,
    });
  }
  const rec: StoredTenant = { ...input, createdAt: nowIso(), createdBy: by };
  const taken = await dir.store.setIfAbsent(K.tenant(input.id), JSON.stringify(rec));
  if (!taken.created) {
    if (readRecord(StoredTenantSchema, await dir.store.get(K.tenant(input.id)))) throw exists();
    throw new RelayError('tenant_exists', {
      details: `Tenant id '${input.id}' belonged to a deleted tenant: ids are never reused (its policies, audit log and secrets would come with it). Choose another id.`,
    });
  }
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

async function hasHistory(dir: TenantDirectory, id: string): Promise<boolean> {
  const [policies, keys, audit] = await Promise.all([dir.store.members(K.policyIds(id)), dir.store.members(K.tenantKeys(id)), dir.store.range(K.audit(id), 0, 1)]);
  return policies.length + keys.length + audit.length > 0;
}

/**
 * Config tenants whose id an API tenant holds or held (a record, or its tombstone): the API tenant's keys
 * would act on the config tenant. The entries refuse to start with one; ids are never shared.
 */
export async function checkConfigTenants(dir: TenantDirectory): Promise<void> {
  const held = await Promise.all(dir.config.tenants.map(async (t, i) => ((await dir.store.get(K.tenant(t.id))) === null ? undefined : { i, id: t.id })));
  const clashes = held.filter((c) => c !== undefined);
  if (clashes.length === 0) return;
  throw new ConfigError(clashes.map(({ i, id }) => ({ path: `tenants[${i}].id`, message: `'${id}' is (or was) a tenant created through the admin API, whose keys would act on this one; give the config tenant another id` })));
}

const fromConfig = (id: string) =>
  new RelayError('tenant_from_config', { details: `Tenant '${id}' comes from the relay config; change it there.` });

/** Renames a tenant or changes the file templates it uses; config tenants change in the config. */
export async function updateTenant(dir: TenantDirectory, id: string, change: Partial<Pick<NewTenant, 'name' | 'policies'>>, by: Actor): Promise<Tenant & { source: 'api' }> {
  if (dir.configTenant(id)) throw fromConfig(id);
  return withTenantLock(dir.store, id, async () => {
    const raw = await dir.store.get(K.tenant(id));
    const cur = readRecord(StoredTenantSchema, raw);
    if (!cur || raw === null) throw new RelayError('tenant_not_found', { details: `No tenant '${id}'.` });
    const next: StoredTenant = { ...cur, ...change };
    const at = nowIso();
    const entry = auditAppend(id, { at, who: by, action: 'tenant.update', target: { kind: 'tenant', id }, diff: jsonDiff(cur, next) });
    if (!(await dir.store.commit({ key: K.tenant(id), expected: raw, value: JSON.stringify(next), append: [entry] }))) {
      throw new RelayError('write_contention', { details: `Tenant '${id}' is being changed concurrently; retry.` });
    }
    return { id, name: next.name, apiKeys: [], policies: next.policies, source: 'api' };
  });
}

/**
 * Deletes an API-created tenant: its keys stop working at once (revoked, so
 * the audit trail keeps them), the tenant leaves the directory, and its id is
 * retired for good. Its usage and policy history stay in the Store until
 * they expire.
 */
export async function deleteTenant(dir: TenantDirectory, id: string, by: Actor): Promise<void> {
  if (dir.configTenant(id)) throw fromConfig(id);
  await withTenantLock(dir.store, id, async () => {
    if (!readRecord(StoredTenantSchema, await dir.store.get(K.tenant(id)))) throw new RelayError('tenant_not_found', { details: `No tenant '${id}'.` });
    const at = nowIso();
    for (const keyId of await dir.store.members(K.tenantKeys(id))) {
      const cur = await dir.storedKey(keyId);
      if (cur && cur.rec.revokedAt === undefined) await dir.store.set(K.key(keyId), JSON.stringify({ ...cur.rec, revokedAt: at, revokedBy: by }));
    }
    // A tombstone, not a deletion: the id is never created again, so nothing the tenant left in the Store
    // (policies, audit log, counters, sessions) nor its env secrets (CIRO_SECRET_<id>__*) pass to a newcomer.
    await dir.store.set(K.tenant(id), JSON.stringify({ id, deletedAt: at, deletedBy: by }));
    await dir.store.removeFromSet(K.tenants, id);
    await new AuditLog(dir.store).append(id, { at, who: by, action: 'tenant.delete', target: { kind: 'tenant', id } });
  });
}

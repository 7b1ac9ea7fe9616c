/**
 * The tenant directory: tenants and keys from the config file (boot) merged
 * with those created through the admin API (Store). Reads go to the Store
 * every time, never a local cache: a key revoked through one relay instance
 * must stop working on all of them at the next request.
 */
import type { Config, KeyScope, Tenant } from '../config.ts';
import { Keys } from '../store/keys.ts';
import type { Store } from '../store/types.ts';
import { keyInfo, readRecord, StoredKeySchema, StoredTenantSchema, type KeyInfo, type StoredKey } from './records.ts';

const K = Keys.admin;

/** A key as authentication sees it. */
export interface ResolvedKey {
  id: string;
  scope: KeyScope | 'operator';
  secretHash: string;
  revoked: boolean;
  /** Absent for operator keys. */
  tenant?: Tenant;
}

export class TenantDirectory {
  constructor(
    readonly config: Config,
    readonly store: Store,
  ) {}

  configTenant(id: string): Tenant | undefined {
    return this.config.tenants.find((t) => t.id === id);
  }

  async tenant(id: string): Promise<(Tenant & { source: 'config' | 'api' }) | undefined> {
    const c = this.configTenant(id);
    if (c) return { ...c, source: 'config' };
    const rec = readRecord(StoredTenantSchema, await this.store.get(K.tenant(id)));
    return rec && { id: rec.id, name: rec.name, apiKeys: [], policies: rec.policies, source: 'api' };
  }

  /** Every tenant, config first; for the operator listing. */
  async tenants(): Promise<(Tenant & { source: 'config' | 'api' })[]> {
    const ids = (await this.store.members(K.tenants)).filter((id) => !this.configTenant(id)).sort();
    const stored = await Promise.all(ids.map((id) => this.tenant(id)));
    return [...this.config.tenants.map((t) => ({ ...t, source: 'config' as const })), ...stored.filter((t) => t !== undefined)];
  }

  /** True when the id is taken anywhere, so a new key can never shadow or be shadowed. */
  async keyIdTaken(id: string): Promise<boolean> {
    if (this.configKey(id) || this.config.operatorKeys.some((k) => k.id === id)) return true;
    return (await this.store.get(K.key(id))) !== null;
  }

  async storedKey(id: string): Promise<{ raw: string; rec: StoredKey } | undefined> {
    const raw = await this.store.get(K.key(id));
    const rec = readRecord(StoredKeySchema, raw);
    return rec && raw !== null ? { raw, rec } : undefined;
  }

  configKey(id: string): { tenant: Tenant; scope: KeyScope; secretHash: string } | undefined {
    for (const tenant of this.config.tenants) {
      const key = tenant.apiKeys.find((k) => k.id === id);
      if (key) return { tenant, scope: key.scope, secretHash: key.secretHash };
    }
    return undefined;
  }

  /** Finds a presented key id: operator keys, then config keys (revocable in the Store), then API keys. */
  async resolveKey(id: string): Promise<ResolvedKey | undefined> {
    const op = this.config.operatorKeys.find((k) => k.id === id);
    if (op) return { id, scope: 'operator', secretHash: op.secretHash, revoked: false };
    const cfg = this.configKey(id);
    const stored = (await this.storedKey(id))?.rec;
    if (cfg) {
      const revoked = stored?.source === 'config' && stored.tenantId === cfg.tenant.id && stored.revokedAt !== undefined;
      return { id, scope: cfg.scope, secretHash: cfg.secretHash, revoked, tenant: cfg.tenant };
    }
    if (!stored || stored.source !== 'api' || stored.secretHash === undefined) return undefined;
    const tenant = await this.tenant(stored.tenantId);
    if (!tenant) return undefined;
    const { source: _source, ...plain } = tenant;
    return { id, scope: stored.scope, secretHash: stored.secretHash, revoked: stored.revokedAt !== undefined, tenant: plain };
  }

  /** The tenant's keys, config ones first, with revocations applied. */
  async keysOf(tenantId: string): Promise<KeyInfo[]> {
    const cfg = this.configTenant(tenantId)?.apiKeys ?? [];
    const apiIds = (await this.store.members(K.tenantKeys(tenantId))).sort();
    const records = await Promise.all([...cfg.map((k) => k.id), ...apiIds].map((id) => this.storedKey(id)));
    const out: KeyInfo[] = [];
    cfg.forEach((k, i) => {
      const r = records[i]?.rec;
      const revoked = r?.source === 'config' && r.tenantId === tenantId ? r : undefined;
      out.push({ id: k.id, scope: k.scope, source: 'config', ...pick(revoked, ['revokedAt', 'revokedBy']) });
    });
    records.slice(cfg.length).forEach((r) => {
      if (r && r.rec.source === 'api' && r.rec.tenantId === tenantId) out.push(keyInfo(r.rec));
    });
    return out;
  }
}

function pick<T extends object, F extends keyof T>(o: T | undefined, fields: F[]): Partial<Pick<T, F>> {
  const out: Partial<Pick<T, F>> = {};
  if (o) for (const f of fields) if (o[f] !== undefined) out[f] = o[f];
  return out;
}

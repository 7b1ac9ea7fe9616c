/**
 * Key management for a tenant's admins: create (the full key is returned
 * exactly once; only SHA-256 of the secret is kept), list (never secrets or
 * hashes) and revoke. Config keys can be revoked too, by a Store record
 * authentication checks, so a leaked bootstrap key can be shut off without
 * redeploying; they come back only by removing that record.
 */
import type { KeyScope } from '../config.ts';
import { RelayError } from '../errors/base.ts';
import { notFound } from '../errors/issues.ts';
import { Keys } from '../store/keys.ts';
import { AuditLog } from './audit.ts';
import { newApiKey } from './auth.ts';
import type { TenantDirectory } from './directory.ts';
import { withTenantLock } from './lock.ts';
import { keyInfo, nowIso, type Actor, type KeyInfo, type StoredKey } from './records.ts';

const K = Keys.admin;
export const MAX_ACTIVE_KEYS = 50;
export const MAX_KEYS = 500;

export interface CreatedKey {
  info: KeyInfo;
  /** `<id>.<secret>`: shown once, never stored. */
  key: string;
}

const randomId = (): string =>
  'k' + [...crypto.getRandomValues(new Uint8Array(10))].map((b) => b.toString(16).padStart(2, '0')).join('');

export class TenantKeys {
  private readonly audit: AuditLog;

  constructor(private readonly dir: TenantDirectory) {
    this.audit = new AuditLog(dir.store);
  }

  list(tenantId: string): Promise<KeyInfo[]> {
    return this.dir.keysOf(tenantId);
  }

  /** Under the tenant lock, so concurrent creations can't overshoot the caps. */
  create(tenantId: string, scope: KeyScope, by: Actor, name?: string): Promise<CreatedKey> {
    return withTenantLock(this.dir.store, tenantId, () => this.createLocked(tenantId, scope, by, name));
  }

  /**
   * Revokes one of the tenant's keys; another tenant's key is "not found".
   * Revoking twice answers the first revocation. The tenant's last working
   * admin key is kept, or nobody could manage the tenant any more: checked
   * under the tenant lock, so two concurrent revocations can't both pass it.
   */
  revoke(tenantId: string, keyId: string, by: Actor): Promise<KeyInfo> {
    return withTenantLock(this.dir.store, tenantId, () => this.revokeLocked(tenantId, keyId, by));
  }

  private async createLocked(tenantId: string, scope: KeyScope, by: Actor, name?: string): Promise<CreatedKey> {
    const store = this.dir.store;
    const keys = await this.dir.keysOf(tenantId);
    // Revoked keys stay listed (and stored) for the audit trail, so both counts are bounded.
    if (keys.filter((k) => k.revokedAt === undefined).length >= MAX_ACTIVE_KEYS || keys.length >= MAX_KEYS) {
      throw new RelayError('too_many_keys', {
        details: `A tenant may have ${MAX_ACTIVE_KEYS} active keys and ${MAX_KEYS} keys in all, revoked ones included.`,
      });
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      const id = randomId();
      if (await this.dir.keyIdTaken(id)) continue;
      const { key, secretHash } = await newApiKey(id);
      const rec: StoredKey = {
        id,
        tenantId,
        scope,
        source: 'api',
        secretHash,
        createdAt: nowIso(),
        createdBy: by,
        ...(name === undefined ? {} : { name }),
      };
      // setIfAbsent: two instances drawing the same id cannot both own it.
      if (!(await store.setIfAbsent(K.key(id), JSON.stringify(rec))).created) continue;
      await store.addToSet(K.tenantKeys(tenantId), id);
      await this.audit.append(tenantId, { at: rec.createdAt!, who: by, action: 'key.create', target: { kind: 'key', id }, detail: { scope } });
      return { info: keyInfo(rec), key };
    }
    throw new RelayError('key_id_exhausted', { details: 'Could not draw an unused key id; retry.' });
  }

  private async revokeLocked(tenantId: string, keyId: string, by: Actor): Promise<KeyInfo> {
    const keys = await this.dir.keysOf(tenantId);
    const target = keys.find((k) => k.id === keyId);
    if (!target) throw notFound('key', keyId);
    if (target.revokedAt !== undefined) return target;
    if (target.scope === 'admin' && !keys.some((k) => k.id !== keyId && k.scope === 'admin' && k.revokedAt === undefined)) {
      throw new RelayError('last_admin_key', { details: "This is the tenant's last active admin key; create another admin key before revoking it." });
    }
    const revokedAt = nowIso();
    const store = this.dir.store;
    if (target.source === 'config') {
      const rec: StoredKey = { id: keyId, tenantId, scope: target.scope, source: 'config', revokedAt, revokedBy: by };
      await store.set(K.key(keyId), JSON.stringify(rec));
    } else {
      const cur = await this.dir.storedKey(keyId);
      if (!cur || cur.rec.tenantId !== tenantId) throw notFound('key', keyId);
      const rec: StoredKey = { ...cur.rec, revokedAt, revokedBy: by };
      if (!(await store.compareAndSet(K.key(keyId), cur.raw, JSON.stringify(rec)))) {
        // Changed under us: the only change a key record ever gets is a revocation.
        const now = await this.dir.storedKey(keyId);
        if (now?.rec.revokedAt !== undefined) return keyInfo(now.rec);
        throw new RelayError('write_contention', { details: `Key '${keyId}' is being changed concurrently; retry.` });
      }
    }
    await this.audit.append(tenantId, { at: revokedAt, who: by, action: 'key.revoke', target: { kind: 'key', id: keyId }, detail: { scope: target.scope } });
    return { ...target, revokedAt, revokedBy: by };
  }
}

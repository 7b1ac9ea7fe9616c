/**
 * The records the tenant directory and the policy admin keep in the Store
 * (keys in store/keys.ts, under `admin:`), and the shapes the admin API
 * shows of them. Records are JSON parsed back through zod: one written by an
 * older relay, or edited by hand, is refused rather than trusted.
 */
import { z } from 'zod';
import { KeyScopeSchema } from '../config.ts';

/** Operator actions carry this tenant marker; `@` is not allowed in tenant ids, so it is unambiguous. */
export const OPERATOR = '@operator';

/** Who made a change: the tenant and the id of the key it used (`@operator` for operator keys). */
export const ActorSchema = z.object({ tenant: z.string(), keyId: z.string() });
export type Actor = z.infer<typeof ActorSchema>;

export const StoredTenantSchema = z.object({
  id: z.string(),
  name: z.string(),
  policies: z.array(z.string()).default([]),
  createdAt: z.string(),
  createdBy: ActorSchema,
});
export type StoredTenant = z.infer<typeof StoredTenantSchema>;

/** A key as a tenant's admin sees it: never the secret, never the hash. */
export const KeyInfoSchema = z.object({
  id: z.string(),
  scope: KeyScopeSchema,
  /** `api`: created through the admin API. `config`: from the config file. */
  source: z.enum(['api', 'config']),
  name: z.string().optional(),
  createdAt: z.string().optional(),
  createdBy: ActorSchema.optional(),
  revokedAt: z.string().optional(),
  revokedBy: ActorSchema.optional(),
});
export type KeyInfo = z.infer<typeof KeyInfoSchema>;

/** For a `config` key the record only exists to revoke it, so it has no hash. */
export const StoredKeySchema = KeyInfoSchema.extend({ tenantId: z.string(), secretHash: z.string().optional() });
export type StoredKey = z.infer<typeof StoredKeySchema>;

/** Drops what a key record keeps that its tenant's admins never see (hash, tenant id). */
export const keyInfo = (r: StoredKey): KeyInfo => KeyInfoSchema.parse(r);

/** Parses a stored JSON record; anything unreadable counts as absent (fail closed for keys). */
export function readRecord<T>(schema: z.ZodType<T>, raw: string | null): T | undefined {
  if (raw === null) return undefined;
  try {
    const r = schema.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export const nowIso = (): string => new Date().toISOString();

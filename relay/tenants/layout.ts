/**
 * What the tenant directory and the policy admin keep in the Store, and under
 * which keys. Everything lives under `admin:` so it can never collide with
 * the runtime's counters (`sponsor:`, `usage:`, `relayer:`…). Tenant ids,
 * policy ids and key ids are restricted to [a-z0-9_-] (config / policy
 * schemas), so `:` always separates segments and no id can forge another's key.
 *
 * Records are JSON parsed back through zod: a record written by an older
 * relay, or edited by hand, is refused rather than trusted.
 */
import { z } from 'zod';

export const K = {
  /** Set of store-created tenant ids (config tenants are not listed here). */
  tenants: 'admin:tenants',
  tenant: (t: string) => `admin:tenant:${t}`,
  /** Set of API-created key ids of a tenant. */
  tenantKeys: (t: string) => `admin:tenant:${t}:keys`,
  /** Key ids are global: the id in a presented key finds its record without knowing the tenant. */
  key: (id: string) => `admin:key:${id}`,
  /** Latest version of one tenant policy (a deletion is a version too). */
  policy: (t: string, id: string) => `admin:policy:${t}:${id}`,
  policyVersion: (t: string, id: string, v: number) => `admin:policy:${t}:${id}:v:${v}`,
  /** Set of policy ids the tenant ever created through the API. */
  policyIds: (t: string) => `admin:policies:${t}`,
  /** Bumped after every policy change: what other instances poll to notice it. */
  policyRev: (t: string) => `admin:policies:${t}:rev`,
  audit: (t: string) => `admin:audit:${t}`,
};

/** Operator actions carry this tenant marker; `@` is not allowed in tenant ids, so it is unambiguous. */
export const OPERATOR = '@operator';

export const ActorSchema = z.object({ tenant: z.string(), keyId: z.string() });
/** Who made a change: the tenant and the id of the key it used. */
export type Actor = z.infer<typeof ActorSchema>;

export const StoredTenantSchema = z.object({
  id: z.string(),
  name: z.string(),
  policies: z.array(z.string()).default([]),
  createdAt: z.string(),
  createdBy: ActorSchema,
});
export type StoredTenant = z.infer<typeof StoredTenantSchema>;

export const StoredKeySchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  scope: z.enum(['sponsor', 'admin']),
  /**
   * `api`: created through the admin API, hash kept here. `config`: a key from
   * the config file; the record only exists to revoke it.
   */
  source: z.enum(['api', 'config']),
  secretHash: z.string().optional(),
  name: z.string().optional(),
  createdAt: z.string().optional(),
  createdBy: ActorSchema.optional(),
  revokedAt: z.string().optional(),
  revokedBy: ActorSchema.optional(),
});
export type StoredKey = z.infer<typeof StoredKeySchema>;

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

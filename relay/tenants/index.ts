/**
 * Tenants, their keys and their API-managed policies. Platform-free (Store,
 * Web Crypto and zod only): runs unchanged in Cloudflare Workers.
 */
export { AuditLog, MAX_AUDIT_ENTRIES, type AuditAction, type AuditEntry } from './audit.ts';
export { jsonDiff, type DiffOp } from './diff.ts';
export { TenantDirectory, keyInfo, type KeyInfo, type ResolvedKey } from './directory.ts';
export { TenantPolicyGate, type EffectivePolicy, type TenantPolicyGateOptions } from './gate.ts';
export { TenantKeys, type CreatedKey } from './keys.ts';
export { K as TENANT_KEYS, OPERATOR, type Actor, type StoredKey, type StoredTenant } from './layout.ts';
export { LivePolicies, type LivePoliciesOptions, type LiveSnapshot } from './livePolicies.ts';
export { PolicyStore, type PolicyOp, type PolicyVersion, type PolicyWrite } from './policyStore.ts';
export { createTenant, type NewTenant } from './tenants.ts';

/**
 * The admin API's response shapes the console reads, as GET /v1/openapi.json
 * describes them (relay/admin/schemas.ts, insightSchemas.ts). Written out
 * here rather than imported so the browser code type-checks on its own; the
 * browser test runs every screen against the real API.
 */
export interface Actor { tenant: string; keyId: string }
export interface DiffOp { op: 'add' | 'remove' | 'replace'; path: string; from?: unknown; value?: unknown }
export type PolicyJson = Record<string, unknown> & { id: string; name: string; enabled: boolean; priority?: number };

export interface PolicySummary { id: string; name: string; enabled: boolean; priority: number; source: 'file' | 'api'; version: number }
export interface PolicyView { id: string; source: 'file' | 'api'; version: number; policy: PolicyJson; updatedAt?: string; updatedBy?: Actor }
export interface PolicyVersion {
  id: string; version: number; op: 'create' | 'update' | 'delete'; policy: PolicyJson | null;
  at: string; by: Actor; diff: DiffOp[]; basedOn?: 'file'; rollbackOf?: number;
}
export interface AuditEntry {
  at: string; who: Actor; action: string; target: { kind: string; id: string };
  version?: number; diff?: DiffOp[]; detail?: Record<string, string>;
}
export interface KeyInfo { id: string; scope: string; source: 'api' | 'config'; name?: string; createdAt?: string; createdBy?: Actor; revokedAt?: string; revokedBy?: Actor }
export interface Usage { days: { day: string; txs: number; fee: string }[]; total: { txs: number; fee: string } }
export interface SenderUsage { rows: { day: string; sender: string; txs: number; fee: string }[]; truncated: boolean }
export interface Refusals { refusals: { day: string; policy: string; rule: string; reason: string; count: number }[] }
export interface Gauge { used: string; limit: string; start: number; end: number }
export interface Limits {
  ceiling: Gauge & { day: string };
  budgets: (Gauge & { policy: string; name: string; period: string })[];
  failOpen: { policy: string; name: string; used: number; limit: number; start: number; end: number }[];
}
export interface AccountState {
  account: string;
  holds: { quota: string; payment: string };
  reverts: { count: number; paused: boolean };
  inFlight: { trackingId: string; tenant: string; status: 'active' | 'dropped'; feeMode: string; txHash: string; createdAt: number }[];
}
export interface Relayers { minBalance: string; relayers: { address: string; balance: string | null; inRotation: boolean }[] }
export interface Verdict { rule: string; ok: boolean; reason?: string; detail?: string; retryAfter?: number }
export interface DryRunResult {
  allow: boolean; policy: string | null; rule?: string; reason?: string; retryAfter?: number;
  message: string; verdicts: Verdict[]; evaluated: string[];
}

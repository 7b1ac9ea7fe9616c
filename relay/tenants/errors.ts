/**
 * Refusals of the tenant directory and admin API. All are RelayErrors with an
 * HTTP status, so the admin API serves them as-is and nothing a caller sends
 * becomes a 5xx. Another tenant's resource is refused exactly like an
 * unknown one (same status, reason and wording) so ids cannot be probed.
 */
import { JsonRpcCode, RelayError } from '../errors.ts';

export const notFound = (kind: string, id: string): RelayError =>
  new RelayError(JsonRpcCode.INVALID_REQUEST, 'Not found', {
    reason: `${kind}_not_found`,
    details: `No ${kind} '${id}' for this tenant.`,
    httpStatus: 404,
  });

export const conflict = (reason: string, details: string, data?: Record<string, unknown>): RelayError =>
  new RelayError(JsonRpcCode.INVALID_REQUEST, 'Conflict', { reason, details, httpStatus: 409, ...(data ? { data } : {}) });

export const versionConflict = (expected: number, current: number): RelayError =>
  conflict('version_conflict', `You sent If-Match version ${expected} but the current version is ${current}; re-read it and retry.`, {
    expected,
    current,
  });

/** A bad request that names the offending input, e.g. `path: "rules.allow[0].contract"`. */
export const invalid = (reason: string, path: string, details: string): RelayError =>
  new RelayError(JsonRpcCode.INVALID_PARAMS, 'Invalid request', {
    reason,
    details: `${path || '(body)'}: ${details}`,
    data: { path, issues: [{ path, message: details }] },
    httpStatus: 400,
  });

export const unavailable = (details: string): RelayError =>
  new RelayError(JsonRpcCode.UNAVAILABLE, 'Unavailable', { reason: 'admin_unavailable', details, httpStatus: 503 });

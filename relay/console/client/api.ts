/**
 * The console's only way to the relay: the `/v1` admin API, with the key
 * from the browser session in `x-paymaster-api-key`. Every screen goes
 * through `api()`, so every call is scoped to the signed-in key's tenant and
 * nothing here is an endpoint of the console's own. Errors keep the relay's
 * REST envelope (reason, details, path) so screens can say what to fix.
 */
import { currentKey, signOut } from './session.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly details: string | undefined,
    readonly path: string | undefined,
  ) {
    super(details ? `${reason}: ${details}` : reason);
  }
}

export interface ApiOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** For sign-in: a key not (yet) in the session. */
  key?: string;
}

export async function api<T>(path: string, o: ApiOptions = {}): Promise<{ data: T; etag: string | null }> {
  const key = o.key ?? currentKey();
  const res = await fetch(`/v1${path}`, {
    method: o.method ?? 'GET',
    headers: {
      ...(key ? { 'x-paymaster-api-key': key } : {}),
      ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...o.headers,
    },
    ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
    cache: 'no-store',
  });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const e = (json as { error?: { reason?: string; details?: string; message?: string; path?: string } } | undefined)?.error;
    // A key revoked while signed in: the session is over, not just this call.
    if (res.status === 401 && o.key === undefined) signOut('Your key was refused (revoked or unknown); sign in again.');
    throw new ApiError(res.status, e?.reason ?? `http_${res.status}`, e?.details ?? e?.message, e?.path);
  }
  return { data: json as T, etag: res.headers.get('etag') };
}

export const get = async <T>(path: string): Promise<T> => (await api<T>(path)).data;

/** The ETag's version number (`"3"` → 3). */
export const versionOf = (etag: string | null): number | undefined => (etag ? Number(etag.replace(/^W\//, '').replaceAll('"', '')) : undefined);

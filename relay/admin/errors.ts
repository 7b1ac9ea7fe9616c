/**
 * How the admin API reports failures: `{ error: { reason, message, details,
 * … } }` with the RelayError's HTTP status. Validation failures name every
 * offending path (`rules.allow[0].contract`, `query.day`) so a client can
 * point at the field; malformed JSON and wrong media types are 4xx too, so
 * nothing a caller sends produces a 5xx.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { isRelayError, JsonRpcCode, RelayError } from '../errors.ts';

export interface Issue {
  path: string;
  message: string;
}

export function errorBody(e: RelayError): { error: Record<string, unknown> } {
  return { error: { reason: e.reason, message: e.message, ...(e.details ? { details: e.details } : {}), ...e.data } };
}

/** Dotted path with [i] for indices, the notation policies/ uses for policy issues. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

export function zodIssues(error: ZodError, prefix?: string): Issue[] {
  const at = (p: readonly PropertyKey[]) => formatPath(prefix ? [prefix, ...p] : p);
  return error.issues.flatMap((i) =>
    // Point at the unknown key itself, so a typo reads as one.
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ path: at([...i.path, k]), message: `unknown field '${k}'` }))
      : [{ path: at(i.path), message: i.message }],
  );
}

export function validationError(issues: Issue[]): RelayError {
  const first = issues[0];
  return new RelayError(JsonRpcCode.INVALID_PARAMS, 'Invalid request', {
    reason: 'invalid_request',
    details: issues.slice(0, 5).map((i) => `${i.path || '(body)'}: ${i.message}`).join('; '),
    data: { path: first?.path ?? '', issues: issues.slice(0, 50) },
    httpStatus: 400,
  });
}

/** The OpenAPIHono defaultHook: zod failures on body, query, params or headers become 400s with paths. */
export function validationHook(result: { success: boolean; target: string; error?: ZodError }, c: Context): Response | undefined {
  if (result.success || !result.error) return undefined;
  // Body paths read like policy paths; other inputs say where they came from.
  const prefix = result.target === 'json' ? undefined : result.target === 'param' ? 'path' : result.target;
  const e = validationError(zodIssues(result.error, prefix));
  return c.json(errorBody(e), 400);
}

export function onAdminError(log?: (event: string, data: Record<string, unknown>) => void) {
  return (err: Error, c: Context): Response => {
    if (isRelayError(err)) return c.json(errorBody(err), err.httpStatus as ContentfulStatusCode);
    if (err instanceof HTTPException && err.status < 500) {
      const [reason, details] =
        err.status === 415
          ? ['unsupported_media_type', 'Send the body as JSON with Content-Type: application/json.']
          : err.status === 413
            ? ['body_too_large', 'The body is too large.']
            : /json/i.test(err.message)
              ? ['invalid_json', 'The body is not valid JSON.']
              : ['bad_request', err.message || 'Bad request.'];
      return c.json({ error: { reason, message: 'Bad request', details } }, err.status as ContentfulStatusCode);
    }
    log?.('admin.error', { error: String(err), stack: err.stack });
    return c.json({ error: { reason: 'internal_error', message: 'Internal error', details: 'Unexpected error; retry later.' } }, 500);
  };
}

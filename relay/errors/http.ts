/**
 * The one envelope of every REST route (admin API, 404, 500):
 * `{ error: { reason, message, details, … } }` with the catalogue's HTTP
 * status. Validation failures name every offending path, and malformed JSON
 * or a wrong media type is a 4xx too, so nothing a caller sends becomes a 5xx.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { isRelayError, RelayError } from './base.ts';
import type { Reason } from './catalogue.ts';
import { zodIssues } from '../../policies/index.ts';
import { invalidInput } from './issues.ts';

export const errorResponse = (c: Context, e: RelayError): Response => c.json(e.toHttpBody(), e.httpStatus as ContentfulStatusCode);

/** The OpenAPIHono defaultHook: zod failures on body, query, params or headers become 400s with paths. */
export function validationHook(result: { success: boolean; target: string; error?: ZodError }, c: Context): Response | undefined {
  if (result.success || !result.error) return undefined;
  // Body paths read like policy paths; other inputs say where they came from.
  const prefix = result.target === 'json' ? undefined : result.target === 'param' ? 'path' : result.target;
  return errorResponse(c, invalidInput('invalid_request', zodIssues(result.error, prefix)));
}

/** What Hono itself refuses (body parsing, media type) is the caller's mistake, with a reason of its own. */
function fromHttpException(e: HTTPException): RelayError {
  const [reason, details]: [Reason, string] =
    e.status === 415
      ? ['unsupported_media_type', 'Send the body as JSON with Content-Type: application/json.']
      : e.status === 413
        ? ['body_too_large', 'The body is too large.']
        : // Routes here take JSON bodies only, and Hono's JSON validator throws 400 for nothing but a body that does not parse.
          e.status === 400
          ? ['invalid_json', 'The body is not valid JSON.']
          : ['bad_request', e.message || 'Bad request.'];
  return new RelayError(reason, { details, cause: e });
}

export function restErrorHandler(log: (event: string, data: Record<string, unknown>) => void) {
  return (err: Error, c: Context): Response => {
    if (isRelayError(err)) return errorResponse(c, err);
    if (err instanceof HTTPException && err.status < 500) return errorResponse(c, fromHttpException(err));
    log('http.error', { error: String(err), stack: err.stack });
    return errorResponse(c, new RelayError('internal_error', { details: 'Unexpected error; nothing was executed.', cause: err }));
  };
}

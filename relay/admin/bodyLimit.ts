/**
 * hono/body-limit with a fast path for bodies that declare their length.
 *
 * Hono's middleware starts with `c.req.raw.body`, which on @hono/node-server
 * turns the lightweight request into a full WHATWG Request (an undici
 * Request, a ReadableStream over the socket, an AbortController) just to see
 * whether there is a body: a fifth of the CPU of an admin dry run
 * (bench/http.ts, --cpu-prof). When the request has a Content-Length and no
 * Transfer-Encoding, Hono itself decides by that header alone, so we do the
 * same without touching the body; the body is then read by the fast path of
 * `c.req.json()`. Anything else (chunked bodies) goes through Hono's
 * middleware unchanged, which counts the bytes as they arrive.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';

export interface BodyLimitOptions {
  maxSize: number;
  onError: (c: Context) => Response | Promise<Response>;
}

export function bodyLimit(opts: BodyLimitOptions): MiddlewareHandler {
  const full = honoBodyLimit(opts);
  return async (c, next) => {
    const method = c.req.method;
    // A GET or HEAD Request never has a body (fetch spec), which is where Hono's middleware stops too.
    if (method === 'GET' || method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return full(c, next);
    // Same parse as Hono's: a declared length over the limit is refused before a byte is read.
    if (parseInt(length || '0', 10) > opts.maxSize) return opts.onError(c);
    return next();
  };
}

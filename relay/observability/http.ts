/**
 * The HTTP side of observability, mounted first by app.ts:
 * - every request runs in its own scope (request id, W3C trace continued from
 *   `traceparent` with a new span), answered with `traceparent` and
 *   `x-request-id`, counted and timed by method, route pattern and status,
 *   and logged as one `http.request` line;
 * - GET /metrics: the Prometheus text, for operator keys only (the header
 *   the admin API takes, or `Authorization: Bearer`, which Prometheus's
 *   scrape config sets natively); a missing or wrong key is the usual 401/403.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { RelayDeps } from '../deps.ts';
import { API_KEY_HEADER, authenticateOperator } from '../tenants/auth.ts';
import { collectGauges } from './collect.ts';
import { newScope, ownTraceparent, REQUEST_ID, TRACEPARENT, TRACESTATE } from './trace.ts';

export const METRICS_PATH = '/metrics';
const QUIET = new Set(['/health', METRICS_PATH]);

/** The route a request matched, as its pattern; `unmatched` for what no route took (404s stay one series). */
function routeOf(c: Context): string {
  try {
    const r = routePath(c, -1);
    return r === '*' || r === '/*' ? 'unmatched' : r;
  } catch {
    return 'unmatched';
  }
}

export function observe(deps: RelayDeps): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    const scope = newScope(c.req.header(TRACEPARENT), c.req.header(REQUEST_ID), c.req.header(TRACESTATE));
    try {
      await deps.scopes.run(scope, next);
    } finally {
      const status = c.res.status;
      const seconds = (performance.now() - started) / 1000;
      const route = routeOf(c);
      c.res.headers.set(TRACEPARENT, ownTraceparent(scope));
      c.res.headers.set(REQUEST_ID, scope.requestId);
      deps.metrics.httpRequest({ method: c.req.method, route, status, seconds });
      if (deps.config.accessLog && !(QUIET.has(c.req.path) && status < 400)) {
        // Logged outside the request's scope: the line names its own ids.
        deps.log('http.request', {
          requestId: scope.requestId,
          traceId: scope.traceId,
          spanId: scope.spanId,
          ...(scope.parentSpanId ? { parentSpanId: scope.parentSpanId } : {}),
          ...(scope.trackingId ? { trackingId: scope.trackingId } : {}),
          method: c.req.method,
          path: c.req.path,
          route,
          status,
          ms: Math.round(seconds * 10_000) / 10,
        });
      }
    }
  };
}

export function metricsRoute(app: Hono, deps: RelayDeps): void {
  app.get(METRICS_PATH, async (c) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    await authenticateOperator(deps.tenants.directory, c.req.header(API_KEY_HEADER) ?? bearer);
    await collectGauges(deps);
    const { contentType, body } = await deps.metrics.render();
    return c.body(body, 200, { 'content-type': contentType, 'cache-control': 'no-store' });
  });
}

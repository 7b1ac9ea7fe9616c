/**
 * The relay's HTTP surface, built from one deps object with no module-level
 * state, so tests create as many isolated apps as they like and call
 * `app.request()`. Runtime specifics (serving, env, background work) live in
 * relay/entry/.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { createAdminApi } from './admin/api.ts';
import { bodyLimit } from './admin/bodyLimit.ts';
import { createConsole } from './console/serve.ts';
import { gasTokens } from './chain/fees.ts';
import { toHex } from './chain/felt.ts';
import type { RelayDeps } from './deps.ts';
import { RelayError } from './errors/base.ts';
import { errorResponse, restErrorHandler } from './errors/http.ts';
import { metricsRoute, observe } from './observability/http.ts';
import { handleRpc } from './rpc/handler.ts';
import { inFlightOf } from './execution/trackingRecord.ts';
import { readiness } from './rpc/readiness.ts';
import { createSessionRoutes } from './sessions/routes.ts';
import { clientAddress, isInternalPeer } from './sponsorship/clientNetwork.ts';
import { API_KEY_HEADER } from './tenants/auth.ts';

/** What a JSON-RPC body without an API key may weigh: isAvailable and getSupportedTokens take no params. */
export const KEYLESS_BODY_BYTES = 16 * 1024;

/** What a dapp's page may call from any origin (CORS): SNIP-29 JSON-RPC, the session co-signer, contracts, health. */
export const PUBLIC_PATHS = ['/', '/rpc', '/sessions', '/sessions/*', '/v1/contracts', '/health'];

export interface AppOptions {
  /** The peer's address as the runtime sees it (a socket, a platform header); used unless config names a proxy header. */
  clientAddress?: (c: Context) => string | undefined;
  /** Gzip the console's page and assets (Node); Workers leave encoding to the platform. */
  compressConsole?: boolean;
  /** Log once when requests come through a proxy and clientIpHeader is unset (Node; on Workers the platform names the client). */
  warnUnsetProxyHeader?: boolean;
}

export function createApp(deps: RelayDeps, opts: AppOptions = {}): Hono {
  const app = new Hono();
  // First: every request, whatever answers it, runs in its own scope (ids, trace) and is counted.
  app.use('*', observe(deps));
  const { clientIpHeader: header, trustedProxyHops: hops } = deps.config;
  let warned = false;
  const clientOf = (c: Context) => {
    const peer = opts.clientAddress?.(c);
    // Cloudflare in front, or a proxy's header reaching an internal socket, with none configured: every caller shares the proxy's limits.
    if (opts.warnUnsetProxyHeader && !header && !warned && (c.req.header('cf-connecting-ip') || (c.req.header('x-forwarded-for') && isInternalPeer(peer)))) {
      warned = true;
      deps.log('relay.client_ip_header_unset', { peer, message: 'Requests come through a proxy (cf-connecting-ip, or x-forwarded-for from an internal peer) but clientIpHeader is unset: every client shares one network for deploy and node-work limits. Set clientIpHeader (and trustedProxyHops).' });
    }
    return clientAddress(header ? c.req.header(header) : undefined, hops, peer);
  };
  const tooLarge = () => new RelayError('body_too_large', { details: `Bodies are limited to ${deps.config.maxBodyBytes} bytes.` });

  // JSON-RPC answers even an oversized body in JSON-RPC's own shape.
  const rpcLimit = (maxSize: number, err: () => RelayError) => bodyLimit({ maxSize, onError: (c) => c.json({ jsonrpc: '2.0', id: null, error: err().toJsonRpc() }, 413) });
  const keyed = rpcLimit(deps.config.maxBodyBytes, tooLarge);
  // The methods that need no key take a few bytes of params: a keyless body is only ever parsed to be refused.
  const keyless = rpcLimit(Math.min(KEYLESS_BODY_BYTES, deps.config.maxBodyBytes), () =>
    new RelayError('body_too_large', { details: `Without an API key (${API_KEY_HEADER}), bodies are limited to ${KEYLESS_BODY_BYTES} bytes; with one, to ${deps.config.maxBodyBytes}.` }));
  const limit: MiddlewareHandler = (c, next) => (c.req.header(API_KEY_HEADER) ? keyed(c, next) : keyless(c, next));
  // Browser dapps call SNIP-29 and the session co-signer from their own origin, with a key in a header and never a cookie:
  // any origin may, with no credentials. The admin API and the console stay same-origin (no CORS headers at all).
  const exposed = 'x-request-id,traceparent';
  const publicCors = cors({ origin: '*', allowMethods: ['GET', 'POST'], allowHeaders: ['content-type', API_KEY_HEADER, 'traceparent', 'tracestate', 'x-request-id'], exposeHeaders: exposed.split(','), maxAge: 86_400 });
  // Browsers send Origin on every cross-origin call: without one (a server, a Node wallet) there is nothing to answer.
  // GETs a shared cache may keep answer CORS always, so the copy kept serves browsers too (nothing to Vary on).
  for (const path of PUBLIC_PATHS) {
    app.use(path, async (c, next) => {
      if (c.req.header('origin') === undefined && c.req.method !== 'GET') return next();
      if (c.req.method === 'OPTIONS') return publicCors(c, next);
      await next();
      // hono/cors's answer to a simple request, set on whatever answered (a raw Response too), as observe sets its
      // ids. hono/cors reads c.res before next(), which makes @hono/node-server build a full web Response for every
      // answer: a cacheable GET's requests/s halved.
      c.res.headers.set('Access-Control-Allow-Origin', '*');
      c.res.headers.set('Access-Control-Expose-Headers', exposed);
    });
  }
  for (const path of ['/', '/rpc']) {
    app.post(path, limit, async (c) => {
      const res = await handleRpc(deps, await c.req.text(), c.req.header(API_KEY_HEADER), clientOf(c));
      return res === undefined ? c.body(null, 204) : c.json(res);
    });
  }

  app.get('/health', async (c) => {
    const r = await readiness(deps);
    return c.json(r, r.ok ? 200 : 503);
  });

  app.get('/v1/contracts', async (c) => {
    const m = deps.config.manifest;
    const priced = await Promise.all(gasTokens(deps.config).map((t) => deps.prices.price(t).catch(() => undefined)));
    return c.json({
      chainId: m.chainId,
      contracts: m.contracts,
      accountClassHashes: m.accountClassHashes,
      supportedTokens: priced.flatMap((t) => (t ? [{ symbol: t.symbol, address: t.address, decimals: t.decimals, price_in_strk: toHex(t.priceInStrk), source: t.source }] : [])),
    });
  });

  metricsRoute(app, deps);
  app.route('/v1', createAdminApi(deps, tooLarge, { inFlight: (account) => inFlightOf(deps, account) }));
  app.route('/console', createConsole({ compress: opts.compressConsole }));
  app.route('/sessions', createSessionRoutes(deps, tooLarge, clientOf));

  app.notFound((c) =>
    errorResponse(c, new RelayError('not_found', {
      details: 'See GET /v1/contracts, GET /v1/openapi.json (admin API), GET /health, GET /metrics (operator), POST / (JSON-RPC), /sessions (session keys).',
    })),
  );
  app.onError(restErrorHandler(deps.log));
  return app;
}

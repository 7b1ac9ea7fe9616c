/**
 * The admin REST API, mounted under /v1 by relay/app.ts. Built per deps like
 * the rest of the app (no module-level state), from zod route definitions
 * that also generate the OpenAPI document at GET /v1/openapi.json.
 *
 * Scopes: `admin` tenant keys for everything a tenant manages, `operator`
 * keys (config) for tenants themselves. `sponsor` keys are refused (403).
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { RelayDeps } from '../deps.ts';
import { RelayError } from '../errors/base.ts';
import { errorResponse, restErrorHandler, validationHook } from '../errors/http.ts';
import { API_KEY_HEADER } from '../tenants/auth.ts';
import { MAX_POLICY_BYTES } from '../tenants/policyStore.ts';
import { bodyLimit } from './bodyLimit.ts';
import { accountRoutes } from './routes/accounts.ts';
import { noStore } from './noStore.ts';
import { adminContext, type AdminEnv, type AdminHooks } from './env.ts';
import { historyRoutes } from './routes/history.ts';
import { insightRoutes } from './routes/insights.ts';
import { keyRoutes } from './routes/keys.ts';
import { policyRoutes } from './routes/policies.ts';
import { tenantRoutes } from './routes/tenants.ts';
import { usageRoutes } from './routes/usage.ts';

export const OPENAPI_PATH = '/openapi.json';

const DOC = {
  openapi: '3.0.3',
  info: {
    title: 'CIRO Relay admin API',
    version: '1',
    description:
      'Tenant administration for the CIRO Starknet paymaster relay: sponsorship policies (versioned, audited), ' +
      'usage, dry runs and API keys. Sponsored transactions themselves go through SNIP-29 JSON-RPC at POST /.',
  },
  servers: [{ url: '/v1' }],
};

/** A policy's body with room for indentation and defaults spelt out: three times what may be stored. */
export const POLICY_BODY_BYTES = 3 * MAX_POLICY_BYTES;

export function createAdminApi(deps: RelayDeps, tooLarge: () => RelayError, hooks: AdminHooks): OpenAPIHono<AdminEnv> {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook: validationHook });
  // Set before the app is mounted: Hono reads a sub-app's error handler when it is routed.
  app.onError(restErrorHandler(deps.log));
  app.use('*', noStore);
  app.use('*', bodyLimit({ maxSize: deps.config.maxBodyBytes, onError: (c) => errorResponse(c, tooLarge()) }));
  // A policy is judged by its size only once parsed and validated; a body far past what can be stored is refused unread.
  const policyLimit = bodyLimit({
    maxSize: POLICY_BODY_BYTES,
    onError: (c) => errorResponse(c, new RelayError('policy_too_large', { details: `A policy body may be at most ${POLICY_BODY_BYTES} bytes (a policy, at most ${MAX_POLICY_BYTES} bytes of JSON).` })),
  });
  app.use('/policies', policyLimit);
  app.use('/policies/*', policyLimit);

  app.openAPIRegistry.registerComponent('securitySchemes', 'adminKey', {
    type: 'apiKey',
    in: 'header',
    name: API_KEY_HEADER,
    description: 'A tenant key of scope `admin`: `<keyId>.<secret>`.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'operatorKey', {
    type: 'apiKey',
    in: 'header',
    name: API_KEY_HEADER,
    description: 'An operator key from the relay config (`operatorKeys`).',
  });

  const ctx = adminContext(deps, hooks);
  tenantRoutes(app, ctx);
  policyRoutes(app, ctx);
  historyRoutes(app, ctx);
  usageRoutes(app, ctx);
  insightRoutes(app, ctx);
  keyRoutes(app, ctx);
  accountRoutes(app, ctx);

  // The document depends only on the routes registered above: generated once, at the first request
  // (not at start, which every Workers isolate would pay), instead of per request as app.doc() does (~10 ms).
  let doc: string | undefined;
  app.get(OPENAPI_PATH, (c) => {
    doc ??= JSON.stringify(app.getOpenAPIDocument(DOC));
    return c.body(doc, 200, { 'content-type': 'application/json' });
  });
  return app;
}

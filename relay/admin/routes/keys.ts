/**
 * A tenant's API keys: create (the full key exactly once), list (ids,
 * scopes, dates; never secrets or hashes), revoke (effective at the next
 * request on every relay instance sharing the Store).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { TenantKeys } from '../../tenants/apiKeys.ts';
import { actorOf, ADMIN_SECURITY, type AdminApp, type AdminContext } from '../env.ts';
import { CreatedKeySchema, errors, json, KeyIdParam, KeyInfoSchema, KeyScopeSchema } from '../schemas.ts';

const tags = ['keys'];
const security = ADMIN_SECURITY;

export function keyRoutes(app: AdminApp, ctx: AdminContext): void {
  const keys = new TenantKeys(ctx.dir);
  const middleware = ctx.admin;

  app.openapi(
    createRoute({ method: 'get', path: '/keys', tags, security, middleware, summary: 'List your keys, revoked ones included',
      responses: { 200: json(z.object({ keys: z.array(KeyInfoSchema) }), 'Keys'), ...errors(401, 403, 503) } }),
    async (c) => c.json({ keys: await keys.list(c.get('caller').tenant.id) }, 200),
  );

  app.openapi(
    createRoute({ method: 'post', path: '/keys', tags, security, middleware, summary: 'Create a key; the response is the only time the full key is shown',
      request: { body: { required: true, ...json(z.object({ scope: KeyScopeSchema, name: z.string().min(1).max(120).optional() }).openapi('NewKey'), 'Scope and an optional label') } },
      responses: { 201: json(CreatedKeySchema, 'The new key'), ...errors(400, 401, 403, 503) } }),
    async (c) => {
      const { scope, name } = c.req.valid('json');
      const created = await keys.create(c.get('caller').tenant.id, scope, actorOf(c), name);
      // The secret must not linger in caches between the relay and the client.
      c.header('Cache-Control', 'no-store');
      return c.json({ ...created.info, key: created.key }, 201);
    },
  );

  app.openapi(
    createRoute({ method: 'delete', path: '/keys/{id}', tags, security, middleware, summary: 'Revoke a key (config keys too)',
      request: { params: KeyIdParam },
      responses: { 200: json(KeyInfoSchema, 'The revoked key'), ...errors(400, 401, 403, 404, 409, 503) } }),
    async (c) => c.json(await keys.revoke(c.get('caller').tenant.id, c.req.valid('param').id, actorOf(c)), 200),
  );
}

/**
 * What changed, when and by whom: a policy's versions (each kept in full,
 * with its diff) and the tenant's audit log across policies and keys.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { AuditLog } from '../../tenants/audit.ts';
import { notFound } from '../../errors/issues.ts';
import { PolicyStore } from '../../tenants/policyStore.ts';
import { ADMIN_SECURITY, type AdminApp, type AdminContext } from '../env.ts';
import { AuditEntrySchema, errors, json, PageQuery, PolicyIdParam, PolicyVersionSchema } from '../schemas.ts';

const security = ADMIN_SECURITY;

export function historyRoutes(app: AdminApp, ctx: AdminContext): void {
  const store = new PolicyStore(ctx.deps.store);
  const audit = new AuditLog(ctx.deps.store);
  const middleware = ctx.admin;

  app.openapi(
    createRoute({ method: 'get', path: '/policies/{id}/versions', tags: ['policies'], security, middleware,
      summary: 'List a policy\'s versions, newest first',
      description: 'Empty for a file template you never changed through the API.',
      request: { params: PolicyIdParam, query: PageQuery },
      responses: { 200: json(z.object({ id: z.string(), latest: z.number().int(), versions: z.array(PolicyVersionSchema) }), 'Versions'), ...errors(400, 401, 403, 404, 503) } }),
    async (c) => {
      const tenant = c.get('caller').tenant;
      const { id } = c.req.valid('param');
      const { offset, limit } = c.req.valid('query');
      const head = await store.head(tenant.id, id);
      if (!head && !ctx.deps.tenants.policies.templates.forTenantId(tenant, id)) throw notFound('policy', id);
      const versions = head ? await store.versions(tenant.id, id, offset, limit) : [];
      return c.json({ id, latest: head?.version ?? 0, versions }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/policies/{id}/versions/{version}', tags: ['policies'], security, middleware, summary: 'Read one version',
      request: { params: PolicyIdParam.extend({ version: z.coerce.number().int().min(1).openapi({ param: { name: 'version', in: 'path' } }) }) },
      responses: { 200: json(PolicyVersionSchema, 'The version'), ...errors(400, 401, 403, 404, 503) } }),
    async (c) => {
      const { id, version } = c.req.valid('param');
      const v = await store.version(c.get('caller').tenant.id, id, version);
      if (!v) throw notFound('policy_version', `${id}@${version}`);
      return c.json(v, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/audit', tags: ['audit'], security, middleware, summary: 'Audit log of every change, newest first',
      request: { query: PageQuery },
      responses: { 200: json(z.object({ entries: z.array(AuditEntrySchema) }), 'Entries'), ...errors(400, 401, 403, 503) } }),
    async (c) => {
      const { offset, limit } = c.req.valid('query');
      return c.json({ entries: await audit.list(c.get('caller').tenant.id, offset, limit) }, 200);
    },
  );
}

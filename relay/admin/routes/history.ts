/**
 * What changed, when and by whom: a policy's versions (each kept in full,
 * with its diff), rollback to one of them, and the tenant's audit log
 * across policies and keys.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { AuditLog } from '../../tenants/audit.ts';
import { invalidInput, notFound } from '../../errors/issues.ts';
import { PolicyStore } from '../../tenants/policyStore.ts';
import { actorOf, ADMIN_SECURITY, type AdminApp, type AdminContext } from '../env.ts';
import { RollbackSchema } from '../insightSchemas.ts';
import { AuditEntrySchema, errors, IfMatchHeader, json, PageQuery, PolicyIdParam, PolicyVersionSchema, PolicyViewSchema } from '../schemas.ts';
import { checkWebhook, expectedVersion } from './policies.ts';

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
    createRoute({ method: 'post', path: '/policies/{id}/rollback', tags: ['policies'], security, middleware,
      summary: 'Restore an earlier version (written as a new version)',
      description: 'The policy as of `version` becomes the next version, with its diff and an audit entry naming the version restored. ' +
        'A deleted policy comes back. Send If-Match to refuse a rollback over a change you have not seen.',
      request: { params: PolicyIdParam, headers: IfMatchHeader, body: { required: true, ...json(RollbackSchema, 'The version to restore') } },
      responses: { 200: json(PolicyViewSchema, 'The policy as restored'), ...errors(400, 401, 403, 404, 409, 503) } }),
    async (c) => {
      const tenant = c.get('caller').tenant;
      const { id } = c.req.valid('param');
      const { version } = c.req.valid('json');
      const [old, head] = await Promise.all([store.version(tenant.id, id, version), store.head(tenant.id, id)]);
      if (!old || !head) throw notFound('policy_version', `${id}@${version}`);
      if (old.policy === null) throw invalidInput('invalid_request', [{ path: 'version', message: `version ${version} is a deletion; restore one that has a policy` }]);
      // A URL the operator has refused since that version was written does not come back with it.
      checkWebhook(ctx, old.policy);
      const template = ctx.deps.tenants.policies.templates.forTenantId(tenant, id);
      const expected = expectedVersion(c.req.valid('header')['if-match']);
      const v = await store.write({
        tenantId: tenant.id, id, op: head.policy === null ? 'create' : 'update', policy: old.policy, by: actorOf(c), rollbackOf: version,
        ...(template ? { template } : {}), ...(expected === undefined ? {} : { expected }),
      });
      c.header('ETag', `"${v.version}"`);
      return c.json({ id, source: 'api' as const, version: v.version, policy: old.policy, updatedAt: v.at, updatedBy: v.by }, 200);
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

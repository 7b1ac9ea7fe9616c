/**
 * The caller's own tenant (admin keys) and tenant creation (operator keys
 * from the config, which belong to no tenant). Config tenants stay as they
 * are; created tenants live in the Store and are seen by every instance.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { createTenant, deleteTenant, updateTenant } from '../../tenants/tenants.ts';
import { invalidInput } from '../../errors/issues.ts';
import { actorOf, ADMIN_SECURITY, OPERATOR_SECURITY, type AdminApp, type AdminContext } from '../env.ts';
import { CreatedKeySchema, errors, json, NewTenantSchema, TenantIdParam, TenantSchemaDoc } from '../schemas.ts';

const tags = ['tenants'];

export function tenantRoutes(app: AdminApp, ctx: AdminContext): void {
  app.openapi(
    createRoute({ method: 'get', path: '/tenant', tags, security: ADMIN_SECURITY, middleware: ctx.admin,
      summary: 'Your tenant and the key you are using',
      responses: { 200: json(TenantSchemaDoc.extend({ keyId: z.string() }), 'Tenant'), ...errors(401, 403, 503) } }),
    async (c) => {
      const { tenant, apiKeyId } = c.get('caller');
      const source = ctx.dir.configTenant(tenant.id) ? ('config' as const) : ('api' as const);
      return c.json({ id: tenant.id, name: tenant.name, policies: tenant.policies, source, keyId: apiKeyId }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/tenants', tags, security: OPERATOR_SECURITY, middleware: ctx.operator,
      summary: 'All tenants (operator)',
      responses: { 200: json(z.object({ tenants: z.array(TenantSchemaDoc) }), 'Tenants'), ...errors(401, 403, 503) } }),
    async (c) => {
      const tenants = await ctx.dir.tenants();
      return c.json({ tenants: tenants.map((t) => ({ id: t.id, name: t.name, policies: t.policies, source: t.source })) }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'post', path: '/tenants', tags, security: OPERATOR_SECURITY, middleware: ctx.operator,
      summary: 'Create a tenant and its first admin key (operator)',
      request: { body: { required: true, ...json(NewTenantSchema, 'The tenant; `policies` lists file templates it uses') } },
      responses: { 201: json(z.object({ tenant: TenantSchemaDoc, adminKey: CreatedKeySchema }), 'Created; the admin key is shown only here'), ...errors(400, 401, 403, 409, 503) } }),
    async (c) => {
      const input = c.req.valid('json');
      const templates = ctx.deps.tenants.policies.templates;
      const unknown = input.policies.flatMap((id, i) => (templates.get(id) ? [] : [{ path: `policies[${i}]`, message: `no file policy '${id}' is loaded` }]));
      if (unknown.length > 0) throw invalidInput('unknown_policy', unknown);
      const { tenant, adminKey } = await createTenant(ctx.dir, input, actorOf(c));
      c.header('Cache-Control', 'no-store');
      return c.json({ tenant: { id: tenant.id, name: tenant.name, policies: tenant.policies, source: tenant.source }, adminKey: { ...adminKey.info, key: adminKey.key } }, 201);
    },
  );

  app.openapi(
    createRoute({ method: 'patch', path: '/tenants/{id}', tags, security: OPERATOR_SECURITY, middleware: ctx.operator,
      summary: 'Rename a tenant or change the file templates it uses (operator)',
      request: { params: TenantIdParam, body: { required: true, ...json(NewTenantSchema.pick({ name: true, policies: true }).partial(), 'What changes') } },
      responses: { 200: json(TenantSchemaDoc, 'The tenant'), ...errors(400, 401, 403, 404, 409, 503) } }),
    async (c) => {
      const change = c.req.valid('json');
      const templates = ctx.deps.tenants.policies.templates;
      const unknown = (change.policies ?? []).flatMap((id, i) => (templates.get(id) ? [] : [{ path: `policies[${i}]`, message: `no file policy '${id}' is loaded` }]));
      if (unknown.length > 0) throw invalidInput('unknown_policy', unknown);
      const t = await updateTenant(ctx.dir, c.req.valid('param').id, change, actorOf(c));
      return c.json({ id: t.id, name: t.name, policies: t.policies, source: t.source }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'delete', path: '/tenants/{id}', tags, security: OPERATOR_SECURITY, middleware: ctx.operator,
      summary: 'Delete a tenant: its keys stop working at once (operator)',
      request: { params: TenantIdParam },
      responses: { 204: { description: 'Deleted' }, ...errors(400, 401, 403, 404, 409, 503) } }),
    async (c) => {
      await deleteTenant(ctx.dir, c.req.valid('param').id, actorOf(c));
      return c.body(null, 204);
    },
  );
}

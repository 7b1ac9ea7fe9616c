/**
 * Policy CRUD for a tenant's admins. Every change is a new version (kept
 * forever) and an audit entry; If-Match makes a change conditional on the
 * version the caller read. Reads go straight to the Store (not the gate's
 * cache), so a client always reads its own writes.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Tenant } from '../../config.ts';
import type { Policy } from '../../../policies/index.ts';
import { invalidInput, notFound } from '../../errors/issues.ts';
import { webhookUrlRefusal } from '../../sponsorship/facts/webhookUrl.ts';
import { PolicyStore } from '../../tenants/policyStore.ts';
import { actorOf, ADMIN_SECURITY, type AdminApp, type AdminContext } from '../env.ts';
import { errors, IfMatchHeader, json, PolicyDoc, PolicyIdParam, PolicySummarySchema, PolicyVersionSchema, PolicyViewSchema } from '../schemas.ts';

type PolicyView = z.infer<typeof PolicyViewSchema>;

/** The policy the tenant sees under `id`: its own, else the file template it references; else 404. */
export async function currentPolicy(ctx: AdminContext, tenant: Tenant, id: string): Promise<PolicyView> {
  const head = await new PolicyStore(ctx.deps.store).head(tenant.id, id);
  if (head?.policy) return { id, source: 'api', version: head.version, policy: head.policy, updatedAt: head.at, updatedBy: head.by };
  const template = ctx.deps.tenants.policies.templates.forTenantId(tenant, id);
  if (template) return { id, source: 'file', version: head?.version ?? 0, policy: template };
  throw notFound('policy', id);
}

/** A webhook the relay would refuse to call is refused when it is written, where the admin can see why. */
export function checkWebhook(ctx: AdminContext, policy: Policy): void {
  const url = policy.rules.webhook?.url;
  const why = url === undefined ? undefined : webhookUrlRefusal(url, ctx.deps.config.webhookAllowHosts);
  if (why) throw invalidInput('webhook_url_refused', [{ path: 'rules.webhook.url', message: why }]);
}

export function expectedVersion(ifMatch: string | undefined): number | undefined {
  return ifMatch === undefined ? undefined : Number(ifMatch.replace(/^W\//, '').replaceAll('"', ''));
}

const tags = ['policies'];
const security = ADMIN_SECURITY;

export function policyRoutes(app: AdminApp, ctx: AdminContext): void {
  const store = new PolicyStore(ctx.deps.store);
  const middleware = ctx.admin;

  app.openapi(
    createRoute({ method: 'get', path: '/policies', tags, security, middleware, summary: 'List your policies (file templates you use and your own)',
      responses: { 200: json(z.object({ policies: z.array(PolicySummarySchema) }), 'Policies by id'), ...errors(401, 403, 503) } }),
    async (c) => {
      const tenant = c.get('caller').tenant;
      const heads = await store.heads(tenant.id);
      const own = new Map(heads.filter((h) => h.policy !== null).map((h) => [h.id, h]));
      const versions = new Map(heads.map((h) => [h.id, h.version]));
      const files = ctx.deps.tenants.policies.templates.forTenant(tenant).filter((p) => !own.has(p.id));
      const all = [
        ...files.map((p) => ({ p, source: 'file' as const })),
        ...[...own.values()].map((h) => ({ p: h.policy!, source: 'api' as const })),
      ].sort((a, b) => (a.p.id < b.p.id ? -1 : 1));
      const policies = all.map(({ p, source }) => ({ id: p.id, name: p.name, enabled: p.enabled, priority: p.priority, source, version: versions.get(p.id) ?? 0 }));
      return c.json({ policies }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'post', path: '/policies', tags, security, middleware, summary: 'Create a policy (version 1, or the next after a deletion)',
      description: 'Using the id of a file template you reference creates your own override of it.',
      request: { body: { required: true, ...json(PolicyDoc, 'The policy') } },
      responses: { 201: json(PolicyViewSchema, 'Created'), ...errors(400, 401, 403, 409, 503) } }),
    async (c) => {
      const tenant = c.get('caller').tenant;
      const policy = c.req.valid('json');
      const template = ctx.deps.tenants.policies.templates.forTenantId(tenant, policy.id);
      checkWebhook(ctx, policy);
      const v = await store.write({ tenantId: tenant.id, id: policy.id, op: 'create', policy, by: actorOf(c), ...(template ? { template } : {}) });
      c.header('ETag', `"${v.version}"`);
      c.header('Location', `/v1/policies/${v.id}`);
      return c.json({ id: v.id, source: 'api' as const, version: v.version, policy, updatedAt: v.at, updatedBy: v.by }, 201);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/policies/{id}', tags, security, middleware, summary: 'Read a policy',
      request: { params: PolicyIdParam },
      responses: { 200: json(PolicyViewSchema, 'The policy as the gate applies it'), ...errors(400, 401, 403, 404, 503) } }),
    async (c) => {
      const view = await currentPolicy(ctx, c.get('caller').tenant, c.req.valid('param').id);
      c.header('ETag', `"${view.version}"`);
      return c.json(view, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'put', path: '/policies/{id}', tags, security, middleware, summary: 'Replace a policy (new version)',
      description: 'On a file template you reference, creates your override of it. Send If-Match to refuse lost updates.',
      request: { params: PolicyIdParam, headers: IfMatchHeader, body: { required: true, ...json(PolicyDoc, 'The new policy; `id` must match the path') } },
      responses: { 200: json(PolicyViewSchema, 'Updated'), ...errors(400, 401, 403, 404, 409, 503) } }),
    async (c) => {
      const tenant = c.get('caller').tenant;
      const { id } = c.req.valid('param');
      const policy = c.req.valid('json');
      if (policy.id !== id) throw invalidInput('id_mismatch', [{ path: 'id', message: `must equal the id in the path ('${id}')` }]);
      checkWebhook(ctx, policy);
      const template = ctx.deps.tenants.policies.templates.forTenantId(tenant, id);
      const expected = expectedVersion(c.req.valid('header')['if-match']);
      const v = await store.write({
        tenantId: tenant.id, id, op: 'update', policy, by: actorOf(c),
        ...(template ? { template } : {}), ...(expected === undefined ? {} : { expected }),
      });
      c.header('ETag', `"${v.version}"`);
      return c.json({ id, source: 'api' as const, version: v.version, policy, updatedAt: v.at, updatedBy: v.by }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'delete', path: '/policies/{id}', tags, security, middleware, summary: 'Delete a policy (recorded as a version)',
      description: 'Deleting your override of a file template brings the template back. File templates themselves change in git.',
      request: { params: PolicyIdParam, headers: IfMatchHeader },
      responses: { 200: json(PolicyVersionSchema, 'The deletion version'), ...errors(400, 401, 403, 404, 409, 503) } }),
    async (c) => {
      const tenant = c.get('caller').tenant;
      const { id } = c.req.valid('param');
      const template = ctx.deps.tenants.policies.templates.forTenantId(tenant, id);
      const expected = expectedVersion(c.req.valid('header')['if-match']);
      const v = await store.write({
        tenantId: tenant.id, id, op: 'delete', policy: null, by: actorOf(c),
        ...(template ? { template } : {}), ...(expected === undefined ? {} : { expected }),
      });
      return c.json(v, 200);
    },
  );
}

/**
 * What a team reads to see where its money goes and why requests were
 * refused: refusals by rule and reason, usage per sender per day, its limits
 * in use right now; and, for operator keys, the relayers that pay. All are
 * reads of counters the gate itself keeps (relay/sponsorship/), scoped to
 * the caller's tenant.
 */
import { createRoute } from '@hono/zod-openapi';
import { dayRange } from '../days.ts';
import { ADMIN_SECURITY, OPERATOR_SECURITY, type AdminApp, type AdminContext } from '../env.ts';
import { DayRangeQuery, LimitsSchema, RefusalsSchema, RelayersSchema, SenderUsageQuery, SenderUsageSchema } from '../insightSchemas.ts';
import { errors, json } from '../schemas.ts';

const security = ADMIN_SECURITY;

export function insightRoutes(app: AdminApp, ctx: AdminContext): void {
  const middleware = ctx.admin;
  const gate = ctx.deps.gate;

  app.openapi(
    createRoute({ method: 'get', path: '/refusals', tags: ['usage'], security, middleware,
      summary: 'Refusals per day by policy, rule and reason',
      request: { query: DayRangeQuery },
      responses: { 200: json(RefusalsSchema, 'Refusals'), ...errors(400, 401, 403, 503) } }),
    async (c) => {
      const tenant = c.get('caller').tenant;
      const { from, to } = dayRange(c.req.valid('query'));
      return c.json({ tenant: tenant.id, from, to, refusals: await gate.refusalCounts(tenant.id, from, to) }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/usage/senders', tags: ['usage'], security, middleware,
      summary: 'Transactions and sponsored fees per sender per day',
      request: { query: SenderUsageQuery },
      responses: { 200: json(SenderUsageSchema, 'Usage by sender'), ...errors(400, 401, 403, 503) } }),
    async (c) => {
      const tenant = c.get('caller').tenant;
      const q = c.req.valid('query');
      const { from, to } = dayRange(q);
      const { rows, truncated } = await gate.usageBySender(tenant.id, from, to, q.limit);
      return c.json({ tenant: tenant.id, from, to, rows: rows.map((r) => ({ ...r, fee: r.fee.toString() })), truncated }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/limits', tags: ['usage'], security, middleware,
      summary: 'Budgets, the daily fee ceiling and failOpen allowances: how much is used now',
      responses: { 200: json(LimitsSchema, 'Limits in use'), ...errors(401, 403, 503) } }),
    async (c) => {
      const use = await gate.limits(c.get('caller').tenant);
      const { ceiling: k, budgets, failOpen } = use;
      return c.json({
        ceiling: { day: k.day, start: k.start, end: k.end, used: k.used.toString(), limit: k.limit.toString() },
        budgets: budgets.map((b) => ({ ...b, used: b.used.toString(), limit: b.limit.toString() })),
        failOpen: failOpen.map((f) => ({ ...f, used: Number(f.used), limit: Number(f.limit) })),
      }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/relayers', tags: ['tenants'], security: OPERATOR_SECURITY, middleware: ctx.operator,
      summary: 'Relayer accounts and their STRK balances (operator)',
      responses: { 200: json(RelayersSchema, 'Relayers'), ...errors(401, 403, 503) } }),
    async (c) => c.json({ minBalance: ctx.deps.config.relayerMinBalance, relayers: await ctx.deps.relayers.status() }, 200),
  );
}

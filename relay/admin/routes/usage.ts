/**
 * Usage and spend (from the gate's day counters) and the dry run: the full
 * decision the gate would take on a transaction, every rule's verdict
 * included, with nothing consumed.
 */
import { createRoute } from '@hono/zod-openapi';
import { invalidInput, notFound } from '../../errors/issues.ts';
import { dayOf } from '../../store/keys.ts';
import { PolicyStore } from '../../tenants/policyStore.ts';
import { ADMIN_SECURITY, type AdminApp, type AdminContext } from '../env.ts';
import { DryRunRequestSchema, DryRunResultSchema, errors, json, UsageQuerySchema, UsageSchema } from '../schemas.ts';

const MAX_DAYS = 92;
const DAY_MS = 86_400_000;
const security = ADMIN_SECURITY;

/** Midnight UTC of a YYYY-MM-DD day, or undefined for a day that does not exist (2025-02-30). */
function dayStart(day: string): number | undefined {
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day ? undefined : ms;
}

export function usageRoutes(app: AdminApp, ctx: AdminContext): void {
  const middleware = ctx.admin;

  app.openapi(
    createRoute({ method: 'get', path: '/usage', tags: ['usage'], security, middleware,
      summary: 'Transactions and sponsored fees per day: tenant total, one policy, or one sender',
      request: { query: UsageQuerySchema },
      responses: { 200: json(UsageSchema, 'Usage'), ...errors(400, 401, 403, 404, 503) } }),
    async (c) => {
      const tenant = c.get('caller').tenant;
      const q = c.req.valid('query');
      if (q.policy !== undefined && q.sender !== undefined) {
        throw invalidInput('invalid_request', [{ path: 'query.sender', message: 'usage is kept per policy or per sender; pass one of them' }]);
      }
      const from = q.from ?? q.to ?? dayOf(Date.now() / 1000);
      const to = q.to ?? from;
      const start = dayStart(from);
      const end = dayStart(to);
      if (start === undefined) throw invalidInput('invalid_request', [{ path: 'query.from', message: `no such day '${from}'` }]);
      if (end === undefined) throw invalidInput('invalid_request', [{ path: 'query.to', message: `no such day '${to}'` }]);
      if (end < start) throw invalidInput('invalid_request', [{ path: 'query.to', message: 'must not be before from' }]);
      if ((end - start) / DAY_MS + 1 > MAX_DAYS) throw invalidInput('invalid_request', [{ path: 'query.from', message: `at most ${MAX_DAYS} days per request` }]);

      if (q.policy !== undefined) {
        // Counters are per tenant anyway; refusing unknown ids keeps other tenants' ids unprobeable.
        const [effective, heads] = await Promise.all([ctx.deps.tenants.policies.effective(tenant), new PolicyStore(ctx.deps.store).heads(tenant.id)]);
        if (!effective.some((e) => e.policy.id === q.policy) && !heads.some((h) => h.id === q.policy)) throw notFound('policy', q.policy);
      }
      const days = Array.from({ length: (end - start) / DAY_MS + 1 }, (_, i) => new Date(start + i * DAY_MS).toISOString().slice(0, 10));
      const rows = await Promise.all(
        days.map(async (day) => {
          const u = await ctx.deps.gate.usage(tenant.id, { day, ...(q.policy !== undefined ? { policy: q.policy } : {}), ...(q.sender !== undefined ? { sender: q.sender } : {}) });
          return { day, txs: u.txs, fee: u.fee };
        }),
      );
      const total = rows.reduce((a, r) => ({ txs: a.txs + r.txs, fee: a.fee + r.fee }), { txs: 0, fee: 0n });
      const scope =
        q.policy !== undefined ? { kind: 'policy' as const, id: q.policy } : q.sender !== undefined ? { kind: 'sender' as const, id: q.sender } : { kind: 'tenant' as const };
      return c.json({
        tenant: tenant.id,
        scope,
        days: rows.map((r) => ({ ...r, fee: r.fee.toString() })),
        total: { txs: total.txs, fee: total.fee.toString() },
      }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'post', path: '/dry-run', tags: ['policies'], security, middleware,
      summary: 'Decide a transaction against your policies without consuming anything',
      request: { body: { required: true, ...json(DryRunRequestSchema, 'The transaction') } },
      responses: { 200: json(DryRunResultSchema, 'The decision and every rule\'s verdict'), ...errors(400, 401, 403, 404, 503) } }),
    async (c) => {
      const caller = c.get('caller');
      const b = c.req.valid('json');
      const { decision, evaluated } = await ctx.deps.gate.decide(
        {
          tenant: caller.tenant,
          apiKeyId: b.apiKeyId ?? caller.apiKeyId,
          sender: b.sender,
          calls: b.calls.map((call) => ({ to: call.to, selector: call.selector, calldata: call.calldata })),
          feeMode: b.feeMode,
          maxFee: BigInt(b.maxFee),
          phase: b.phase,
        },
        b.policy,
      );
      return c.json({ ...decision, evaluated }, 200);
    },
  );
}

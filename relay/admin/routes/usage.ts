/**
 * Usage and spend (from the gate's day counters) and the dry run: the full
 * decision the gate would take on a transaction, every rule's verdict
 * included, with nothing consumed.
 */
import { createRoute } from '@hono/zod-openapi';
import { zodIssues } from '../../../policies/index.ts';
import { TRANSFER_SELECTOR } from '../../chain/calldata.ts';
import { OutsideExecutionTypedData, type OutsideCall } from '../../chain/snip9.ts';
import { invalidInput, notFound } from '../../errors/issues.ts';
import { dayRange } from '../days.ts';
import { PolicyStore } from '../../tenants/policyStore.ts';
import { ADMIN_SECURITY, type AdminApp, type AdminContext } from '../env.ts';
import { DryRunRequestSchema, DryRunResultSchema, errors, json, UsageQuerySchema, UsageSchema } from '../schemas.ts';

const security = ADMIN_SECURITY;

/** The calls a signed outside execution carries, as execute would judge them (plan.ts): a default-mode fee transfer is not the user's. */
function typedDataCalls(typedData: Record<string, unknown>, feeMode: 'sponsored' | 'default', paymaster: string): OutsideCall[] {
  const parsed = OutsideExecutionTypedData.safeParse(typedData);
  if (!parsed.success) throw invalidInput('typed_data_invalid', zodIssues(parsed.error).map((i) => ({ ...i, path: i.path ? `typedData.${i.path}` : 'typedData' })));
  const calls = parsed.data.execution.calls;
  const last = calls.at(-1);
  const isFee = feeMode === 'default' && last !== undefined && BigInt(last.selector) === BigInt(TRANSFER_SELECTOR) && BigInt(last.calldata[0] ?? -1) === BigInt(paymaster);
  return isFee ? calls.slice(0, -1) : calls;
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
      const { days } = dayRange(q);

      if (q.policy !== undefined) {
        // Counters are per tenant anyway; refusing unknown ids keeps other tenants' ids unprobeable.
        const [effective, heads] = await Promise.all([ctx.deps.tenants.policies.effective(tenant), new PolicyStore(ctx.deps.store).heads(tenant.id)]);
        if (!effective.some((e) => e.policy.id === q.policy) && !heads.some((h) => h.id === q.policy)) throw notFound('policy', q.policy);
      }
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
      const calls = b.calls ?? typedDataCalls(b.typedData!, b.feeMode, ctx.deps.config.manifest.contracts.paymaster.address);
      const { decision, evaluated, safeguard } = await ctx.deps.gate.decide(
        {
          tenant: caller.tenant,
          apiKeyId: b.apiKeyId ?? caller.apiKeyId,
          sender: b.sender,
          calls: calls.map((call) => ({ to: call.to, selector: call.selector, calldata: call.calldata })),
          feeMode: b.feeMode,
          maxFee: BigInt(b.maxFee),
          phase: b.phase,
        },
        b.policy,
      );
      // What build would answer: an operator safeguard (a revert pause, a payment in flight) refuses whatever the policies say.
      if (safeguard) {
        const retry = safeguard.data?.retry_after;
        return c.json({ ...decision, allow: false, rule: 'safeguard', reason: safeguard.reason, message: safeguard.details ?? safeguard.message, ...(typeof retry === 'number' ? { retryAfter: retry } : {}), evaluated }, 200);
      }
      return c.json({ ...decision, evaluated }, 200);
    },
  );
}

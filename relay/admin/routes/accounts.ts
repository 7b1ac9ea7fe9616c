/**
 * An account's safeguard marks, for the operator (sponsorship/accountMarks.ts):
 * what it holds in flight, its revert counts, and the tracked transactions
 * behind them; and clearing marks that nothing stands behind any more.
 * Holds are cleared only while no tracked transaction of the account can
 * still land (409 account_in_flight names them): those holds are what stop
 * concurrent sends reverting on relayer gas. One narrow race is left, and
 * stated: an execute between its reservation and its tracking record (a few
 * seconds) is not yet listed.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { AddressSchema } from '../../../policies/index.ts';
import { toHex } from '../../chain/felt.ts';
import { RelayError } from '../../errors/base.ts';
import { clearAccountMarks, readAccountMarks, type AccountMarks } from '../../sponsorship/accountMarks.ts';
import { OPERATOR_SECURITY, type AdminApp, type AdminContext } from '../env.ts';
import { errors, json, rebuilt } from '../schemas.ts';

const tags = ['accounts'];
const Count = z.string().regex(/^\d+$/).openapi({ description: 'Transactions in flight, decimal' });

const InFlightSchema = z.object({
  trackingId: z.string(),
  tenant: z.string(),
  status: z.enum(['active', 'dropped']).openapi({ description: '`dropped`: given up on, still watched for a late landing' }),
  feeMode: z.enum(['sponsored', 'default']),
  txHash: z.string(),
  createdAt: z.number().int().openapi({ description: 'When its latest transaction was sent (ms since the epoch)' }),
});

const AccountStateSchema = z
  .object({
    account: z.string(),
    holds: z.object({
      quota: Count.openapi({ description: "Held against the Paymaster's on-chain quota, through every tenant" }),
      payment: Count.openapi({ description: 'A default-mode payment in flight, through any tenant (0 or 1)' }),
    }),
    reverts: z.object({
      count: z.number().int().openapi({ description: 'Reverts on chain in the last 24 h through every tenant, a default-mode payment in flight included' }),
      paused: z.boolean().openapi({ description: 'Relaying is paused for this sender (too_many_reverts)' }),
    }),
    inFlight: z.array(InFlightSchema).openapi({ description: 'Tracked transactions that may still land; the holds stand for these' }),
  })
  .openapi('AccountState');

const ClearSchema = z
  .object({
    holds: z.boolean().default(false).openapi({ description: 'Give back its holds (refused while a tracked transaction may still land)' }),
    reverts: z.boolean().default(false).openapi({ description: 'Forget its revert counts: lifts a revert pause' }),
  })
  .refine((b) => b.holds || b.reverts, { error: 'name what to clear: holds, reverts or both', path: ['holds'] });

const AddressParam = z.object({ address: rebuilt(AddressSchema).openapi({ param: { name: 'address', in: 'path' }, example: '0x5a11ce' }) });

const wire = (m: AccountMarks) => ({ account: m.account, holds: { quota: m.holds.quota.toString(), payment: m.holds.payment.toString() }, reverts: m.reverts });

export function accountRoutes(app: AdminApp, ctx: AdminContext): void {
  const inFlight = ctx.hooks.inFlight;

  app.openapi(
    createRoute({ method: 'get', path: '/accounts/{address}', tags, security: OPERATOR_SECURITY, middleware: ctx.operator,
      summary: "An account's holds in flight, revert count and tracked transactions (operator)",
      request: { params: AddressParam },
      responses: { 200: json(AccountStateSchema, 'The account'), ...errors(400, 401, 403, 503) } }),
    async (c) => {
      const account = toHex(c.req.valid('param').address);
      const [marks, tracked] = await Promise.all([readAccountMarks(ctx.deps.store, account), inFlight(account)]);
      return c.json({ ...wire(marks), inFlight: tracked }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'post', path: '/accounts/{address}/clear', tags, security: OPERATOR_SECURITY, middleware: ctx.operator,
      summary: 'Clear marks nothing stands behind: leaked holds, a revert pause (operator)',
      request: { params: AddressParam, body: { required: true, ...json(ClearSchema, 'What to clear') } },
      responses: { 200: json(AccountStateSchema, 'The account afterwards'), ...errors(400, 401, 403, 409, 503) } }),
    async (c) => {
      const account = toHex(c.req.valid('param').address);
      const what = c.req.valid('json');
      const tracked = await inFlight(account);
      if (what.holds && tracked.length > 0) {
        throw new RelayError('account_in_flight', {
          details: `${tracked.length} tracked transaction(s) of this account may still land, and its holds stand for them; wait for them to settle (GET /v1/accounts/${account}), or clear only reverts.`,
          data: { tracking_ids: tracked.slice(0, 20).map((t) => t.trackingId) },
        });
      }
      const marks = await clearAccountMarks(ctx.deps.store, account, what);
      ctx.deps.log('operator.account_cleared', { account, holds: what.holds, reverts: what.reverts, operator: c.get('operator').keyId });
      return c.json({ ...wire(marks), inFlight: tracked }, 200);
    },
  );
}

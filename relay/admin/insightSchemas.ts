/**
 * Schemas of what the console reads beyond CRUD: refusals by rule and
 * reason, usage per sender per day, limits in use (gauges), relayers
 * (operator), and the rollback body. Kept apart from schemas.ts, which holds
 * the resources themselves.
 */
import { z } from '@hono/zod-openapi';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a UTC day, YYYY-MM-DD' });
const Amount = z.string().regex(/^\d+$/).openapi({ description: 'fri (10^-18 STRK), decimal' });

export const DayRangeQuery = z.object({
  from: Day.optional().openapi({ description: 'First day (UTC), default today' }),
  to: Day.optional().openapi({ description: 'Last day (UTC), default `from`; at most 92 days in all' }),
});

export const RefusalsSchema = z
  .object({
    tenant: z.string(),
    from: z.string(),
    to: z.string(),
    refusals: z.array(
      z.object({
        day: z.string(),
        policy: z.string().openapi({ description: 'The policy that refused, `-` when none applied' }),
        rule: z.string().openapi({ description: 'The rule that refused (`verdict.rule`), `safeguard` for an operator safeguard, `-` when no policy applied' }),
        reason: z.string().openapi({ description: 'The refusal reason (`data.reason`)', example: 'budget_exhausted' }),
        count: z.number().int(),
      }),
    ),
  })
  .openapi('Refusals', { description: 'Refusals answered to build and execute (dry runs are not counted), per day, most frequent first.' });

export const SenderUsageQuery = DayRangeQuery.extend({
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
});

export const SenderUsageSchema = z
  .object({
    tenant: z.string(),
    from: z.string(),
    to: z.string(),
    rows: z.array(z.object({ day: z.string(), sender: z.string(), txs: z.number().int(), fee: Amount })),
    truncated: z.boolean().openapi({ description: 'More rows than `limit` matched' }),
  })
  .openapi('SenderUsage', { description: 'Transactions and sponsored fee per sender per UTC day, newest day first.' });

const Gauge = {
  used: Amount,
  limit: Amount,
  start: z.number().int().openapi({ description: 'Window start, unix seconds' }),
  end: z.number().int().openapi({ description: 'Window end (exclusive), unix seconds' }),
};

export const LimitsSchema = z
  .object({
    ceiling: z.object({ day: z.string(), ...Gauge }).openapi({ description: "The operator's daily fee ceiling for this tenant (worst cases of transactions in flight included)" }),
    budgets: z.array(z.object({ policy: z.string(), name: z.string(), period: z.string(), ...Gauge })).openapi({
      description: "Each enabled policy's global budget in its current period",
    }),
    failOpen: z.array(z.object({
      policy: z.string(),
      name: z.string(),
      used: z.number().int().openapi({ description: 'Transactions sponsored with no approval (the webhook unreachable) this UTC hour, in flight included' }),
      limit: z.number().int().openapi({ description: '`webhook.failOpenPerHour`: past it the policy refuses until the hour turns' }),
      start: Gauge.start,
      end: Gauge.end,
    })).openapi({ description: 'Each enabled policy whose webhook may fail open: its passes this hour' }),
  })
  .openapi('Limits');

export const RelayersSchema = z
  .object({
    minBalance: Amount,
    relayers: z.array(z.object({ address: z.string(), balance: Amount.nullable(), inRotation: z.boolean() })),
  })
  .openapi('Relayers', { description: 'Relayer accounts, STRK balance (fri; null when the node did not answer), and whether each is above the floor.' });

export const RollbackSchema = z.object({ version: z.number().int().min(1) }).openapi('Rollback');

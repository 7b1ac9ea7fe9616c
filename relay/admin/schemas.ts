/**
 * Request and response schemas of the admin API. They validate requests and
 * generate the OpenAPI document, so the document cannot drift from what the
 * routes accept. The policy schema itself is the one policies/ defines.
 */
import { z } from '@hono/zod-openapi';
import { AddressSchema, CallSchema, FeeModeSchema, PolicySchema } from '../../policies/index.ts';
import { callList, MAX_CALLDATA } from '../chain/snip9.ts';
import { boundedList } from '../chain/felt.ts';
import { KeyIdSchema, KeyScopeSchema as KeyScope, TenantIdSchema } from '../config.ts';
import { ActorSchema as Actor, KeyInfoSchema as KeyInfo } from '../tenants/records.ts';

/**
 * zod-openapi adds `.openapi()` to schemas built after it loads; schemas
 * defined elsewhere (policies/, tenants/, config) may load first, so they are
 * re-instantiated from their own definition (same validation, same output
 * type) to get the method. Each shape is defined once, where it is used.
 */
export const rebuilt = <T extends z.ZodType>(s: T): T => new (s.constructor as new (def: unknown) => T)(s._zod.def);

export const ErrorSchema = z
  .object({
    error: z
      .object({
        reason: z.string().openapi({ example: 'policy_not_found' }),
        message: z.string(),
        details: z.string().optional(),
        path: z.string().optional(),
        issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
      })
      .passthrough(),
  })
  .openapi('Error');

export const ActorSchema = rebuilt(Actor).openapi('Actor', {
  description: 'Who made a change: tenant id and the id of the key used (`@operator` for operator keys).',
});

export const DiffOpSchema = z
  .object({
    op: z.enum(['add', 'remove', 'replace']),
    path: z.string().openapi({ description: 'JSON Pointer into the policy', example: '/rules/budgets/global/maxFee' }),
    from: z.unknown().optional(),
    value: z.unknown().optional(),
  })
  .openapi('DiffOp');

export const PolicyDoc = rebuilt(PolicySchema).openapi('Policy', {
  description: 'Sponsorship policy, schema version 1 (policies/policy.schema.json).',
});

export const PolicySource = z.enum(['file', 'api']).openapi({
  description: '`file`: a shared template from the relay policy files (read-only here); `api`: this tenant\'s own.',
});

export const PolicyViewSchema = z
  .object({
    id: z.string(),
    source: PolicySource,
    version: z.number().int().openapi({ description: 'Latest API version; 0 when only the file template ever existed.' }),
    policy: PolicyDoc,
    updatedAt: z.string().optional(),
    updatedBy: ActorSchema.optional(),
  })
  .openapi('PolicyView');

export const PolicySummarySchema = z
  .object({ id: z.string(), name: z.string(), enabled: z.boolean(), priority: z.number().int(), source: PolicySource, version: z.number().int() })
  .openapi('PolicySummary');

export const PolicyVersionSchema = z
  .object({
    id: z.string(),
    version: z.number().int(),
    op: z.enum(['create', 'update', 'delete']),
    policy: PolicyDoc.nullable(),
    at: z.string(),
    by: ActorSchema,
    diff: z.array(DiffOpSchema),
    diffOmitted: z.literal(true).optional().openapi({ description: 'The diff was too large to keep: compare this version with the one before.' }),
    basedOn: z.literal('file').optional(),
    rollbackOf: z.number().int().optional().openapi({ description: 'The earlier version this one restores.' }),
  })
  .openapi('PolicyVersion');

export const AuditEntrySchema = z
  .object({
    at: z.string(),
    who: ActorSchema,
    action: z.enum(['policy.create', 'policy.update', 'policy.delete', 'key.create', 'key.revoke', 'tenant.create', 'tenant.update', 'tenant.delete']),
    target: z.object({ kind: z.enum(['policy', 'key', 'tenant']), id: z.string() }),
    version: z.number().int().optional(),
    diff: z.array(DiffOpSchema).optional(),
    detail: z.record(z.string(), z.string()).optional(),
  })
  .openapi('AuditEntry');

export const KeyScopeSchema = rebuilt(KeyScope);

export const KeyInfoSchema = rebuilt(KeyInfo).openapi('KeyInfo');

export const CreatedKeySchema = KeyInfoSchema.extend({
  key: z.string().openapi({ description: 'The full key `<id>.<secret>`. Shown only in this response; store it now.' }),
}).openapi('CreatedKey');

export const PolicyIdParam = z.object({
  id: z
    .string()
    .max(64)
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { error: 'expected a policy id like worker-rewards' })
    .openapi({ param: { name: 'id', in: 'path' }, example: 'worker-rewards' }),
});

export const TenantIdParam = z.object({
  id: rebuilt(TenantIdSchema).openapi({ param: { name: 'id', in: 'path' } }),
});

export const KeyIdParam = z.object({
  id: rebuilt(KeyIdSchema).openapi({ param: { name: 'id', in: 'path' } }),
});

export const PageQuery = z.object({
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const IfMatchHeader = z.object({
  'if-match': z
    .string()
    .regex(/^(W\/)?"?\d{1,9}"?$/, { error: 'expected the policy version, e.g. "3"' })
    .optional()
    .openapi({ description: 'Version (ETag) the change is based on; a mismatch is a 409 version_conflict.' }),
});

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a UTC day, YYYY-MM-DD' });
const Amount = z.string().regex(/^\d+$/).openapi({ description: 'fri (10^-18 STRK), decimal' });

export const UsageQuerySchema = z.object({
  from: Day.optional().openapi({ description: 'First day (UTC), default today' }),
  to: Day.optional().openapi({ description: 'Last day (UTC), default `from`; at most 92 days in all' }),
  policy: z.string().max(64).optional(),
  sender: AddressSchema.optional(),
});

export const UsageSchema = z
  .object({
    tenant: z.string(),
    scope: z.object({ kind: z.enum(['tenant', 'policy', 'sender']), id: z.string().optional() }),
    days: z.array(z.object({ day: z.string(), txs: z.number().int(), fee: Amount })),
    total: z.object({ txs: z.number().int(), fee: Amount }),
  })
  .openapi('Usage');

const FEE_RE = /^(0|[1-9][0-9]{0,38}|0x[0-9a-fA-F]{1,32})$/;

/**
 * A dry run's calls, held to execute's limits (calls, calldata felts in all) and read as execute reads them,
 * stopping at the first bad felt: zod's arrays reported each one, ~100 ms of CPU for a 256-call body.
 */
const DryRunCalls = callList(CallSchema.extend({ calldata: boundedList(CallSchema.shape.calldata.element, MAX_CALLDATA, 'felts') }), 'calldata');

export const DryRunRequestSchema = z
  .object({
    sender: AddressSchema,
    calls: DryRunCalls.optional().openapi({
      description: 'The calls to judge, as execute limits them; or send `typedData` instead.',
      // The list is read by hand (callList), so its items are described here.
      items: {
        type: 'object',
        required: ['to', 'selector', 'calldata'],
        properties: {
          to: { type: 'string', description: 'Contract address (0x-prefixed hex felt)' },
          selector: { type: 'string', description: 'Entrypoint selector (0x-prefixed hex felt)' },
          entrypoint: { type: 'string', description: 'Informational: the entrypoint name' },
          calldata: { type: 'array', items: { type: 'string' }, maxItems: MAX_CALLDATA, description: 'Felts, hex (0x…) or decimal' },
        },
      },
    }),
    typedData: z.record(z.string(), z.unknown()).optional().openapi({
      description: 'Instead of `calls`: SNIP-9 v2 typed data as paymaster_buildTransaction returns it (signed or not). Its calls are judged, less the fee transfer to the Paymaster in `default` mode.',
    }),
    feeMode: FeeModeSchema,
    maxFee: z
      .string()
      .regex(FEE_RE, { error: 'expected a decimal or hex fee amount in fri' })
      // Guarded: refinements run even when the regex failed.
      .refine((s) => !FEE_RE.test(s) || BigInt(s) < 2n ** 128n, { error: 'maxFee must fit in u128' }),
    /** Policies may match on the sponsor key; default: the calling key. */
    apiKeyId: z.string().min(1).max(128).optional(),
    phase: z.enum(['build', 'execute']).default('build').openapi({
      description: '`execute` also asks policy webhooks (they see a real request); nothing is consumed either way.',
    }),
    policy: z.string().max(64).optional().openapi({ description: 'Evaluate only this one of your policies.' }),
  })
  .refine((b) => (b.calls === undefined) !== (b.typedData === undefined), { error: 'send either calls or typedData', path: ['calls'] })
  .openapi('DryRunRequest');

export const VerdictSchema = z
  .object({
    rule: z.string(),
    ok: z.boolean(),
    reason: z.string().optional(),
    detail: z.string().optional(),
    retryAfter: z.number().optional(),
    failOpen: z.literal(true).optional().openapi({ description: "Passed only because failOpen let an unreachable webhook through: counts against webhook.failOpenPerHour." }),
  })
  .openapi('Verdict');

export const DryRunResultSchema = z
  .object({
    allow: z.boolean(),
    policy: z.string().nullable(),
    rule: z.string().optional(),
    reason: z.string().optional(),
    retryAfter: z.number().optional(),
    message: z.string(),
    verdicts: z.array(VerdictSchema),
    at: z.number(),
    evaluated: z.array(z.string()),
  })
  .openapi('DryRunResult');

export const TenantSchemaDoc = z
  .object({ id: z.string(), name: z.string(), policies: z.array(z.string()), source: z.enum(['config', 'api']) })
  .openapi('Tenant');

export const NewTenantSchema = z
  .object({
    id: rebuilt(TenantIdSchema),
    name: z.string().min(1).max(120),
    policies: z.array(z.string().max(64)).max(64).default([]),
  })
  .openapi('NewTenant');

export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

export const errors = (...statuses: (400 | 401 | 403 | 404 | 409 | 503)[]) => {
  const text: Record<number, string> = {
    400: 'Invalid input; `error.path` names the field',
    401: 'Missing, unknown or revoked key',
    403: 'Key of the wrong scope',
    404: 'Unknown, or another tenant\'s',
    409: 'Conflict (version, existing id)',
    503: 'Store unreachable',
  };
  return Object.fromEntries(statuses.map((s) => [s, json(ErrorSchema, text[s]!)]));
};

/**
 * Sponsorship policy schema, version 1. A policy is data an operator writes
 * (JSON, admin API); every object is strict so a misspelt rule is rejected
 * instead of silently granting more than intended.
 *
 * Bump `schemaVersion` only for changes old policies cannot be read under;
 * adding an optional rule is not one.
 */
import { z } from 'zod';
import { zodIssues, type Issue } from './issues.ts';
import {
  decimalValue,
  U256_BOUND,
  AddressSchema,
  ContractRefSchema,
  DecimalSchema,
  FeltHexSchema,
  InstantSchema,
  PeriodSchema,
  SelectorRefSchema,
  U256DecimalSchema,
  instantToUnix,
} from './primitives.ts';
import { SessionsRuleSchema } from './sessions.ts';

const SLUG_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const TIER_NAME_RE = /^[a-z][a-z0-9_-]{0,31}$/;

export const CalldataConstraintSchema = z
  .strictObject({
    /** Position in the call's own calldata (not the account's flattened __execute__ calldata). */
    index: z.number().int().nonnegative().max(1023),
    /** `u256` reads two felts (low at `index`, high at `index + 1`), as Cairo serialises amounts. */
    type: z.enum(['felt', 'u256']).default('felt'),
    min: U256DecimalSchema.optional(),
    max: U256DecimalSchema.optional(),
    /** Decimal, hex felt, or a manifest name (e.g. the spender of an approve must be `job_mgr`). */
    equals: z.union([U256DecimalSchema, ContractRefSchema]).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.min === undefined && c.max === undefined && c.equals === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a calldata constraint needs min, max or equals' });
    }
    // The refinement runs even when min or max failed its own check: only two values can be compared.
    const [min, max] = [decimalValue(c.min, U256_BOUND), decimalValue(c.max, U256_BOUND)];
    if (min !== undefined && max !== undefined && min > max) {
      ctx.addIssue({ code: 'custom', path: ['min'], message: 'min is greater than max' });
    }
  });

export const AllowEntrySchema = z.strictObject({
  contract: ContractRefSchema,
  selectors: z.array(SelectorRefSchema).min(1).max(64),
  calldata: z.array(CalldataConstraintSchema).max(32).optional(),
});

export const SendersRuleSchema = z
  .strictObject({
    allow: z.array(AddressSchema).max(10_000).optional(),
    deny: z.array(AddressSchema).max(10_000).optional(),
  })
  .refine((s) => s.allow !== undefined || s.deny !== undefined, { error: 'senders needs allow or deny' });

export const TierSchema = z.strictObject({
  period: PeriodSchema,
  maxTxs: z.number().int().nonnegative().optional(),
  /** Sponsored fee per period, in fri. Not counted for `default` fee mode: the user pays. */
  maxFee: DecimalSchema.optional(),
});

const TierNameSchema = z.string().regex(TIER_NAME_RE, { error: 'expected a tier name like free or pro' });

export const TiersRuleSchema = z
  .strictObject({
    default: TierNameSchema,
    assignments: z.record(AddressSchema, TierNameSchema).default({}),
    tiers: z.record(TierNameSchema, TierSchema),
  })
  .superRefine((t, ctx) => {
    const known = (name: string) => Object.hasOwn(t.tiers, name);
    if (!known(t.default)) ctx.addIssue({ code: 'custom', path: ['default'], message: `unknown tier '${t.default}'` });
    // The first unknown one is enough to fix, and each issue is an object built for nothing after it.
    const unknown = Object.entries(t.assignments).find(([, name]) => !known(name));
    if (unknown) ctx.addIssue({ code: 'custom', path: ['assignments', unknown[0]], message: `unknown tier '${unknown[1]}'` });
  });

export const RateLimitRuleSchema = z.strictObject({
  key: z.enum(['sender', 'apiKey', 'policy']),
  points: z.number().int().positive(),
  durationSeconds: z.number().int().positive().max(366 * 86_400),
  window: z.enum(['fixed', 'sliding']).default('fixed'),
});

export const ReputationRuleSchema = z.strictObject({
  minReputation: z.number().int().min(0).max(1000),
  /** Entrypoints the gate applies to; omitted means every call in the request. */
  selectors: z.array(SelectorRefSchema).min(1).optional(),
  cacheTtlSeconds: z.number().int().nonnegative().max(86_400).default(300),
});

const PeriodBudgetSchema = z.strictObject({ maxFee: DecimalSchema, period: PeriodSchema });

export const BudgetsRuleSchema = z
  .strictObject({
    global: PeriodBudgetSchema.optional(),
    perUser: PeriodBudgetSchema.optional(),
    perOperation: z.strictObject({ maxFee: DecimalSchema }).optional(),
  })
  .refine((b) => b.global || b.perUser || b.perOperation, { error: 'budgets needs global, perUser or perOperation' });

export const TimeWindowRuleSchema = z
  .strictObject({ start: InstantSchema.optional(), end: InstantSchema.optional() })
  .superRefine((w, ctx) => {
    if (w.start === undefined && w.end === undefined) {
      ctx.addIssue({ code: 'custom', message: 'timeWindow needs start or end' });
    } else if (w.start !== undefined && w.end !== undefined && instantToUnix(w.start) >= instantToUnix(w.end)) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'end must be after start' });
    }
  });

export const WebhookRuleSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
  /** Name under which the runtime finds the HMAC secret; the secret never lives in a policy. */
  secretRef: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,127}$/, { error: 'expected a secret name like CIRO_WEBHOOK_SECRET' }),
  timeoutMs: z.number().int().min(50).max(10_000).default(2_000),
  /** Fail closed unless the operator opts out: an unreachable webhook must not mean "approved". */
  failOpen: z.boolean().default(false),
  /**
   * What failOpen may let through in one UTC hour, per policy (FAIL_OPEN_PER_HOUR when unset): whoever
   * can make the receiver hang (input it chokes on, a flood) gets no more than this while it is down,
   * whatever the policy's other limits. No zod default: a stored policy that leaves it out stays
   * readable by a relay from before it (a rollback, a rolling deploy).
   */
  failOpenPerHour: z.number().int().min(1).max(1_000_000).optional(),
});

/**
 * Account deployments cost gas but carry no signature worth anything (the
 * new account's key is whoever asks), so a policy sponsors them only by
 * naming the classes. `"accepted"` stands for every account class the relay
 * itself accepts (its manifest).
 */
export const DeploymentsRuleSchema = z.strictObject({
  classHashes: z
    .array(z.union([FeltHexSchema, z.literal('accepted')], { error: 'expected a class hash (0x…) or "accepted"' }))
    .min(1)
    .max(64),
});

export const FeeModeSchema = z.enum(['sponsored', 'default']);

export const RulesSchema = z.strictObject({
  allow: z.array(AllowEntrySchema).min(1).max(256).optional(),
  deployments: DeploymentsRuleSchema.optional(),
  senders: SendersRuleSchema.optional(),
  tiers: TiersRuleSchema.optional(),
  rateLimits: z.array(RateLimitRuleSchema).max(16).optional(),
  reputation: ReputationRuleSchema.optional(),
  budgets: BudgetsRuleSchema.optional(),
  timeWindow: TimeWindowRuleSchema.optional(),
  webhook: WebhookRuleSchema.optional(),
  /** Session keys this policy lets the relay co-sign (policies/sessions.ts); absent: none. */
  sessions: SessionsRuleSchema.optional(),
  /** Omitted means sponsored only: serving `default` mode must be an explicit choice. */
  feeModes: z
    .array(FeeModeSchema)
    .min(1)
    .max(2)
    .refine((m) => new Set(m).size === m.length, { error: 'feeModes has duplicates' })
    .default(['sponsored']),
});

/** Which traffic the policy is for; `rules` say what it grants that traffic. */
export const MatchSchema = z.strictObject({
  apiKeyIds: z.array(z.string().min(1).max(128)).min(1).optional(),
});

export const PolicySchema = z
  .strictObject({
    /** Lets editors pick up policy.schema.json; ignored by the relay. */
    $schema: z.string().optional(),
    schemaVersion: z.literal(1),
    id: z.string().max(64).regex(SLUG_RE, { error: 'expected a slug like worker-rewards' }),
    name: z.string().min(1).max(120),
    description: z.string().max(2_000).optional(),
    enabled: z.boolean(),
    /** Higher is tried first by selectPolicy. */
    priority: z.number().int().min(-1_000).max(1_000).default(0),
    match: MatchSchema.optional(),
    rules: RulesSchema,
  })
  .meta({ title: 'CIRO Relay sponsorship policy', description: 'Sponsorship policy, schema version 1' });

export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;
export type Rules = Policy['rules'];
export type AllowEntry = z.infer<typeof AllowEntrySchema>;
export type CalldataConstraint = z.infer<typeof CalldataConstraintSchema>;
export type RateLimitRule = z.infer<typeof RateLimitRuleSchema>;
export type Tier = z.infer<typeof TierSchema>;
export type FeeMode = z.infer<typeof FeeModeSchema>;

/** A problem in a policy: its dotted path (`rules.allow[0].contract`) and what is wrong. */
export type PolicyIssue = Issue;

export type ParsePolicyResult = { ok: true; policy: Policy } | { ok: false; issues: PolicyIssue[] };

export function parsePolicy(input: unknown): ParsePolicyResult {
  const r = PolicySchema.safeParse(input);
  if (r.success) return { ok: true, policy: r.data };
  return { ok: false, issues: zodIssues(r.error) };
}

/** The JSON Schema editors and the admin API publish; policy.schema.json is this, committed. */
export function policyJsonSchema(): Record<string, unknown> {
  // `input` because authors write the input side: defaulted fields are optional there.
  return z.toJSONSchema(PolicySchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}

/**
 * What goes into and comes out of the evaluator. The request has a zod schema
 * because the dry-run endpoint receives it as JSON; facts are built by the
 * runtime from its own stores, so a plain type is enough there.
 */
import { z } from 'zod';
import { AddressSchema, EntrypointSchema, FeltHexSchema, parseFelt } from './primitives.ts';
import { FeeModeSchema } from './schema.ts';

const CalldataFeltSchema = z
  .string()
  .refine((s) => parseFelt(s) !== undefined, { error: 'calldata items must be felts (hex 0x… or decimal)' });

export const CallSchema = z.object({
  to: AddressSchema,
  selector: FeltHexSchema,
  /** Informational (messages); matching always uses `selector`, which is what the chain executes. */
  entrypoint: EntrypointSchema.optional(),
  calldata: z.array(CalldataFeltSchema).max(10_000),
});

/** JSON callers send the fee as a string; in-process callers pass a bigint. */
const FeeSchema = z.union([
  z.bigint().nonnegative(),
  z
    .string()
    .regex(/^(0|[1-9][0-9]*|0x[0-9a-fA-F]{1,32})$/, { error: 'expected a decimal or hex fee amount' })
    .transform((s) => BigInt(s)),
]);

export const PolicyRequestSchema = z.object({
  sender: AddressSchema,
  calls: z.array(CallSchema).max(256),
  feeMode: FeeModeSchema,
  apiKeyId: z.string().min(1).max(128),
  /** Estimated fee the relay would reserve, in fri. */
  maxFee: FeeSchema,
  /** `build` quotes (paymaster_buildTransaction), `execute` spends (paymaster_executeTransaction). */
  phase: z.enum(['build', 'execute']),
  /** An account the relayer would deploy for the sender (SNIP-29 deploy / deploy_and_invoke). */
  deployment: z.object({ classHash: FeltHexSchema }).optional(),
});

export type PolicyCall = z.output<typeof CallSchema>;
export type PolicyRequest = z.output<typeof PolicyRequestSchema>;
export type PolicyRequestInput = z.input<typeof PolicyRequestSchema>;

/** As reported by rate-limiter-flexible's `get()`, i.e. before this request consumes anything. */
export interface RateLimitState {
  remainingPoints: number;
  msBeforeNext: number;
}

/**
 * `timeout` and `error`: the webhook could not be reached (no answer in time, a connection failure, a gateway's
 * 502/503/504); `invalid`: it answered, but with no verdict (a 500 on the caller's input, a body that is not
 * `{approve: bool}`), which failOpen never lets through.
 */
export type WebhookVerdict = 'approve' | 'deny' | 'timeout' | 'error' | 'invalid';

/**
 * Everything the evaluator knows about the world. A field left undefined
 * means "not observed", and a rule that needs it denies (fail closed).
 */
export interface PolicyFacts {
  /** Unix seconds. The evaluator never reads a clock. */
  now: number;
  /** Manifest names (`cdc_pool`) to addresses, as a map or a resolver. */
  contracts: Readonly<Record<string, string>> | ((name: string) => string | undefined);
  /** The sender's usage in the current tier period (see tierWindow). */
  usage?: { txs: number; fee: bigint };
  /** Indexed like `rules.rateLimits`. */
  rateLimits?: ReadonlyArray<RateLimitState | undefined>;
  /** Amounts already spent in the current budget periods (see requiredFacts for the keys). */
  budgets?: { global?: bigint; user?: bigint };
  /** The sender's reputation (0..1000); undefined = unknown. */
  reputation?: number;
  webhook?: { verdict: WebhookVerdict };
  /** Requests failOpen has let through for this policy in the current UTC hour (see requiredFacts). */
  failOpenUsed?: number;
  /** Account classes the relay deploys (what `"accepted"` stands for in rules.deployments). */
  accountClasses?: readonly string[];
}

/** Why a session is not co-signed (policies/evaluateSession.ts); part of DENY_REASONS. */
export const SESSION_DENY_REASONS = [
  'sessions_not_offered',
  'session_expired',
  'session_too_long',
  'session_method_not_allowed',
  'session_metadata_mismatch',
] as const;

/** Stable, snake_case; clients branch on these, so never rename one once shipped. */
export const DENY_REASONS = [
  'no_policy',
  'policy_disabled',
  'policy_not_applicable',
  'fee_mode_not_sponsored',
  'outside_time_window',
  'sender_denied',
  'sender_not_allowed',
  'no_calls',
  'contract_not_allowed',
  'selector_not_allowed',
  'calldata_constraint',
  'deployment_not_allowed',
  'reputation_unknown',
  'reputation_too_low',
  'max_fee_exceeded',
  'tier_usage_unknown',
  'tier_quota_exhausted',
  'budget_usage_unknown',
  'budget_exhausted',
  'rate_limit_unknown',
  'rate_limited',
  'webhook_no_verdict',
  'webhook_denied',
  'webhook_timeout',
  'webhook_error',
  'webhook_fail_open_exhausted',
  'webhook_fail_open_unknown',
  ...SESSION_DENY_REASONS,
] as const;
export type DenyReason = (typeof DENY_REASONS)[number];

export type RuleName =
  | 'enabled'
  | 'match'
  | 'feeModes'
  | 'timeWindow'
  | 'senders'
  | 'allow'
  | 'deployments'
  | 'reputation'
  | 'budgets.perOperation'
  | 'tiers'
  | 'budgets.perUser'
  | 'budgets.global'
  | `rateLimits[${number}]`
  | 'webhook'
  | 'sessions';

export interface Verdict {
  rule: RuleName;
  ok: boolean;
  reason?: DenyReason;
  /** What was observed, e.g. "used 10 of 10 txs in tier free (day)". */
  detail?: string;
  /** Seconds until retrying can succeed; only for denials that pass with time. */
  retryAfter?: number;
  /** A pass only because failOpen let an unreachable webhook through: budgetLines counts it. */
  failOpen?: true;
}

export interface Decision {
  allow: boolean;
  /** The deciding policy; null only when selectPolicy had no enabled policy. */
  policy: string | null;
  rule?: RuleName;
  reason?: DenyReason;
  retryAfter?: number;
  /** For humans: what happened and what to change. */
  message: string;
  /** Every configured rule's verdict, in evaluation order. */
  verdicts: Verdict[];
  /** The `now` the decision was made at, so reservations use the same periods as the checks. */
  at: number;
}

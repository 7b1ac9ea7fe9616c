/** Public API of the sponsorship-policy model. See README.md for the rule model. */
export {
  PolicySchema,
  RulesSchema,
  MatchSchema,
  AllowEntrySchema,
  CalldataConstraintSchema,
  TierSchema,
  FeeModeSchema,
  parsePolicy,
  policyJsonSchema,
  type Policy,
  type PolicyInput,
  type Rules,
  type AllowEntry,
  type CalldataConstraint,
  type RateLimitRule,
  type Tier,
  type FeeMode,
  type PolicyIssue,
  type ParsePolicyResult,
} from './schema.ts';
export {
  AddressSchema,
  ContractRefSchema,
  DecimalSchema,
  normalizeFelt,
  parseFelt,
  type ContractRef,
  type Period,
  type Instant,
} from './primitives.ts';
export {
  PolicyRequestSchema,
  CallSchema,
  DENY_REASONS,
  SESSION_DENY_REASONS,
  type PolicyRequest,
  type PolicyRequestInput,
  type PolicyCall,
  type PolicyFacts,
  type RateLimitState,
  type WebhookVerdict,
  type Decision,
  type Verdict,
  type DenyReason,
  type RuleName,
} from './types.ts';
export { evaluate, selectPolicy, needsWebhook, ruleStage, REASON_FIXES } from './evaluate.ts';
export { evaluateSession, selectSessionPolicy, sessionAllowsCall } from './evaluateSession.ts';
export {
  SessionsRuleSchema,
  MAX_SESSION_METADATA,
  metadataProjectId,
  type SessionsRule,
  type SessionMethod,
  type SessionRequest,
} from './sessions.ts';
export { periodWindow, type PeriodWindow } from './period.ts';
export { FAIL_OPEN_PERIOD, failOpenLimit } from './rules/external.ts';
export { selectorOf } from './selectors.ts';
export { formatPath, zodIssues, type Issue } from './issues.ts';
export {
  budgetLines,
  budgetKeys,
  consumesQuota,
  failOpenKey,
  rateLimitUses,
  requiredFacts,
  tierWindow,
  type BudgetLine,
  type RateLimitUse,
  type RequiredFacts,
  type TierWindow,
} from './runtime.ts';

/**
 * Runtime of the sponsorship policies: the SponsorshipGate the relay calls,
 * and what it is built from. Platform-free; the Node-only policy file loader
 * is imported separately from ./files.ts so a Workers bundle never sees it.
 */
export type { Reservation, ReservationLine, SponsorshipGate, SponsorshipRequest } from './gate.ts';
export { PolicyGate, contractsFromManifest, type GateDecision, type PolicyGateOptions } from './policyGate.ts';
export { PolicyRegistry, PolicyLoadError, parsePolicyOrThrow } from './registry.ts';
export { ChainReputationSource, type ChainReputationOptions, type ReputationSource } from './reputation.ts';
export {
  WebhookClient,
  signWebhookBody,
  verifyWebhookSignature,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  type WebhookClientOptions,
  type WebhookPayload,
  type WebhookTarget,
} from './webhook.ts';
export { StoreRateLimiter, isRateLimiterRes, type LimiterCallOptions, type RateWindow, type StoreRateLimiterOptions } from './rateLimit.ts';
export { PolicyLimiters, type ConsumeOutcome, type ScopedRateLimit } from './limits.ts';
export { PolicyLedger, type ConsumeInput, type UsageQuery } from './ledger.ts';
export { dayOf, isCountKey, tenantKey, usageKeys, type UsageScope } from './keys.ts';
export { policyRefused, decisionRefused, type Refusal } from './refusal.ts';

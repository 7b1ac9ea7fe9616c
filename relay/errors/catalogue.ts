/**
 * Every reason the relay can refuse with, in one table: its wire code
 * (SNIP-29 or JSON-RPC), the short human message, and the HTTP status a REST
 * route answers with (JSON-RPC always answers 200). A reason is a stable API:
 * clients switch on it, so an entry is never renamed once shipped.
 */
import { DENY_REASONS, type DenyReason } from '../../policies/index.ts';
import { JsonRpcCode as J, SNIP29_MESSAGE, Snip29Code as S, type ErrorCode } from './codes.ts';

export interface CatalogueEntry {
  code: ErrorCode;
  message: string;
  http: number;
}

/** SNIP-29 codes carry the spec's fixed message; the reason and details say what happened. */
const e = (code: ErrorCode, message: string, http = 400): CatalogueEntry => ({ code, message: SNIP29_MESSAGE[code] ?? message, http });

const RELAY = {
  // JSON-RPC framing and REST input
  invalid_json: e(J.PARSE_ERROR, 'Parse error'),
  invalid_request: e(J.INVALID_REQUEST, 'Invalid Request'),
  batch_too_large: e(J.INVALID_REQUEST, 'Batch too large'),
  body_too_large: e(J.INVALID_REQUEST, 'Request too large', 413),
  unsupported_media_type: e(J.INVALID_REQUEST, 'Unsupported media type', 415),
  bad_request: e(J.INVALID_REQUEST, 'Bad request'),
  not_found: e(J.INVALID_REQUEST, 'Not found', 404),
  method_not_found: e(J.METHOD_NOT_FOUND, 'Method not found'),
  invalid_params: e(J.INVALID_PARAMS, 'Invalid params'),
  too_many_params: e(J.INVALID_PARAMS, 'Invalid params'),
  params_not_structured: e(J.INVALID_PARAMS, 'Invalid params'),
  typed_data_invalid: e(J.INVALID_PARAMS, 'Invalid params'),
  wrong_chain: e(J.INVALID_PARAMS, 'Invalid params'),
  caller_not_paymaster: e(J.INVALID_PARAMS, 'Invalid params'),
  fee_transfer_missing: e(J.INVALID_PARAMS, 'Invalid params'),
  id_mismatch: e(J.INVALID_PARAMS, 'Invalid request'),
  unknown_policy: e(J.INVALID_PARAMS, 'Invalid request'),
  webhook_url_refused: e(J.INVALID_PARAMS, 'Invalid request', 422),

  // SNIP-29
  address_out_of_range: e(S.INVALID_ADDRESS, 'Invalid address'),
  account_not_deployed: e(S.INVALID_ADDRESS, 'Account is not deployed'),
  token_not_supported: e(S.TOKEN_NOT_SUPPORTED, 'Gas token not supported'),
  invalid_signature: e(S.INVALID_SIGNATURE, 'Invalid signature'),
  fee_payment_too_low: e(S.MAX_AMOUNT_TOO_LOW, 'Fee payment below the actual fee'),
  class_hash_not_supported: e(S.CLASS_HASH_NOT_SUPPORTED, 'Account class not supported'),
  account_class_not_supported: e(S.CLASS_HASH_NOT_SUPPORTED, 'Account class not supported'),
  snip9_v2_unsupported: e(S.CLASS_HASH_NOT_SUPPORTED, 'Account does not support SNIP-9 v2'),
  execution_reverted: e(S.TRANSACTION_EXECUTION_ERROR, 'Transaction would revert'),
  paymaster_refused: e(S.TRANSACTION_EXECUTION_ERROR, 'Transaction would revert'),
  gas_limit_exceeded: e(S.TRANSACTION_EXECUTION_ERROR, 'Transaction too large'),
  nonce_already_used: e(S.TRANSACTION_EXECUTION_ERROR, 'Outside execution nonce already used'),
  execution_already_submitted: e(S.TRANSACTION_EXECUTION_ERROR, 'Execution already submitted'),
  time_bounds_inverted: e(S.INVALID_TIME_BOUNDS, 'Invalid time bounds'),
  time_bounds_expired: e(S.INVALID_TIME_BOUNDS, 'Invalid time bounds'),
  time_bounds_too_long: e(S.INVALID_TIME_BOUNDS, 'Invalid time bounds'),
  time_bounds_not_started: e(S.INVALID_TIME_BOUNDS, 'Execution window not open yet'),
  time_bounds_rejected: e(S.INVALID_TIME_BOUNDS, 'Execution outside its time bounds'),
  time_bounds_past_session: e(S.INVALID_TIME_BOUNDS, 'Invalid time bounds'),
  deployment_address_mismatch: e(S.INVALID_DEPLOYMENT_DATA, 'Deployment data does not match the address'),
  deployment_user_mismatch: e(S.INVALID_DEPLOYMENT_DATA, 'Deployment address differs from the user address'),
  deploy_requires_sponsored_mode: e(S.INVALID_DEPLOYMENT_DATA, 'Deploy-only transactions are sponsored only'),
  account_already_deployed: e(S.INVALID_DEPLOYMENT_DATA, 'Account is already deployed'),
  deployment_in_progress: e(S.INVALID_DEPLOYMENT_DATA, 'Account deployment already in progress'),
  unknown_tracking_id: e(S.INVALID_ID, 'Unknown tracking id'),
  internal_error: e(S.UNKNOWN_ERROR, 'Unexpected relay error', 500),

  // Authentication
  missing_api_key: e(J.UNAUTHORIZED, 'Unauthorized', 401),
  invalid_api_key: e(J.UNAUTHORIZED, 'Unauthorized', 401),
  wrong_key_scope: e(J.UNAUTHORIZED, 'Forbidden', 403),

  // Operator safeguards no tenant policy can lift
  tenant_budget_exhausted: e(J.POLICY_REFUSED, 'Sponsorship refused', 429),
  too_many_reverts: e(J.POLICY_REFUSED, 'Sponsorship refused', 429),
  deploy_quota_exhausted: e(J.POLICY_REFUSED, 'Sponsorship refused', 429),
  payment_in_flight: e(J.POLICY_REFUSED, 'Payment already in flight', 429),
  account_quota_exhausted: e(J.POLICY_REFUSED, 'Sponsorship refused', 429),

  // Dependencies: fail closed
  store_unavailable: e(J.UNAVAILABLE, 'State store unavailable', 503),
  chain_unavailable: e(J.UNAVAILABLE, 'Chain unavailable', 503),
  paymaster_paused: e(J.UNAVAILABLE, 'Sponsorship paused', 503),
  price_unavailable: e(J.UNAVAILABLE, 'Gas token price unavailable', 503),
  relayers_unfunded: e(J.UNAVAILABLE, 'No relayer available', 503),
  relayers_busy: e(J.UNAVAILABLE, 'No relayer available', 503),
  submission_failed: e(J.UNAVAILABLE, 'Submission failed', 503),
  execution_in_progress: e(J.UNAVAILABLE, 'Execution already in progress', 503),

  // Admin API resources (another tenant's resource reads exactly like an unknown one)
  policy_not_found: e(J.INVALID_REQUEST, 'Not found', 404),
  policy_version_not_found: e(J.INVALID_REQUEST, 'Not found', 404),
  key_not_found: e(J.INVALID_REQUEST, 'Not found', 404),
  version_conflict: e(J.INVALID_REQUEST, 'Conflict', 409),
  write_contention: e(J.INVALID_REQUEST, 'Conflict', 409),
  key_id_exhausted: e(J.INVALID_REQUEST, 'Conflict', 409),
  last_admin_key: e(J.INVALID_REQUEST, 'Conflict', 409),
  tenant_exists: e(J.INVALID_REQUEST, 'Conflict', 409),
  tenant_from_config: e(J.INVALID_REQUEST, 'Conflict', 409),
  tenant_not_found: e(J.INVALID_REQUEST, 'Not found', 404),
  account_in_flight: e(J.INVALID_REQUEST, 'Conflict', 409),
  policy_exists: e(J.INVALID_REQUEST, 'Conflict', 409),
  policy_from_file: e(J.INVALID_REQUEST, 'Conflict', 409),
  policy_too_large: e(J.INVALID_REQUEST, 'Request too large', 413),
  too_many_policies: e(J.INVALID_REQUEST, 'Limit reached', 422),
  too_many_keys: e(J.INVALID_REQUEST, 'Limit reached', 422),

  // Session keys (relay/sessions/): co-signing refusals share the gate's -32002 shape
  session_unknown: e(J.INVALID_REQUEST, 'Not found', 404),
  session_revoked: e(J.POLICY_REFUSED, 'Session revoked', 403),
  session_call_not_allowed: e(J.POLICY_REFUSED, 'Call outside the session', 403),
  session_calldata_too_large: e(J.INVALID_PARAMS, 'Invalid params', 413),
  session_requires_paymaster: e(J.POLICY_REFUSED, 'Sessions are co-signed through the Paymaster only', 403),
  session_key_mismatch: e(S.INVALID_SIGNATURE, 'Not the session key', 403),
  session_guardian_mismatch: e(J.INVALID_PARAMS, 'The account guardian is not this relay', 422),
  too_many_sessions: e(J.INVALID_REQUEST, 'Limit reached', 422),
  session_quota_exhausted: e(J.INVALID_REQUEST, 'Limit reached', 429),
  session_cosigner_missing: e(J.UNAVAILABLE, 'Session co-signing not configured', 503),
} as const satisfies Record<string, CatalogueEntry>;

// Policy refusals: quota reasons are worth retrying later, missing facts are outages.
const QUOTA: ReadonlySet<DenyReason> = new Set(['rate_limited', 'tier_quota_exhausted', 'budget_exhausted']);
const OUTAGE: ReadonlySet<DenyReason> = new Set(['webhook_timeout', 'webhook_error', 'webhook_no_verdict', 'webhook_fail_open_exhausted']);
const policyStatus = (r: DenyReason) => (QUOTA.has(r) ? 429 : OUTAGE.has(r) || r.endsWith('_unknown') ? 503 : 403);

const POLICY = Object.fromEntries(DENY_REASONS.map((r) => [r, e(J.POLICY_REFUSED, 'Sponsorship refused', policyStatus(r))])) as Record<
  DenyReason,
  CatalogueEntry
>;

export type Reason = keyof typeof RELAY | DenyReason;

export const CATALOGUE: Readonly<Record<Reason, CatalogueEntry>> = { ...POLICY, ...RELAY };


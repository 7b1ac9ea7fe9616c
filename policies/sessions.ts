/**
 * Session keys (Argent x-sessions): what a tenant lets an account delegate to
 * a session key, as a rule of the policy, and the request the evaluator
 * judges when an owner asks the relay to co-authorise a session.
 *
 * A session is an owner's signature over (expiry, allowed methods, metadata,
 * session key). The relay co-signs it as the account's guardian only when it
 * fits this rule, and co-signs each session transaction afterwards, so the
 * rule bounds everything a session key can ever make the relay sign.
 */
import { z } from 'zod';
import { ContractRefSchema, SelectorRefSchema } from './primitives.ts';

export const SessionMethodsSchema = z.strictObject({
  contract: ContractRefSchema,
  selectors: z.array(SelectorRefSchema).min(1).max(64),
});

export const SessionsRuleSchema = z.strictObject({
  /** Every allowed method of a session must be one of these (contract, selector) pairs. */
  methods: z.array(SessionMethodsSchema).min(1).max(64),
  /**
   * The longest a session may live: its expiry minus the chain's time when it
   * is authorised. A leaked session key is good for at most this long, unless revoked.
   */
  maxDurationSeconds: z.number().int().positive().max(366 * 86_400),
  /**
   * x-sessions metadata is JSON (`{"projectID": …, "txFees": […]}`); when set,
   * its `projectID` must equal this, so a session made for one dapp is not
   * co-signed under another's policy.
   */
  metadata: z.strictObject({ projectId: z.string().min(1).max(128) }).optional(),
});

export type SessionsRule = z.infer<typeof SessionsRuleSchema>;

/** A session method as x-sessions spells it once parsed: the contract address, the entrypoint name (or hex selector). */
export interface SessionMethod {
  contract: string;
  selector: string;
}

/** What the evaluator judges when a session is authorised, and again on every co-signature. */
export interface SessionRequest {
  account: string;
  apiKeyId: string;
  /** Unix seconds. */
  expiresAt: number;
  methods: SessionMethod[];
  metadata: string;
}

/** The longest metadata string the relay stores or inspects (x-sessions JSON is far shorter). */
export const MAX_SESSION_METADATA = 2_048;

/** `projectID` of x-sessions JSON metadata, or undefined when it is not such JSON. */
export function metadataProjectId(metadata: string): string | undefined {
  try {
    const m = JSON.parse(metadata) as unknown;
    const id = typeof m === 'object' && m !== null ? (m as Record<string, unknown>).projectID : undefined;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

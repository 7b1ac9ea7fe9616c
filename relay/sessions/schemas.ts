/**
 * What the session routes accept, parsed once at the boundary (zod), and the
 * one view of a session they answer with. The authorise body is x-sessions'
 * own `offchainSession` (snake_case, as createSessionRequest returns it); the
 * cosigner bodies are exactly what x-sessions 9.0.4 POSTs, so a client needs
 * no adapter.
 */
import { z } from 'zod';
import { MAX_SESSION_METADATA } from '../../policies/index.ts';
import { EntrypointSchema } from '../../policies/primitives.ts';
import { Address, Felt, FeltLike, toHex } from '../chain/felt.ts';
import { OutsideExecutionTypedData } from '../chain/snip9.ts';
import type { SessionRecord } from './records.ts';

/** Felts as clients spell them (hex, decimal, integer), canonical hex after. */
const FeltOut = FeltLike.transform((v) => toHex(v));
const Signature = z.array(FeltOut).min(2).max(32);

export const OffChainSessionSchema = z.strictObject({
  /** Unix seconds (x-sessions: `expires_at`, a number). */
  expires_at: z.union([z.number().int().positive(), z.string().regex(/^\d{1,12}$/).transform(Number)]).pipe(z.number().max(2 ** 40)),
  /** Selectors are entrypoint names: x-sessions hashes each name into its Merkle leaf, so a hex selector could never be proven. */
  allowed_methods: z
    .array(z.strictObject({ 'Contract Address': Address, selector: EntrypointSchema }))
    .min(1)
    .max(64)
    // Each method is a leaf of the hashed Merkle tree: a repeated one adds hashing and allows nothing more.
    .refine((ms) => new Set(ms.map((m) => `${m['Contract Address']}:${m.selector}`)).size === ms.length, 'each method at most once'),
  // Hashed as a Cairo ByteArray of short strings: only printable ASCII encodes (x-sessions signs nothing else).
  metadata: z.string().max(MAX_SESSION_METADATA).regex(/^[\x20-\x7e]*$/, 'printable ASCII only'),
  session_key_guid: FeltOut,
});

export const AuthorizeBodySchema = z.strictObject({
  /** The Argent account (deployed, guardian = this tenant's cosigner). */
  address: Address,
  session: OffChainSessionSchema,
  /** The owner's signature over the session typed data (`account.signMessage(sessionTypedData)`): [r, s] or Argent's signer array. */
  ownerSignature: Signature,
});
export type AuthorizeBody = z.output<typeof AuthorizeBodySchema>;

export const RevokeBodySchema = z
  .strictObject({
    /** The owner's signature over GET /sessions/{hash}/revocation's typed data: revokes at the relay. */
    signature: Signature.optional(),
    /**
     * Also on chain: paymaster_buildTransaction's typed data for the one call
     * `<account>.revoke_session(<hash>)`, and the owner's signature of it. The
     * relay adds the guardian's and relays it sponsored; it revokes at the relay too.
     */
    onchain: z.strictObject({ typedData: OutsideExecutionTypedData, signature: Signature }).optional(),
  })
  .refine((b) => b.signature !== undefined || b.onchain !== undefined, { error: 'give signature, onchain, or both' });
export type RevokeBody = z.output<typeof RevokeBodySchema>;

export const HashParam = Felt;
export const AccountQuery = z.strictObject({ account: Address });

/** x-sessions' `session` part of both cosigner calls. */
const ServiceSessionSchema = z.object({
  sessionHash: Felt,
  sessionAuthorisation: z.array(FeltOut).max(64),
  cacheAuthorisation: z.boolean().optional(),
  sessionSignature: z.object({
    type: z.literal('StarknetKey'),
    signer: z.object({ publicKey: FeltOut, r: FeltOut, s: FeltOut }),
  }),
});

/** POST {base}/cosigner/signSessionEFO: the session and the outside execution (the relay's own SNIP-9 v2 typed data). */
export const SignSessionEfoSchema = z.object({
  session: ServiceSessionSchema,
  message: z.object({
    type: z.literal('eip712'),
    accountAddress: Address,
    chain: z.literal('starknet'),
    message: OutsideExecutionTypedData,
    network: z.string().max(32).optional(),
  }),
});
export type SignSessionEfo = z.output<typeof SignSessionEfoSchema>;

export type SessionStatus = 'active' | 'expired' | 'revoked';

/** The one shape every session route answers with; field names follow x-sessions' Session so a client can rebuild one. */
export function sessionView(r: SessionRecord, now: number) {
  const status: SessionStatus = r.revokedAt ? 'revoked' : r.expiresAt <= now ? 'expired' : 'active';
  return {
    sessionHash: r.hash,
    account: r.account,
    status,
    expiresAt: r.expiresAt,
    allowedMethods: r.methods.map((m) => ({ 'Contract Address': m.contract, selector: m.selector })),
    metadata: r.metadata,
    sessionKeyGuid: r.sessionKeyGuid,
    guardian: r.guardian,
    authorisationSignature: r.authorisation,
    policy: r.policy,
    createdAt: r.createdAt,
    ...(r.revokedAt ? { revokedAt: r.revokedAt, revokedBy: r.revokedBy } : {}),
  };
}
export type SessionView = ReturnType<typeof sessionView>;

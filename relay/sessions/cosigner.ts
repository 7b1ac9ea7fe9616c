/**
 * Each tenant's session cosigner: the Stark key that is the Argent guardian
 * of its users' accounts, read from the tenant's secrets
 * (CIRO_SECRET_<tenant>__SESSION_COSIGNER, or the ref its config names).
 *
 * A guardian key alone can start an owner escape (README, "Trust model"), so
 * nothing here signs a digest a caller chose: every method takes the
 * structured thing being approved and derives the digest itself. A session
 * authorisation is an SNIP-12 "SessionAccount.session" hash, a session
 * transaction a poseidon over a message hash, a revocation check a "CIRO
 * Relay" hash; none can equal the hash of an outside execution calling
 * trigger_escape_owner. The one transaction it co-signs is an owner's
 * `revoke_session` of the account's own session, and it checks that itself.
 */
import { ec, hash as starkHash, typedData } from 'starknet';
import type { Tenant } from '../config.ts';
import { revocationTypedData, sessionHash, sessionTxDigest, type SessionData } from '../chain/argent.ts';
import { toHex } from '../chain/felt.ts';
import { buildTypedData, type OutsideExecution } from '../chain/snip9.ts';

const REVOKE_SESSION = BigInt(starkHash.getSelectorFromName('revoke_session'));

export const DEFAULT_COSIGNER_REF = 'SESSION_COSIGNER';

export interface GuardianSignature {
  publicKey: string;
  r: string;
  s: string;
}

export class Cosigner {
  readonly publicKey: string;

  constructor(private readonly privateKey: string) {
    this.publicKey = toHex(ec.starkCurve.getStarkKey(privateKey));
  }

  /** The guardian's half of a session authorisation, and the session hash it signs. */
  authorizeSession(chainId: string, account: string, session: SessionData): { hash: string; signature: GuardianSignature } {
    const hash = sessionHash(chainId, account, session);
    return { hash, signature: this.sign(hash) };
  }

  /** The guardian signature of one session transaction (an outside execution, as the account will hash it). */
  /** `messageHash`: the outside execution's SNIP-12 hash for the account, as the caller verified the session key's signature on it. */
  cosignTransaction(messageHash: string, session: string, cacheAuthorisation: boolean): GuardianSignature {
    return this.sign(sessionTxDigest(messageHash, session, cacheAuthorisation));
  }

  /**
   * The guardian's half of an owner's revocation request: only ever passed to
   * the account's is_valid_signature to check the owner's half, never returned.
   */
  revocationProbe(chainId: string, account: string, session: string): { hash: string; signature: GuardianSignature } {
    const hash = toHex(typedData.getMessageHash(revocationTypedData(chainId, session), account));
    return { hash, signature: this.sign(hash) };
  }

  /**
   * The guardian's half of an owner's outside execution that does exactly one
   * thing: the account revoking one of its own sessions on chain. Checked here,
   * whatever the caller checked, because this signs a transaction.
   */
  cosignOwnRevocation(chainId: string, account: string, execution: OutsideExecution, session: string): { hash: string; signature: GuardianSignature } {
    const [c, ...rest] = execution.calls;
    const only =
      c !== undefined && rest.length === 0 && BigInt(c.to) === BigInt(account) && BigInt(c.selector) === REVOKE_SESSION &&
      c.calldata.length === 1 && BigInt(c.calldata[0]!) === BigInt(session);
    if (!only) throw new Error('the cosigner signs no transaction but an account revoking its own session');
    const hash = toHex(typedData.getMessageHash(buildTypedData(chainId, execution), account));
    return { hash, signature: this.sign(hash) };
  }

  private sign(digest: string): GuardianSignature {
    const sig = ec.starkCurve.sign(digest, this.privateKey);
    return { publicKey: this.publicKey, r: toHex(sig.r), s: toHex(sig.s) };
  }
}

const CURVE_ORDER = ec.starkCurve.CURVE.n;
const isStarkKey = (v: string) => /^0x[0-9a-fA-F]{1,64}$/.test(v) && BigInt(v) > 0n && BigInt(v) < CURVE_ORDER;

/** Tenants' cosigners from the secrets map (`<tenant>/<ref>` → value); built once per key. */
export class Cosigners {
  private readonly byKey = new Map<string, Cosigner>();

  constructor(
    private readonly secrets: Readonly<Record<string, string>>,
    private readonly log: (event: string, data: Record<string, unknown>) => void = () => {},
  ) {}

  /** The tenant's cosigner, or undefined when its secret is absent or not a Stark private key (logged, never echoed). */
  of(tenant: Pick<Tenant, 'id' | 'sessionCosignerRef'>): Cosigner | undefined {
    const ref = `${tenant.id}/${tenant.sessionCosignerRef ?? DEFAULT_COSIGNER_REF}`;
    const hit = this.byKey.get(ref);
    if (hit) return hit;
    const secret = this.secrets[ref];
    if (secret === undefined) return undefined;
    if (!isStarkKey(secret)) {
      this.log('sessions.bad_cosigner_key', { tenant: tenant.id, secretRef: ref, problem: 'not a 0x-hex Stark private key' });
      return undefined;
    }
    const cosigner = new Cosigner(secret);
    this.byKey.set(ref, cosigner);
    return cosigner;
  }
}

/**
 * POST /sessions/authorize: the owner hands the relay a session and the
 * owner's signature of it. The relay, as the account's guardian, adds its
 * own signature only if the tenant's policy lets sessions have these methods
 * for this long, the account is guarded by this tenant's cosigner, and the
 * owner's signature verifies on the account. The session is stored by its
 * hash: x-sessions never shows the service a session again, only its hash.
 *
 * Node work (chain time, class, guardian, signature check) is metered like a
 * build: the sponsor key that pays for it is public.
 */
import type { RelayDeps } from '../deps.ts';
import { RelayError } from '../errors/base.ts';
import { metered } from '../execution/metered.ts';
import { SESSIONS } from '../sponsorship/dailyQuota.ts';
import type { CallerContext } from '../tenants/auth.ts';
import { assertGuardedBy, assertOwnerSigned, assertSessionFits, cosignerOf } from './checks.ts';
import { MAX_SESSIONS_PER_ACCOUNT, SessionRecords, type SessionRecord } from './records.ts';
import type { AuthorizeBody } from './schemas.ts';

export async function authorizeSession(deps: RelayDeps, ctx: CallerContext, body: AuthorizeBody): Promise<{ created: boolean; record: SessionRecord }> {
  const cosigner = cosignerOf(deps, ctx.tenant);
  const account = body.address;
  const s = body.session;
  const methods = s.allowed_methods.map((m) => ({ contract: m['Contract Address'], selector: m.selector }));
  const session = { expiresAt: s.expires_at, methods, metadata: s.metadata, sessionKeyGuid: s.session_key_guid };
  const records = new SessionRecords(deps.store);
  const who = { tenant: ctx.tenant.id, apiKeyId: ctx.apiKeyId, ...(ctx.client === undefined ? {} : { client: ctx.client }) };

  return metered(deps, ctx, account, async () => {
    // An account at its cap is refused before the node and the session hash, unless this is a session it already has.
    const stored = await records.forAccount(ctx.tenant.id, account);
    const known = stored.some((r) => sameSession(r, session));
    if (stored.length >= MAX_SESSIONS_PER_ACCOUNT && !known) throw tooMany();
    // A new account buys a fresh per-account cap: the key's daily quota bounds what all of them can store.
    const quota = known ? undefined : await SESSIONS.refusal(deps.store, who, deps.config.sessionQuota, deps.gate.now());
    if (quota) throw quota;
    const now = await deps.clock.read();
    const policy = await assertSessionFits(deps, ctx.tenant, { account, apiKeyId: ctx.apiKeyId, ...session }, now);
    await assertGuardedBy(deps, account, cosigner);
    const { hash, signature } = cosigner.authorizeSession(await deps.provider.getChainId(), account, session);
    const authorisation = await assertOwnerSigned(deps, account, hash, body.ownerSignature, signature);

    const existing = await records.get(hash);
    // Only if two tenants were given one cosigner key: the record stays the first tenant's, unseen by the other.
    if (existing && existing.tenant !== ctx.tenant.id) {
      throw new RelayError('session_guardian_mismatch', { details: "This account's guardian co-signs for another tenant of this relay." });
    }
    if (existing?.revokedAt) throw revoked(existing);
    if (existing) return { created: false, record: existing };
    // Every stored record counts, revoked and expired ones too: each is kept until a week after its expiry, so
    // counting only live ones let an account pile up short sessions (and every listing read them all).
    if ((await records.forAccount(ctx.tenant.id, account)).length >= MAX_SESSIONS_PER_ACCOUNT) throw tooMany();
    const taken = await SESSIONS.take(deps.store, who, deps.config.sessionQuota, deps.gate.now());
    const made = await records.create({
      hash,
      tenant: ctx.tenant.id,
      apiKeyId: ctx.apiKeyId,
      account,
      ...session,
      guardian: cosigner.publicKey,
      authorisation,
      policy,
      createdAt: new Date().toISOString(),
    });
    // Stored meanwhile by a concurrent request (it counted it): this one stored nothing. A store failure in
    // create keeps the count: the record may have been written before it failed (over-counting is the safe side).
    if (!made.created) await taken.undo();
    return made;
  });
}

const tooMany = () =>
  new RelayError('too_many_sessions', {
    details: `An account may have ${MAX_SESSIONS_PER_ACCOUNT} sessions stored at this relay; revoked and expired ones count until a week after they expire.`,
  });

/** The fields a session's hash is made of, besides the account and the chain: equal fields, the same session. */
function sameSession(r: SessionRecord, s: Pick<SessionRecord, 'expiresAt' | 'methods' | 'metadata' | 'sessionKeyGuid'>): boolean {
  return r.expiresAt === s.expiresAt && r.metadata === s.metadata && BigInt(r.sessionKeyGuid) === BigInt(s.sessionKeyGuid) &&
    r.methods.length === s.methods.length && r.methods.every((m, i) => BigInt(m.contract) === BigInt(s.methods[i]!.contract) && m.selector === s.methods[i]!.selector);
}

export const revoked = (r: SessionRecord) =>
  new RelayError('session_revoked', {
    details: `Session ${r.hash} was revoked at ${r.revokedAt} (${r.revokedBy}); create a new session.`,
    data: { policy: r.policy, rule: 'sessions', session: r.hash },
  });

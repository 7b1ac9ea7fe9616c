/**
 * Sessions the relay co-authorised, in the Store (keys in store/keys.ts):
 * one record per session hash, and per tenant and account the set of its
 * hashes. Every read goes to the Store, never a local cache: a revocation
 * through one relay instance stops co-signing on every instance at the next
 * request. Records are parsed back through zod; an unreadable one counts as
 * absent, so the session is refused (fail closed).
 */
import { z } from 'zod';
import { RelayError } from '../errors/base.ts';
import { Keys, TTL } from '../store/keys.ts';
import type { Store } from '../store/types.ts';
import { readRecord } from '../tenants/records.ts';

export const SessionRecordSchema = z.object({
  hash: z.string(),
  tenant: z.string(),
  /** The sponsor key the owner authorised it with: its policies decide every co-signature. */
  apiKeyId: z.string(),
  account: z.string(),
  expiresAt: z.number(),
  methods: z.array(z.object({ contract: z.string(), selector: z.string() })),
  metadata: z.string(),
  sessionKeyGuid: z.string(),
  guardian: z.string(),
  /** Owner and guardian signatures over the session hash: what x-sessions needs as `authorisationSignature`. */
  authorisation: z.array(z.string()),
  /** The policy that allowed it at authorisation; co-signing asks the tenant's policies again. */
  policy: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().optional(),
  /** `owner`, or `admin:<keyId>`. */
  revokedBy: z.string().optional(),
});
export type SessionRecord = z.infer<typeof SessionRecordSchema>;

/** Sessions one account may have stored at a relay, revoked and expired ones included: bounds what a public key can make the Store keep. */
export const MAX_SESSIONS_PER_ACCOUNT = 32;

const ttlOf = (r: SessionRecord) => Math.max(0, r.expiresAt * 1000 - Date.now()) + TTL.sessionAfterExpiry;

export class SessionRecords {
  constructor(private readonly store: Store) {}

  async get(hash: string): Promise<SessionRecord | undefined> {
    return readRecord(SessionRecordSchema, await this.store.get(Keys.session.record(hash)));
  }

  /** Stores a new session; returns the record already there when the hash exists (same session, same owner signature). */
  async create(r: SessionRecord): Promise<{ created: boolean; record: SessionRecord }> {
    const { created, value } = await this.store.setIfAbsent(Keys.session.record(r.hash), JSON.stringify(r), { ttlMs: ttlOf(r) });
    await this.store.addToSet(Keys.session.byAccount(r.tenant, r.account), r.hash);
    const record = created ? r : readRecord(SessionRecordSchema, value);
    if (!record) throw new RelayError('internal_error', { details: 'A stored session record could not be read.' });
    return { created, record };
  }

  /** The tenant's sessions for an account, newest first; hashes whose record expired from the Store are dropped from the set. */
  async forAccount(tenant: string, account: string): Promise<SessionRecord[]> {
    const setKey = Keys.session.byAccount(tenant, account);
    const hashes = await this.store.members(setKey);
    const records = await Promise.all(hashes.map((h) => this.get(h)));
    const gone = hashes.filter((_, i) => records[i] === undefined);
    await Promise.all(gone.map((h) => this.store.removeFromSet(setKey, h)));
    return records.filter((r): r is SessionRecord => r !== undefined && r.tenant === tenant).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Marks a session revoked (compare-and-set: a concurrent revocation is not lost); a revoked one is returned as it is. */
  async revoke(hash: string, by: string): Promise<SessionRecord | undefined> {
    const key = Keys.session.record(hash);
    for (let attempt = 0; attempt < 5; attempt++) {
      const raw = await this.store.get(key);
      const r = readRecord(SessionRecordSchema, raw);
      if (!r || raw === null) return undefined;
      if (r.revokedAt) return r;
      const revoked = { ...r, revokedAt: new Date().toISOString(), revokedBy: by };
      if (await this.store.compareAndSet(key, raw, JSON.stringify(revoked), { ttlMs: ttlOf(r) })) return revoked;
    }
    throw new RelayError('write_contention', { details: 'The session changed while it was being revoked; retry.' });
  }
}

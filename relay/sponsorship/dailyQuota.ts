/**
 * Quotas on what a public API key can make the operator pay for that no
 * signature bounds: account deployments (whoever asks generates the new key,
 * and every fresh salt is a fresh address) and session authorisations (each
 * a record the Store keeps up to two weeks; every account a stranger deploys
 * for itself buys a fresh per-account cap). Whatever the tenant's policies allow:
 * - each API key gets at most `perApiKeyPerDay` a UTC day;
 * - each client network (an IPv4 address, an IPv6 /64) at most
 *   `perClientPerHour` an hour through the tenant, and an IPv6 /48 four times that;
 * - the key's day is shared so strangers can't use it all up: a network that
 *   has used it fewer than LIGHT_PER_NETWORK times today through the tenant
 *   (for IPv6, in a /48 site with fewer than LIGHT_PER_SITE) is light, and
 *   the others together take at most half of the key's day. Strangers who
 *   fill that half leave the rest to light networks, a dapp's new users: to
 *   take it too they need half the key's day in light networks (125 IPv4
 *   addresses, or 32 IPv6 /48s, for 500 a day), where one network or a few
 *   were enough before (the deploy-quota audit).
 * A request without a client address counts as one network, `unknown`.
 */
import { RelayError } from '../errors/base.ts';
import type { Reason } from '../errors/catalogue.ts';
import { dayOf, Keys, TTL } from '../store/keys.ts';
import type { ReserveLine, Store } from '../store/types.ts';
import { clientNetwork, clientSite } from './clientNetwork.ts';
import type { SponsorshipRequest } from './request.ts';
import type { SafeguardLine } from './safeguards.ts';

export interface DailyQuotaLimits {
  perApiKeyPerDay: number;
  perClientPerHour: number;
}

export interface QuotaCaller {
  tenant: string;
  apiKeyId: string;
  client?: string;
}

export interface QuotaLine {
  line: ReserveLine;
  refuse: () => RelayError;
}

/** Uses a network (a site) may have made today and still be light. */
export const LIGHT_PER_NETWORK = 2;
export const LIGHT_PER_SITE = 8;
/** An IPv6 /48's hourly quota, in clients' hourly quotas: a site is many users, but not a free supply of fresh clients. */
export const SITE_HOURLY_CLIENTS = 4;
const HOUR = 3_600;
const DAY = 86_400;
const UNBOUNDED = 1n << 64n;

interface Window {
  key: string;
  limit: number;
  end: number;
  why: string;
}

export class DailyQuota {
  /** `kind` names its store keys; `what` its unit in refusals ("sponsored account deployments"). */
  constructor(
    private readonly kind: 'deploys' | 'session-auth',
    private readonly what: string,
    private readonly reason: Reason,
  ) {}

  /**
   * One unit of each quota, and of the network's (and site's) day, to reserve
   * in one atomic step. Judged light, those day counts are held to lightness in
   * that same step, so a burst from one network can't all pass as light.
   */
  async lines(store: Store, who: QuotaCaller, q: DailyQuotaLimits, at: number): Promise<QuotaLine[]> {
    const now = Math.floor(at);
    const counts = this.dayCounts(who, q, now);
    const light = counts !== undefined && (await isLight(store, counts));
    const line = (key: string, limit: bigint, refuse: () => RelayError): QuotaLine => ({ line: { key, amount: 1n, limit, ttlMs: TTL.dailyQuota }, refuse });
    const out = this.windows(who, q, now, light).map((w) => line(w.key, BigInt(w.limit), () => this.exhausted(w.why, w.end - at)));
    // Became heavy since it was judged (a concurrent use by its network): refused, and judged again on a retry.
    const lighter = () => this.exhausted("This network's use today was counted meanwhile; send it again.", 1);
    if (counts) out.push(line(counts.net, light ? BigInt(LIGHT_PER_NETWORK) : UNBOUNDED, lighter));
    if (counts?.site) out.push(line(counts.site, light ? BigInt(LIGHT_PER_SITE) : UNBOUNDED, lighter));
    return out;
  }

  /** Takes one unit of each quota at once, outside any other reservation (sessions); `undo` gives them back. */
  async take(store: Store, who: QuotaCaller, q: DailyQuotaLimits, at: number): Promise<{ undo: () => Promise<void> }> {
    const lines = await this.lines(store, who, q, at);
    const r = lines.length ? await store.reserve(lines.map((l) => l.line)) : { ok: true as const };
    if (!r.ok) throw lines[r.blocking]!.refuse();
    return { undo: async () => void (await Promise.allSettled(lines.map((l) => store.adjust(l.line.key, -1n)))) };
  }

  /** The refusal, before any node work, once a quota the caller would be held to is used up. */
  async refusal(store: Store, who: QuotaCaller, q: DailyQuotaLimits, at: number): Promise<RelayError | undefined> {
    const now = Math.floor(at);
    const counts = this.dayCounts(who, q, now);
    const ws = this.windows(who, q, now, counts !== undefined && (await isLight(store, counts)));
    const used = await Promise.all(ws.map((w) => store.amount(w.key)));
    const full = ws.find((w, i) => used[i]! >= BigInt(w.limit));
    return full && this.exhausted(full.why, full.end - at);
  }

  /** The day's counts lightness is judged by (only with a per-key quota: without one, there is no day to share). */
  private dayCounts(who: QuotaCaller, q: DailyQuotaLimits, now: number): { net: string; site?: string } | undefined {
    if (q.perApiKeyPerDay <= 0) return undefined;
    const day = dayOf(now);
    const site = clientSite(who.client);
    const net = Keys.dailyByNetwork(who.tenant, this.kind, clientNetwork(who.client) ?? 'unknown', day);
    return { net, ...(site ? { site: Keys.dailyBySite(who.tenant, this.kind, site, day) } : {}) };
  }

  private windows(who: QuotaCaller, q: DailyQuotaLimits, now: number, light: boolean): Window[] {
    const out: Window[] = [];
    const dayEnd = now - (now % DAY) + DAY;
    if (q.perApiKeyPerDay > 0) {
      out.push({ key: Keys.dailyByKey(who.tenant, this.kind, who.apiKeyId, dayOf(now)), limit: q.perApiKeyPerDay, end: dayEnd, why: `This API key has used its ${q.perApiKeyPerDay} ${this.what} for today.` });
      if (!light) {
        const share = Math.ceil(q.perApiKeyPerDay / 2);
        out.push({
          key: Keys.dailyHeavy(who.tenant, this.kind, who.apiKeyId, dayOf(now)), limit: share, end: dayEnd,
          why: `Networks with ${LIGHT_PER_NETWORK} or more today share ${share} of this API key's ${q.perApiKeyPerDay} ${this.what} a day, and have used them; the rest is kept for networks that use it rarely.`,
        });
      }
    }
    const client = clientNetwork(who.client);
    if (client && q.perClientPerHour > 0) {
      const start = now - (now % HOUR);
      out.push({ key: Keys.dailyByClient(who.tenant, this.kind, client, start), limit: q.perClientPerHour, end: start + HOUR, why: `This client has used its ${q.perClientPerHour} ${this.what} for this hour.` });
      // An IPv6 /48 holds 65,536 /64s, each a fresh client: without this, one free /48 takes the heavy half in seconds.
      const site = clientSite(who.client);
      const perSite = q.perClientPerHour * SITE_HOURLY_CLIENTS;
      if (site) out.push({ key: Keys.dailyByClient(who.tenant, this.kind, site, start), limit: perSite, end: start + HOUR, why: `This client's IPv6 /48 has used its ${perSite} ${this.what} for this hour.` });
    }
    return out;
  }

  private exhausted(why: string, retryAfter: number): RelayError {
    return new RelayError(this.reason, { details: why, data: { retry_after: Math.max(1, Math.ceil(retryAfter)) } });
  }
}

async function isLight(store: Store, counts: { net: string; site?: string }): Promise<boolean> {
  const [net, site] = await Promise.all([store.amount(counts.net), counts.site ? store.amount(counts.site) : 0n]);
  return net < BigInt(LIGHT_PER_NETWORK) && site < BigInt(LIGHT_PER_SITE);
}

export const DEPLOYS = new DailyQuota('deploys', 'sponsored account deployments', 'deploy_quota_exhausted');
export const SESSIONS = new DailyQuota('session-auth', 'session authorisations', 'session_quota_exhausted');

const callerOf = (req: SponsorshipRequest): QuotaCaller => ({ tenant: req.tenant.id, apiKeyId: req.apiKeyId, ...(req.client === undefined ? {} : { client: req.client }) });

/** What a deployment reserves at execute (kept once it lands, given back if it doesn't); nothing for an invoke. */
export async function deployLines(store: Store, req: SponsorshipRequest, q: DailyQuotaLimits, at: number): Promise<SafeguardLine[]> {
  return req.deployment ? (await DEPLOYS.lines(store, callerOf(req), q, at)).map((l) => ({ ...l, kind: 'count' as const })) : [];
}

/** Refuses a deployment before any node work once a quota it would be held to is used up. */
export async function deployQuotaRefusal(store: Store, req: SponsorshipRequest, q: DailyQuotaLimits, at: number): Promise<RelayError | undefined> {
  return req.deployment ? DEPLOYS.refusal(store, callerOf(req), q, at) : undefined;
}

/**
 * Operator quotas on account deployments. A deployment needs no signature
 * worth anything (whoever asks generates the new key), and every fresh salt
 * is a fresh address with fresh per-sender limits, so sender-keyed policy
 * limits can't bound them. Whatever the tenant's policies allow:
 * - each API key deploys at most `perApiKeyPerDay` a UTC day;
 * - each client network (an IPv4 address, an IPv6 /64) at most
 *   `perClientPerHour` an hour through the tenant;
 * - the key's day is shared so strangers can't use it all up: a network that
 *   has deployed fewer than LIGHT_PER_NETWORK times today through the tenant
 *   (for IPv6, in a /48 site with fewer than LIGHT_PER_SITE) is light, and
 *   the others together take at most half of the key's day. Strangers who
 *   fill that half leave the rest to light networks, a dapp's new users: to
 *   take it too they need half the key's day in light networks (125 IPv4
 *   addresses, or 32 IPv6 /48s, at the defaults), where one network or a few
 *   were enough before (the deploy-quota audit).
 * A request without a client address counts as one network, `unknown`.
 */
import { RelayError } from '../errors/base.ts';
import { dayOf, Keys, TTL } from '../store/keys.ts';
import type { ReserveLine, Store } from '../store/types.ts';
import { clientNetwork, clientSite } from './clientNetwork.ts';
import type { SponsorshipRequest } from './request.ts';
import type { SafeguardLine } from './safeguards.ts';

export interface DeployQuota {
  perApiKeyPerDay: number;
  perClientPerHour: number;
}

/** Deployments a network (a site) may have made today and still be light. */
export const LIGHT_PER_NETWORK = 2;
export const LIGHT_PER_SITE = 8;
const HOUR = 3_600;
const DAY = 86_400;
const UNBOUNDED = 1n << 64n;

interface Window {
  key: string;
  limit: number;
  end: number;
  why: string;
}

/** The day's counts a deployment's lightness is judged by (only with a per-key quota: without one, there is no day to share). */
function dayCounts(req: SponsorshipRequest, q: DeployQuota, now: number): { net: string; site?: string } | undefined {
  if (q.perApiKeyPerDay <= 0) return undefined;
  const day = dayOf(now);
  const site = clientSite(req.client);
  return { net: Keys.deploysByNetworkDay(req.tenant.id, clientNetwork(req.client) ?? 'unknown', day), ...(site ? { site: Keys.deploysBySiteDay(req.tenant.id, site, day) } : {}) };
}

async function isLight(store: Store, counts: { net: string; site?: string }): Promise<boolean> {
  const [net, site] = await Promise.all([store.amount(counts.net), counts.site ? store.amount(counts.site) : 0n]);
  return net < BigInt(LIGHT_PER_NETWORK) && site < BigInt(LIGHT_PER_SITE);
}

/** The limits a deployment is held to, light or not. */
function windows(req: SponsorshipRequest, q: DeployQuota, now: number, light: boolean): Window[] {
  const out: Window[] = [];
  const dayEnd = now - (now % DAY) + DAY;
  if (q.perApiKeyPerDay > 0) {
    out.push({ key: Keys.deploysByKey(req.tenant.id, req.apiKeyId, dayOf(now)), limit: q.perApiKeyPerDay, end: dayEnd, why: `This API key has used its ${q.perApiKeyPerDay} sponsored account deployments for today.` });
    if (!light) {
      const share = Math.ceil(q.perApiKeyPerDay / 2);
      out.push({
        key: Keys.deploysHeavy(req.tenant.id, req.apiKeyId, dayOf(now)), limit: share, end: dayEnd,
        why: `Networks with ${LIGHT_PER_NETWORK} or more deployments today share ${share} of this API key's ${q.perApiKeyPerDay} a day, and have used them; the rest is kept for networks that deploy rarely.`,
      });
    }
  }
  const client = clientNetwork(req.client);
  if (client && q.perClientPerHour > 0) {
    const start = now - (now % HOUR);
    out.push({ key: Keys.deploysByClient(req.tenant.id, client, start), limit: q.perClientPerHour, end: start + HOUR, why: `This client has used its ${q.perClientPerHour} sponsored account deployments for this hour.` });
  }
  return out;
}

const exhausted = (why: string, retryAfter: number) => new RelayError('deploy_quota_exhausted', { details: why, data: { retry_after: Math.max(1, Math.ceil(retryAfter)) } });

/**
 * What a deployment reserves at execute: one unit of each quota, and of its
 * network's (and site's) day, kept once it lands and given back if it doesn't.
 * Judged light, those day counts are held to lightness in the same atomic
 * reservation, so a burst from one network can't all pass as light.
 */
export async function deployLines(store: Store, req: SponsorshipRequest, q: DeployQuota, at: number): Promise<SafeguardLine[]> {
  if (!req.deployment) return [];
  const now = Math.floor(at);
  const counts = dayCounts(req, q, now);
  const light = counts !== undefined && (await isLight(store, counts));
  const line = (key: string, limit: bigint, refuse: () => RelayError): SafeguardLine => ({ line: { key, amount: 1n, limit, ttlMs: TTL.deployWindow } satisfies ReserveLine, kind: 'count', refuse });
  const out = windows(req, q, now, light).map((w) => line(w.key, BigInt(w.limit), () => exhausted(w.why, w.end - at)));
  // Became heavy since it was judged (a concurrent deployment of its network's): refused, and judged again on a retry.
  const lighter = () => exhausted("This network's deployments today were counted meanwhile; send it again.", 1);
  if (counts) out.push(line(counts.net, light ? BigInt(LIGHT_PER_NETWORK) : UNBOUNDED, lighter));
  if (counts?.site) out.push(line(counts.site, light ? BigInt(LIGHT_PER_SITE) : UNBOUNDED, lighter));
  return out;
}

/** Refuses a deployment before any node work once a quota it would be held to is used up. */
export async function deployQuotaRefusal(store: Store, req: SponsorshipRequest, q: DeployQuota, at: number): Promise<RelayError | undefined> {
  if (!req.deployment) return undefined;
  const now = Math.floor(at);
  const counts = dayCounts(req, q, now);
  const ws = windows(req, q, now, counts !== undefined && (await isLight(store, counts)));
  const used = await Promise.all(ws.map((w) => store.amount(w.key)));
  const full = ws.find((w, i) => used[i]! >= BigInt(w.limit));
  return full && exhausted(full.why, full.end - at);
}

/**
 * Operator quotas on account deployments. A deployment needs no signature
 * worth anything (whoever asks generates the new key), and every fresh salt
 * is a fresh address with fresh per-sender limits, so sender-keyed policy
 * limits can't bound them: these count per API key per UTC day, and per
 * client network (an IPv4 address, an IPv6 /64) per hour and tenant, whatever the
 * tenant's policies allow.
 */
import { RelayError } from '../errors/base.ts';
import { dayOf, Keys, TTL } from '../store/keys.ts';
import type { Store } from '../store/types.ts';
import { clientNetwork } from './clientNetwork.ts';
import type { SponsorshipRequest } from './request.ts';
import type { SafeguardLine } from './safeguards.ts';

export interface DeployQuota {
  perApiKeyPerDay: number;
  perClientPerHour: number;
}

const HOUR = 3_600;
const DAY = 86_400;

interface Window {
  key: string;
  limit: number;
  end: number;
  who: 'API key' | 'client';
}

function windows(req: SponsorshipRequest, q: DeployQuota, now: number): Window[] {
  const out: Window[] = [];
  if (q.perApiKeyPerDay > 0) {
    out.push({ key: Keys.deploysByKey(req.tenant.id, req.apiKeyId, dayOf(now)), limit: q.perApiKeyPerDay, end: now - (now % DAY) + DAY, who: 'API key' });
  }
  const client = clientNetwork(req.client);
  if (client && q.perClientPerHour > 0) {
    const start = now - (now % HOUR);
    out.push({ key: Keys.deploysByClient(req.tenant.id, client, start), limit: q.perClientPerHour, end: start + HOUR, who: 'client' });
  }
  return out;
}

const exhausted = (w: Window, now: number) =>
  new RelayError('deploy_quota_exhausted', {
    details: `This ${w.who} has used its ${w.limit} sponsored account deployments for now.`,
    data: { retry_after: Math.max(1, Math.ceil(w.end - now)) },
  });

/** What a deployment reserves at execute: one unit of each quota (kept once it lands, given back if it doesn't). */
export function deployLines(req: SponsorshipRequest, q: DeployQuota, now: number): SafeguardLine[] {
  if (!req.deployment) return [];
  return windows(req, q, Math.floor(now)).map((w) => ({
    line: { key: w.key, amount: 1n, limit: BigInt(w.limit), ttlMs: TTL.deployWindow },
    kind: 'count' as const,
    refuse: () => exhausted(w, now),
  }));
}

/** Refuses a deployment before any node work once a quota is used up. */
export async function deployQuotaRefusal(store: Store, req: SponsorshipRequest, q: DeployQuota, now: number): Promise<RelayError | undefined> {
  if (!req.deployment) return undefined;
  for (const w of windows(req, q, Math.floor(now))) {
    if ((await store.amount(w.key)) >= BigInt(w.limit)) return exhausted(w, now);
  }
  return undefined;
}

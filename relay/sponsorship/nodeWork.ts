/**
 * The node's time is the operator's too: every build and execute costs node
 * calls (an estimate, a simulation) before any policy can charge for it. A
 * public sponsor key must not buy unlimited node work, so each request counts
 * before its first node call, and a request that ends refused after that
 * work counts again against a much smaller hourly refusal allowance.
 *
 * Anyone may present a dapp's public key and name any account, so counts a
 * stranger can fill must not stop everyone else:
 * - a client network (an IPv4 address, an IPv6 /64; ./clientNetwork.ts) has
 *   its own allowance per key, and an account's allowance is per network of
 *   that key: naming a victim's address uses up only the caller's share;
 * - the key's counts are backstops against many networks at once. Past one,
 *   a network is still served while it is light (at most `lightPerMinute`
 *   requests this minute, this one included, so a burst can't all pass) and,
 *   past the refusal backstop, refused nowhere this hour: the users of a dapp
 *   under attack keep being served, and each attacking network buys at most
 *   `lightPerMinute` requests a minute;
 * - an IPv6 /64 is cheap (one /48 holds 65,536), so past a backstop a
 *   network's site (its /48, ./clientNetwork.ts) must be light and clean too:
 *   at most `lightPerSitePerMinute` requests a minute, and fewer refusals this
 *   hour than one network's allowance, across all of its networks (a mobile
 *   carrier's /48 holds many users; one refusal must not shut them all out);
 * - a hard ceiling of twice the key's request count stops everyone: what a
 *   stranger needs to lock a dapp out is the key's count again, a minute,
 *   from networks and sites that each stay light (about 120 IPv4 addresses,
 *   or 30 IPv6 /48s, at the defaults).
 * A new address buys nothing: the network's and the key's counts still hold.
 */
import { RelayError } from '../errors/base.ts';
import { isNodeTimeout } from '../errors/chain.ts';
import { JsonRpcCode } from '../errors/codes.ts';
import { Keys } from '../store/keys.ts';
import type { Store } from '../store/types.ts';
import { clientNetwork, clientSite } from './clientNetwork.ts';
import { PolicyLimiters, type ScopedRateLimit } from './facts/limits.ts';

export interface NodeWorkLimits {
  perApiKeyPerMinute: number;
  lightPerMinute: number;
  lightPerSitePerMinute: number;
  perClientPerMinute: number;
  perSenderPerMinute: number;
  refusalsPerApiKeyPerHour: number;
  refusalsPerClientPerHour: number;
  refusalsPerSenderPerHour: number;
}

export interface NodeWorkCaller {
  tenant: string;
  apiKeyId: string;
  sender: string;
  /** The caller's address as the entry saw it; requests with none share one client, `unknown`. */
  client?: string;
  /** What the request counts for against the request limits (1 for an ordinary one; bigger calldata weighs more). */
  weight?: number;
}

type Role = 'key' | 'site' | 'client' | 'sender';

/** What a site's counters allow on their own: nothing is refused by them, they only say whether a site is light and clean. */
const UNBOUNDED = 1_000_000_000;

interface Limit extends ScopedRateLimit {
  role: Role;
  what: string;
}

export class NodeWorkLimiter {
  private readonly limiters: PolicyLimiters;

  constructor(
    store: Store,
    private readonly limits: NodeWorkLimits,
    private readonly now: () => number,
  ) {
    this.limiters = new PolicyLimiters(store);
  }

  /** Counts one request before its first node call; refuses (counting nothing) when the caller is over a limit or over its refusals. */
  async admit(c: NodeWorkCaller): Promise<void> {
    const at = this.now();
    const who = subjects(c);
    const refusals = this.refusalLimits(who);
    const states = await this.limiters.read(refusals, at);
    // A network is clean with no refusal this hour; its site, with fewer than one network's allowance of them.
    const refusedAt = (role: Role) => {
      const i = refusals.findIndex((l) => l.role === role);
      return i < 0 ? undefined : refusals[i]!.points - states[i]!.remainingPoints;
    };
    const clean = refusedAt('client') === 0 && (refusedAt('site') ?? 0) < Math.max(1, this.limits.refusalsPerClientPerHour);
    const over = refusals.findIndex((l, i) => states[i]!.remainingPoints <= 0 && !(l.role === 'key' && clean));
    if (over >= 0) throw limited(refusals[over]!.what, states[over]!.msBeforeNext);
    const requests = this.requestLimits(who, Math.max(1, Math.floor(c.weight ?? 1)));
    const taken = await this.limiters.consume(requests, at);
    if (!taken.ok) throw limited(requests[taken.index]!.what, taken.msBeforeNext);
    // Judged on the counts with this request in them, so requests sent at once can't all find room.
    const used = (role: Role) => taken.used[requests.findIndex((l) => l.role === role)];
    const light = (used('client') ?? Infinity) <= this.limits.lightPerMinute && (used('site') ?? 0) <= this.limits.lightPerSitePerMinute;
    if (light) return;
    const keyRefusals = refusals.findIndex((l) => l.role === 'key');
    const key = requests.find((l) => l.role === 'key');
    const refusal =
      keyRefusals >= 0 && states[keyRefusals]!.remainingPoints <= 0 ? limited(refusals[keyRefusals]!.what, states[keyRefusals]!.msBeforeNext)
      : key && used('key')! > key.points / 2 ? limited(key.what, (60 - (at % 60)) * 1000)
      : undefined;
    if (refusal) {
      await taken.undo();
      throw refusal;
    }
  }

  /**
   * Counts a refusal that came after node work; what is over the limit shows at the next admit.
   * Outages (UNAVAILABLE) count for nobody, with one exception: a request that ran the node to the
   * relay's deadline may have asked for a simulation too heavy to finish, so it counts against its
   * own network and account. Not against the key: at an outage's onset every request in flight
   * times out, and that must not take the key past its backstop.
   */
  async refused(c: NodeWorkCaller, e: unknown): Promise<void> {
    if (!(e instanceof RelayError) || e.reason === 'rate_limited') return;
    const timedOut = e.reason === 'chain_unavailable' && isNodeTimeout(e);
    if (e.code === JsonRpcCode.UNAVAILABLE && !timedOut) return;
    const at = this.now();
    for (const l of this.refusalLimits(subjects(c))) {
      if (timedOut && l.role === 'key') continue;
      await this.limiters.consume([l], at).catch(() => undefined);
    }
  }

  private requestLimits({ key, site, client, sender }: Subjects, weight: number): Limit[] {
    const l = this.limits;
    return indexed(weight, [
      limit('key', 2 * l.perApiKeyPerMinute, 60, key, `${l.perApiKeyPerMinute} requests per minute per API key from all clients, then only networks at ${l.lightPerMinute} or fewer a minute (${l.lightPerSitePerMinute} per IPv6 /48), up to ${2 * l.perApiKeyPerMinute}`),
      site && l.lightPerSitePerMinute > 0 ? limit('site', UNBOUNDED, 60, site, 'requests per minute per IPv6 /48') : undefined,
      limit('client', l.perClientPerMinute, 60, client, `${l.perClientPerMinute} requests per minute per API key from one client network`),
      limit('sender', l.perSenderPerMinute, 60, sender, `${l.perSenderPerMinute} requests per minute per account from one client network`),
    ]);
  }

  private refusalLimits({ key, site, client, sender }: Subjects): Limit[] {
    const l = this.limits;
    return indexed(1, [
      limit('key', l.refusalsPerApiKeyPerHour, 3_600, `refused:${key}`, `${l.refusalsPerApiKeyPerHour} refused requests per hour per API key, then only networks (and IPv6 /48s) it has not refused this hour, at ${l.lightPerMinute} or fewer requests a minute`),
      site && l.lightPerSitePerMinute > 0 ? limit('site', UNBOUNDED, 3_600, `refused:${site}`, 'refused requests per hour per IPv6 /48') : undefined,
      limit('client', l.refusalsPerClientPerHour, 3_600, `refused:${client}`, `${l.refusalsPerClientPerHour} refused requests per hour per API key from one client network`),
      limit('sender', l.refusalsPerSenderPerHour, 3_600, `refused:${sender}`, `${l.refusalsPerSenderPerHour} refused requests per hour per account from one client network`),
    ]);
  }
}

type Subjects = Record<Exclude<Role, 'site'>, string> & { site?: string };

/** Store-key fragments of a caller's counts, all under its key: no tenant's traffic fills another's. An IPv4 client has no site. */
function subjects(c: NodeWorkCaller): Subjects {
  const key = `key:${c.tenant}:${c.apiKeyId}`;
  const net = clientNetwork(c.client) ?? 'unknown';
  const site = clientSite(c.client);
  return {
    key,
    ...(site ? { site: `site:${c.tenant}:${c.apiKeyId}:${site}` } : {}),
    client: `client:${c.tenant}:${c.apiKeyId}:${net}`,
    sender: `sender:${c.tenant}:${c.apiKeyId}:${net}:${c.sender}`,
  };
}

/** `cost`: what one request counts for in each of the limits. */
const indexed = (cost: number, xs: (Omit<Limit, 'index' | 'cost'> | undefined)[]): Limit[] => xs.filter((x) => x !== undefined).map((x, index) => ({ ...x, cost, index }));

/** 0 points disables a limit. Fixed windows, aligned like every other limit, so every instance agrees. */
function limit(role: Role, points: number, durationSeconds: number, key: string, what: string): Omit<Limit, 'index' | 'cost'> | undefined {
  return points > 0 ? { role, points, durationSeconds, window: 'fixed', key: `${Keys.nodeWorkPrefix}:${key}`, what } : undefined;
}

function limited(what: string, msBeforeNext: number): RelayError {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new RelayError('rate_limited', {
    details: `The relay allows ${what}; retry after ${retryAfter}s.`,
    data: { policy: null, rule: 'operator', retry_after: retryAfter },
  });
}

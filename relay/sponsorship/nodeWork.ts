/**
 * The node's time is the operator's too: every build and execute costs node
 * calls (an estimate, a simulation) before any policy can charge for it. A
 * public sponsor key must not buy unlimited node work, so each request counts
 * against its API key and its sender before the first node call, and a
 * request that ends refused after that work counts again against a much
 * smaller refusal allowance: a client that keeps sending bad signatures or
 * reverting calls is stopped long before it wears the node down.
 */
import { RelayError } from '../errors/base.ts';
import { JsonRpcCode } from '../errors/codes.ts';
import { Keys } from '../store/keys.ts';
import type { Store } from '../store/types.ts';
import { PolicyLimiters, type ScopedRateLimit } from './facts/limits.ts';

export interface NodeWorkLimits {
  perApiKeyPerMinute: number;
  perSenderPerMinute: number;
  refusalsPerApiKeyPerHour: number;
  refusalsPerSenderPerHour: number;
}

export interface NodeWorkCaller {
  tenant: string;
  apiKeyId: string;
  sender: string;
}

interface Limit extends ScopedRateLimit {
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
    const refusals = this.refusalLimits(c);
    const states = await this.limiters.read(refusals, at);
    const over = states.findIndex((st) => st.remainingPoints <= 0);
    if (over >= 0) throw limited(refusals[over]!.what, states[over]!.msBeforeNext);
    const requests = this.requestLimits(c);
    const taken = await this.limiters.consume(requests, at);
    if (!taken.ok) throw limited(requests[taken.index]!.what, taken.msBeforeNext);
  }

  /** Counts a refusal that came after node work; what is over the limit shows at the next admit. */
  async refused(c: NodeWorkCaller, e: unknown): Promise<void> {
    if (!(e instanceof RelayError) || e.code === JsonRpcCode.UNAVAILABLE || e.reason === 'rate_limited') return;
    const at = this.now();
    for (const l of this.refusalLimits(c)) await this.limiters.consume([l], at).catch(() => undefined);
  }

  private requestLimits(c: NodeWorkCaller): Limit[] {
    const l = this.limits;
    return [
      limit(l.perApiKeyPerMinute, 60, `key:${c.tenant}:${c.apiKeyId}`, `${l.perApiKeyPerMinute} requests per minute per API key`),
      limit(l.perSenderPerMinute, 60, `sender:${c.sender}`, `${l.perSenderPerMinute} requests per minute per account`),
    ]
      .filter((x) => x !== undefined)
      .map((x, index) => ({ ...x, index }));
  }

  private refusalLimits(c: NodeWorkCaller): Limit[] {
    const l = this.limits;
    return [
      limit(l.refusalsPerApiKeyPerHour, 3_600, `refused:key:${c.tenant}:${c.apiKeyId}`, `${l.refusalsPerApiKeyPerHour} refused requests per hour per API key`),
      limit(l.refusalsPerSenderPerHour, 3_600, `refused:sender:${c.sender}`, `${l.refusalsPerSenderPerHour} refused requests per hour per account`),
    ]
      .filter((x) => x !== undefined)
      .map((x, index) => ({ ...x, index }));
  }
}

/** 0 points disables a limit. Fixed windows, aligned like every other limit, so every instance agrees. */
function limit(points: number, durationSeconds: number, key: string, what: string): Omit<Limit, 'index'> | undefined {
  return points > 0 ? { points, durationSeconds, window: 'fixed', key: `${Keys.nodeWorkPrefix}:${key}`, cost: 1, what } : undefined;
}

function limited(what: string, msBeforeNext: number): RelayError {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new RelayError('rate_limited', {
    details: `The relay allows ${what}; retry after ${retryAfter}s.`,
    data: { policy: null, rule: 'operator', retry_after: retryAfter },
  });
}

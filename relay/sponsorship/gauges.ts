/**
 * How much of each limit a tenant has used right now: every enabled policy's
 * global period budget, the operator's daily fee ceiling, and the passes
 * failOpen let through this hour while a policy's webhook was unreachable
 * (a count, not a fee). Read from the
 * very counters the gate reserves against (policies/runtime.ts names the
 * budget keys, store/keys.ts the ceiling), so a gauge can never disagree
 * with what the next request will be told.
 */
import { budgetKeys, FAIL_OPEN_PERIOD, failOpenKey, failOpenLimit, periodWindow, type Policy, type PolicyRequest } from '../../policies/index.ts';
import type { Tenant } from '../config.ts';
import { dayOf, Keys } from '../store/keys.ts';
import type { Store } from '../store/types.ts';

export interface Gauge {
  /** fri; for `failOpen`, transactions. */
  used: bigint;
  limit: bigint;
  /** Unix seconds: the window this use belongs to. */
  start: number;
  end: number;
}

export interface LimitsUse {
  ceiling: Gauge & { day: string };
  budgets: (Gauge & { policy: string; name: string; period: string })[];
  /** Policies whose webhook may fail open: transactions this UTC hour, not fri. */
  failOpen: (Gauge & { policy: string; name: string })[];
}

const DAY = 86_400;

// The global budget key does not depend on the request; budgetKeys still wants one.
const ANY_REQUEST: PolicyRequest = { sender: '0x0', calls: [], feeMode: 'sponsored', apiKeyId: '', maxFee: 0n, phase: 'build' };

export async function limitsUse(store: Store, tenant: Tenant, policies: Policy[], dailyFeeCeiling: bigint, now: number): Promise<LimitsUse> {
  const day = dayOf(now);
  const dayStart = Math.floor(now / DAY) * DAY;
  const withBudget = policies.filter((p) => p.enabled && p.rules.budgets?.global);
  const failingOpen = policies.filter((p) => p.enabled && p.rules.webhook?.failOpen);
  const hour = periodWindow(FAIL_OPEN_PERIOD, now);
  const [ceilingUsed, budgets, failOpen] = await Promise.all([
    store.amount(Keys.ceiling(tenant.id, day)),
    Promise.all(
      withBudget.map(async (p) => {
        const g = p.rules.budgets!.global!;
        const w = periodWindow(g.period, now);
        const used = await store.amount(Keys.sponsor(tenant.id, budgetKeys(ANY_REQUEST, p, now).global!));
        return { policy: p.id, name: p.name, period: String(g.period), used, limit: BigInt(g.maxFee), start: w.start, end: w.end };
      }),
    ),
    Promise.all(
      failingOpen.map(async (p) => {
        const used = await store.amount(Keys.sponsor(tenant.id, failOpenKey(p, now)!));
        return { policy: p.id, name: p.name, used, limit: BigInt(failOpenLimit(p.rules.webhook!)), start: hour.start, end: hour.end };
      }),
    ),
  ]);
  const limit = BigInt(tenant.maxDailyFee ?? dailyFeeCeiling);
  return { ceiling: { day, used: ceilingUsed, limit, start: dayStart, end: dayStart + DAY }, budgets, failOpen };
}

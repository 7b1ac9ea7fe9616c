/**
 * One pass of the operator's alert checks (Alerts.check), run by the Node
 * entry's timer and the Worker's cron, never by a request:
 * - a relayer whose STRK balance is below the floor (out of rotation);
 * - a tenant's policy global budget, or its daily fee ceiling, at or above
 *   `budgetThresholdPct` of its limit (reservations in flight included: the
 *   same counters the gate reserves against, sponsorship/gauges.ts), read for
 *   every tenant once an hour and for tenants spending today in between
 *   (tenantsToCheck);
 * - a policy's webhook failing open: transactions sponsored this UTC hour
 *   (and, early in an hour, the last one) with no webhook approving them (its
 *   receiver unreachable); critical once `failOpenPerHour` is spent and the
 *   policy refuses instead;
 * - the store or the chain failing for `unavailableAfterSeconds` with no
 *   success in between (every call reports to Health; the pass probes too).
 * Deduplication is AlertSender's: one alert per condition per window.
 */
import type { RpcProvider } from 'starknet';
import type { AlertsConfig } from '../config.ts';
import type { Alerts, Log } from '../deps.ts';
import type { RelayerPool } from '../relayers/pool.ts';
import type { SponsorshipGate } from '../sponsorship/gate.ts';
import type { Store } from '../store/types.ts';
import type { TenantDirectory } from '../tenants/directory.ts';
import { dayOf, Keys } from '../store/keys.ts';
import type { Tenant } from '../config.ts';
import type { LimitsUse } from '../sponsorship/gauges.ts';
import type { Alert, AlertSender } from './alerts.ts';
import type { Component, Health } from './health.ts';

export interface WatchOptions {
  config: AlertsConfig;
  /** The relayer floor (fri). */
  minBalance: bigint;
  sender: AlertSender;
  health: Health;
  store: Store;
  provider: Pick<RpcProvider, 'getBlockNumber'>;
  relayers: Pick<RelayerPool, 'status'>;
  gate: Pick<SponsorshipGate, 'limits' | 'spendingTenants'>;
  directory: Pick<TenantDirectory, 'tenants' | 'tenant'>;
  log: Log;
  /** Clock in ms (tests move it). */
  now?: () => number;
}

/** How often the pass reads every tenant's budgets; between, only those of tenants that reserved today or yesterday. */
export const FULL_PASS_MS = 3_600_000;

const STRK = (fri: bigint | string): string => `${(Number(fri) / 1e18).toFixed(4)} STRK`;

export function createAlerts(o: WatchOptions): Alerts {
  let running: Promise<{ sent: string[] }> | undefined;
  return {
    check: () => {
      // One pass at a time per instance: a slow node must not stack passes up.
      if (!o.sender.enabled) return Promise.resolve({ sent: [] });
      running ??= pass(o).finally(() => (running = undefined));
      return running;
    },
  };
}

async function pass(o: WatchOptions): Promise<{ sent: string[] }> {
  const sent: string[] = [];
  const raise = async (a: Alert, opts?: { storeDown?: boolean }) => {
    if (await o.sender.raise(a, opts)) sent.push(`${a.kind}:${a.subject}`);
  };
  // Probes first: Health then knows how the store and the node answer right now.
  await Promise.all([o.store.ping().catch(() => undefined), o.provider.getBlockNumber().catch(() => undefined)]);
  const storeDown = unavailable(o, 'store');
  const chainDown = unavailable(o, 'chain');
  if (storeDown) await raise(storeDown, { storeDown: true });
  if (chainDown) await raise(chainDown, { storeDown: storeDown !== undefined });
  if (storeDown) return { sent };
  try {
    for (const a of await relayerAlerts(o)) await raise(a);
    for (const a of await limitAlerts(o)) await raise(a);
  } catch (e) {
    o.log('alert.check_failed', { error: String(e) });
  }
  return { sent };
}

function unavailable(o: WatchOptions, c: Component): Alert | undefined {
  const ms = o.health.downFor(c);
  if (ms === undefined || ms < o.config.unavailableAfterSeconds * 1000) return undefined;
  const what = c === 'store' ? 'The state store' : 'The Starknet node';
  return {
    kind: c === 'store' ? 'store_unavailable' : 'chain_unavailable',
    severity: 'critical',
    subject: c,
    summary: `${what} has been unreachable for ${Math.round(ms / 1000)} s; sponsorship is refused meanwhile (fail closed).`,
    details: { downForSeconds: Math.round(ms / 1000), thresholdSeconds: o.config.unavailableAfterSeconds },
  };
}

async function relayerAlerts(o: WatchOptions): Promise<Alert[]> {
  const status = await o.relayers.status();
  const inRotation = status.filter((r) => r.inRotation).length;
  return status
    .filter((r) => r.balance !== null && BigInt(r.balance) < o.minBalance)
    .map((r) => ({
      kind: 'relayer_balance_low' as const,
      severity: inRotation === 0 ? ('critical' as const) : ('warning' as const),
      subject: r.address,
      summary: `Relayer ${r.address} holds ${STRK(r.balance!)}, below the floor of ${STRK(o.minBalance)}: out of rotation until refunded (${inRotation} of ${status.length} in rotation).`,
      details: { relayer: r.address, balance: r.balance, floor: o.minBalance.toString(), inRotation, relayers: status.length },
    }));
}

async function limitAlerts(o: WatchOptions): Promise<Alert[]> {
  const pct = BigInt(o.config.budgetThresholdPct);
  const reached = (used: bigint, limit: bigint) => limit > 0n && used * 100n >= limit * pct;
  const share = (used: bigint, limit: bigint) => Number((used * 10_000n) / limit) / 100;
  const out: Alert[] = [];
  for (const tenant of await tenantsToCheck(o)) {
    const use = await o.gate.limits(tenant);
    const c = use.ceiling;
    if (reached(c.used, c.limit)) {
      out.push({
        kind: 'daily_ceiling_threshold',
        severity: c.used >= c.limit ? 'critical' : 'warning',
        subject: `${tenant.id}:${c.day}`,
        summary: `Tenant ${tenant.id} has used ${share(c.used, c.limit)}% of its daily fee ceiling (${STRK(c.used)} of ${STRK(c.limit)}) on ${c.day}.`,
        details: { tenant: tenant.id, day: c.day, used: c.used.toString(), limit: c.limit.toString(), thresholdPct: o.config.budgetThresholdPct },
      });
    }
    for (const b of use.budgets) {
      if (!reached(b.used, b.limit)) continue;
      out.push({
        kind: 'budget_threshold',
        severity: b.used >= b.limit ? 'critical' : 'warning',
        subject: `${tenant.id}:${b.policy}:${b.start}`,
        summary: `Tenant ${tenant.id}'s policy ${b.policy} has used ${share(b.used, b.limit)}% of its ${b.period} budget (${STRK(b.used)} of ${STRK(b.limit)}).`,
        details: { tenant: tenant.id, policy: b.policy, period: b.period, start: b.start, end: b.end, used: b.used.toString(), limit: b.limit.toString(), thresholdPct: o.config.budgetThresholdPct },
      });
    }
    for (const f of await failOpenGauges(o, tenant, use.failOpen)) {
      if (f.used === 0n) continue;
      const at = (s: number) => new Date(s * 1000).toISOString().slice(11, 16);
      const when = f.end * 1000 <= now(o) ? `between ${at(f.start)} and ${at(f.end)} UTC` : `since ${at(f.start)} UTC${f.used >= f.limit ? '; it refuses any more this hour' : ''}`;
      out.push({
        kind: 'webhook_fail_open',
        severity: f.used >= f.limit ? 'critical' : 'warning',
        subject: `${tenant.id}:${f.policy}:${f.start}`,
        summary: `Tenant ${tenant.id}'s policy ${f.policy} could not reach its approval webhook: failOpen sponsored ${f.used} of at most ${f.limit} transactions with no approval ${when}.`,
        details: { tenant: tenant.id, policy: f.policy, start: f.start, end: f.end, used: Number(f.used), limit: Number(f.limit) },
      });
    }
  }
  return out;
}

/** How long into an hour the pass still reads the hour before, at least: longer than the gap between two passes. */
export const FAIL_OPEN_LOOKBACK_S = 600;

/**
 * This hour's failOpen use and, early in the hour, the last hour's too: passes made in the last seconds
 * of an hour (after the pass before) are otherwise never seen, since the next pass reads the new hour.
 * AlertSender's deduplication (the subject names the hour) keeps an hour already alerted from being sent again.
 */
async function failOpenGauges(o: WatchOptions, tenant: Tenant, current: LimitsUse['failOpen']): Promise<LimitsUse['failOpen']> {
  const start = current[0]?.start;
  const lookback = Math.max(FAIL_OPEN_LOOKBACK_S, 2 * o.config.checkIntervalSeconds);
  if (start === undefined || now(o) / 1000 - start >= lookback) return current;
  return [...(await o.gate.limits(tenant, start - 1)).failOpen, ...current];
}

const now = (o: Pick<WatchOptions, 'now'>): number => o.now?.() ?? Date.now();

/**
 * Every tenant once per FULL_PASS_MS, the time kept in the store so that
 * instances (and Worker isolates) share it; between, only tenants that
 * reserved today or yesterday, since only their counters can have moved up.
 * A budget already past the threshold is alerted again by the next full pass.
 */
export async function tenantsToCheck(o: Pick<WatchOptions, 'store' | 'gate' | 'directory' | 'now'>): Promise<Tenant[]> {
  const t = now(o);
  const last = Number((await o.store.get(Keys.alertsFullPass)) ?? 0);
  if (!(t - last < FULL_PASS_MS && t >= last)) {
    await o.store.set(Keys.alertsFullPass, String(t));
    // Day lists are read for two days; older ones go (best effort: a set has no TTL).
    await o.store.delete(Keys.spendingTenants(dayOf(Math.floor(t / 1000) - 3 * 86_400))).catch(() => undefined);
    return o.directory.tenants();
  }
  const ids = await o.gate.spendingTenants(Math.floor(t / 1000));
  return (await Promise.all(ids.map((id) => o.directory.tenant(id)))).filter((t): t is NonNullable<typeof t> => t !== undefined);
}

/**
 * Which tenants the alert pass reads budgets for (watch.ts tenantsToCheck):
 * every tenant once an hour, and in between only those that reserved today or
 * yesterday, so an operator with thousands of idle tenants does not read all
 * their budgets every interval (on Workers: a Durable Object call each, every
 * cron minute). Pure selection logic over the real gate and store: a tenant's
 * first reservation of the day lists it (once, not on every request).
 */
import { describe, expect, it } from 'vitest';
import type { AlertsConfig } from '../../relay/config.ts';
import { AlertSender } from '../../relay/observability/alerts.ts';
import { createMetrics } from '../../relay/observability/metrics.ts';
import { TextRegistry } from '../../relay/observability/textRegistry.ts';
import { FULL_PASS_MS, tenantsToCheck } from '../../relay/observability/watch.ts';
import { Keys } from '../../relay/store/keys.ts';
import { MemoryStore } from '../../relay/store/memory.ts';
import { makeGate, policy, request, T0, tenant } from '../relay/sponsorship/helpers.ts';

const DAY = 86_400;

describe('the tenants an alert pass reads', () => {
  it('reads every tenant hourly, and between only those that reserved today or yesterday', async () => {
    const store = new MemoryStore();
    const kit = makeGate(store, [policy()]);
    const all = [kit.tenant, tenant(['jobs'], 'idle-1'), tenant(['jobs'], 'idle-2')].map((t) => ({ ...t, source: 'config' as const }));
    const directory = { tenants: async () => all, tenant: async (id: string) => all.find((t) => t.id === id) };
    let now = T0 * 1000;
    const check = async () => (await tenantsToCheck({ store, gate: kit.gate, directory, now: () => now })).map((t) => t.id).sort();

    expect(await check()).toEqual(['acme', 'idle-1', 'idle-2']); // the first pass is a full one
    now += 60_000;
    expect(await check()).toEqual([]); // nobody reserved anything

    await kit.check(request({ tenant: kit.tenant }));
    await kit.check(request({ tenant: kit.tenant, sender: '0xb0b' }));
    expect(await store.members(Keys.spendingTenants(new Date(T0 * 1000).toISOString().slice(0, 10)))).toEqual(['acme']);
    now += 60_000;
    expect(await check()).toEqual(['acme']);

    now += FULL_PASS_MS; // an hour on: everyone again, once
    expect(await check()).toEqual(['acme', 'idle-1', 'idle-2']);
    now += 60_000;
    expect(await check()).toEqual(['acme']);

    // Still listed the next day (a day's ceiling and budgets can straddle midnight), not the day after.
    now = (T0 + DAY) * 1000;
    await store.set(Keys.alertsFullPass, String(now - 60_000));
    expect(await check()).toEqual(['acme']);
    now = (T0 + 2 * DAY) * 1000;
    await store.set(Keys.alertsFullPass, String(now - 60_000));
    expect(await check()).toEqual([]);
    // A full pass three days on drops that day's list.
    const day0 = Keys.spendingTenants(new Date(T0 * 1000).toISOString().slice(0, 10));
    expect(await store.members(day0)).toEqual(['acme']);
    now = (T0 + 3 * DAY) * 1000;
    await store.set(Keys.alertsFullPass, '0');
    expect(await check()).toEqual(['acme', 'idle-1', 'idle-2']);
    expect(await store.members(day0)).toEqual([]);
  });

  it('treats a full-pass time from the future (a clock step back) as due', async () => {
    const store = new MemoryStore();
    const kit = makeGate(store, [policy()]);
    const one = { ...kit.tenant, source: 'config' as const };
    const directory = { tenants: async () => [one], tenant: async () => one };
    await store.set(Keys.alertsFullPass, String(T0 * 1000 + FULL_PASS_MS * 5));
    expect((await tenantsToCheck({ store, gate: kit.gate, directory, now: () => T0 * 1000 })).map((t) => t.id)).toEqual(['acme']);
  });
});

describe('an alert that worsens within its window', () => {
  it('is sent again as critical after its warning, and only once each', async () => {
    const bodies: { severity: string }[] = [];
    const hook = (async (_u: unknown, init?: RequestInit) => {
      bodies.push(JSON.parse(String(init!.body)) as { severity: string });
      return new Response(null, { status: 204 });
    }) as typeof fetch;
    const sender = new AlertSender({
      config: { webhook: { url: 'https://ops.example/hook' }, windowSeconds: 3_600, budgetThresholdPct: 80, unavailableAfterSeconds: 60, checkIntervalSeconds: 15 } as AlertsConfig,
      secret: 'alert-secret-0123456789', store: new MemoryStore(), fetch: hook, metrics: createMetrics(new TextRegistry()), log: () => undefined, nowMs: () => T0 * 1000,
    });
    const alert = (severity: 'warning' | 'critical') => ({ kind: 'budget_threshold' as const, severity, subject: 'acme:jobs:1', summary: 'budget', details: {} });
    expect(await sender.raise(alert('warning'))).toBe(true);
    expect(await sender.raise(alert('warning'))).toBe(false);
    // Before: held back by the warning's claim until the next window (up to an hour with the budget spent).
    expect(await sender.raise(alert('critical'))).toBe(true);
    expect(await sender.raise(alert('critical'))).toBe(false);
    expect(bodies.map((b) => b.severity)).toEqual(['warning', 'critical']);
  });
});

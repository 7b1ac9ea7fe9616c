/**
 * failOpen alerts across the turn of an hour (watch.ts failOpenGauges). The
 * allowance is counted per UTC hour and the pass reads the hour it runs in,
 * so passes made in an hour's last seconds, after that hour's last alert
 * pass, were never alerted: the next pass read the new, empty hour. Early in
 * an hour the pass reads the last hour too, and says it is over. Real gate,
 * store and AlertSender; the webhook is a function that keeps what it is sent.
 */
import { describe, expect, it } from 'vitest';
import { failOpenKey } from '../../policies/index.ts';
import type { AlertsConfig } from '../../relay/config.ts';
import { AlertSender } from '../../relay/observability/alerts.ts';
import { Health } from '../../relay/observability/health.ts';
import { createMetrics } from '../../relay/observability/metrics.ts';
import { TextRegistry } from '../../relay/observability/textRegistry.ts';
import { createAlerts, FAIL_OPEN_LOOKBACK_S } from '../../relay/observability/watch.ts';
import { dayOf, Keys } from '../../relay/store/keys.ts';
import { MemoryStore } from '../../relay/store/memory.ts';
import { makeGate, policy, T0 } from '../relay/sponsorship/helpers.ts';

const HOUR = 3_600;
const config = { webhook: { url: 'https://ops.example/hook' }, windowSeconds: HOUR, budgetThresholdPct: 80, unavailableAfterSeconds: 60, checkIntervalSeconds: 15 } as AlertsConfig;

describe('failOpen alerts at the turn of an hour', () => {
  it("alerts the passes of an hour's last seconds on the next hour's first pass, once, and says the hour is over", async () => {
    const store = new MemoryStore();
    const open = policy({ id: 'open-hook', rules: { webhook: { url: 'https://hooks.example.com/ciro', secretRef: 'HOOK', failOpen: true, failOpenPerHour: 3 } } });
    const kit = makeGate(store, [open]);
    const one = { ...kit.tenant, source: 'config' as const };
    const sent: { kind: string; severity: string; subject: string; summary: string; details: Record<string, unknown> }[] = [];
    const hook = (async (_url: unknown, init?: RequestInit) => {
      sent.push(JSON.parse(String(init!.body)));
      return new Response(null, { status: 204 });
    }) as typeof fetch;
    const nowMs = () => kit.clock.now * 1000;
    const alerts = createAlerts({
      config,
      minBalance: 0n,
      sender: new AlertSender({ config, secret: 'alert-secret-0123456789', store, fetch: hook, metrics: createMetrics(new TextRegistry()), log: () => undefined, nowMs }),
      health: new Health(nowMs),
      store,
      provider: { getBlockNumber: async () => 1 },
      relayers: { status: async () => [] },
      gate: kit.gate,
      directory: { tenants: async () => [one], tenant: async () => one },
      log: () => undefined,
      now: nowMs,
    });
    // What a reservation with failOpen passes leaves: the hour's count, and the tenant listed as spending that day (ledger.ts).
    const failOpenAt = async (at: number, n: bigint) => {
      await store.adjust(Keys.sponsor(one.id, failOpenKey(open, at)!), n);
      await store.addToSet(Keys.spendingTenants(dayOf(at)), one.id);
    };
    const turn = T0 + 5 * HOUR; // 05:00 UTC (T0 is a midnight)

    kit.clock.now = turn - 60;
    await alerts.check();
    expect(sent).toEqual([]); // the hour's last pass: nothing failed open yet
    await failOpenAt(turn - 10, 3n); // then three passes, the allowance, in its last ten seconds

    kit.clock.now = turn + 15;
    await alerts.check();
    expect(sent.map((a) => [a.kind, a.severity, a.subject, a.details.used, a.details.limit])).toEqual([
      ['webhook_fail_open', 'critical', `acme:open-hook:${turn - HOUR}`, 3, 3],
    ]);
    expect(sent[0]!.summary).toBe("Tenant acme's policy open-hook could not reach its approval webhook: failOpen sponsored 3 of at most 3 transactions with no approval between 04:00 and 05:00 UTC.");

    kit.clock.now = turn + 30;
    await alerts.check();
    expect(sent).toHaveLength(1); // once

    // This hour's passes are alerted as before, as still open.
    await failOpenAt(turn + 40, 1n);
    kit.clock.now = turn + FAIL_OPEN_LOOKBACK_S + 1;
    await alerts.check();
    expect(sent.slice(1).map((a) => [a.severity, a.subject, a.summary])).toEqual([
      ['warning', `acme:open-hook:${turn}`, "Tenant acme's policy open-hook could not reach its approval webhook: failOpen sponsored 1 of at most 3 transactions with no approval since 05:00 UTC."],
    ]);
  });
});

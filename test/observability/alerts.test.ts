/**
 * Operator alerts on devnet, delivered to a real local HTTP receiver that
 * checks every signature (HMAC-SHA256 of the body with the alert secret,
 * CIRO_SECRET_OPERATOR__ALERTS) and the timestamp inside the body:
 * - a relayer drained below the floor: one alert for it, none for the funded
 *   one; a delivery the receiver refused is sent again on the next pass;
 * - a tenant whose sponsored transaction takes more than 80% of its policy's
 *   daily budget and of its daily fee ceiling (a reservation in flight
 *   counts, as it does for the gate): one alert each;
 * - the node, then the store, failing for longer than unavailableAfterSeconds;
 * and each condition alerted once per window however many passes see it
 * (the Node entry's own timer runs passes every second meanwhile).
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../relay/config.ts';
import { createDeps } from '../../relay/createDeps.ts';
import { StoreUnavailableError } from '../../relay/errors/base.ts';
import { readTracking } from '../../relay/execution/trackingRecord.ts';
import { verifyWebhookSignature } from '../../relay/sponsorship/facts/webhook.ts';
import { Keys } from '../../relay/store/keys.ts';
import { MemoryStore } from '../../relay/store/memory.ts';
import type { Store } from '../../relay/store/types.ts';
import { repoRoot } from '../../scripts/local/toolchain.ts';
import { call, u256 } from '../../scripts/local/seed.ts';
import { executeAndWait } from '../../scripts/local/accounts.ts';
import { balanceOf, startRelayStack, STRK, type RelayStack } from '../helpers/relay.ts';

const SECRET = `alerts-${crypto.randomUUID()}`;
const STRK_1 = 10n ** 18n;

interface Received { kind: string; severity: string; subject: string; summary: string; details: Record<string, unknown>; timestamp: number }
let receiver: Server;
let hook: string;
const received: Received[] = [];
let refuseNext = 0;

let probe: RelayStack;
let stack: RelayStack;
let nodeDown = false;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      const ok = await verifyWebhookSignature(SECRET, body, req.headers['x-ciro-signature'] as string);
      const parsed = JSON.parse(body) as Received;
      if (!ok || String(parsed.timestamp) !== req.headers['x-ciro-timestamp']) return void res.writeHead(401).end();
      if (refuseNext > 0) {
        refuseNext--;
        return void res.writeHead(503).end();
      }
      received.push(parsed);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hook = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/alerts`;
  probe = await startRelayStack({ policies: ['worker-rewards'], sweepMs: 3_600_000 });
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  await probe?.stop();
  receiver?.close();
});

const ofKind = (kind: string) => received.filter((r) => r.kind === kind);
const heartbeat = async (s: RelayStack, apiKey: string) => {
  const w = s.chain.demo!.worker;
  const wallet = s.wallet(w.address, w.privateKey);
  (wallet as unknown as { paymaster: unknown }).paymaster = s.paymaster(apiKey);
  return wallet.executePaymasterTransaction([{ contractAddress: s.chain.manifest.contracts.cdc_pool.address, entrypoint: 'heartbeat', calldata: [] }], { feeMode: { mode: 'sponsored' } });
};

describe('operator alerts, signed and deduplicated', () => {
  it('alerts once for a relayer drained below its floor, again only if delivery failed', async () => {
    // What one heartbeat reserves (its worst-case fee): the next relay's budget and ceiling are sized on it.
    // The probe relay settles nothing, so its tracking ids stay listed as active.
    for (let i = 0; i < 2; i++) await probe.chain.provider.waitForTransaction((await heartbeat(probe, probe.apiKey)).transaction_hash);
    const active = await probe.relay.deps.store.members(Keys.trackingActive);
    const recs = await Promise.all(active.map((id) => readTracking(probe.relay.deps, id)));
    const last = recs.sort((a, b) => a!.createdAt - b!.createdAt).at(-1)!;
    const reserved = BigInt(last.reservation.lines.find((l) => l.key.includes('budget:global'))!.amount);
    expect(reserved).toBeGreaterThan(0n);
    const limit = (reserved * 110n) / 100n;

    // Drain relayer 1 to 400 STRK under a floor of 500; relayer 0 stays well above it.
    const chain = probe.chain;
    const r1 = chain.relayers[1]!;
    const floor = 500n * STRK_1;
    const bal = await balanceOf(chain.provider, STRK, r1.address);
    await executeAndWait(r1.account, call(STRK, 'transfer', [chain.deployer.address, ...u256(bal - 400n * STRK_1)]));
    expect(await balanceOf(chain.provider, STRK, r1.address)).toBeLessThan(floor);
    expect(await balanceOf(chain.provider, STRK, chain.relayers[0]!.address)).toBeGreaterThan(floor);

    const dir = mkdtempSync(join(tmpdir(), 'ciro-alerts-'));
    const base = JSON.parse(readFileSync(join(repoRoot, 'policies', 'examples', 'worker-rewards.json'), 'utf8'));
    const { rateLimits: _r, budgets: _b, ...rules } = base.rules;
    writeFileSync(join(dir, 'p-alert.json'), JSON.stringify({ ...base, id: 'p-alert', rules: { ...rules, budgets: { global: { maxFee: limit.toString(), period: 'day' } } } }));
    stack = await startRelayStack({
      existingChain: chain,
      policyDir: dir,
      policies: [],
      tenants: { alerting: { policies: ['p-alert'], maxDailyFee: limit.toString() } },
      secrets: { 'OPERATOR/ALERTS': SECRET },
      // The test settles nothing: the reservation stays in flight, as the gate counts it.
      sweepMs: 3_600_000,
      fetch: (input, init) => (nodeDown ? Promise.reject(new TypeError('fetch failed: node stopped')) : fetch(input, init)),
      config: {
        relayerMinBalance: floor.toString(),
        alerts: { webhook: { url: hook }, windowSeconds: 3_600, budgetThresholdPct: 80, unavailableAfterSeconds: 1, checkIntervalSeconds: 1 },
      },
    });
    (globalThis as { __limit?: bigint }).__limit = limit;

    // The receiver refuses the first delivery: the claim is given back and a later pass sends it again.
    refuseNext = 1;
    await stack.relay.deps.alerts.check();
    await expect.poll(() => ofKind('relayer_balance_low').length, { timeout: 10_000 }).toBe(1);
    const [alert] = ofKind('relayer_balance_low');
    expect(alert).toMatchObject({ severity: 'warning', subject: r1.address, details: { relayer: r1.address, floor: floor.toString(), inRotation: 1, relayers: 2 } });
    expect(BigInt(alert!.details.balance as string)).toBeLessThan(floor);
    // More passes (the entry's timer runs one every second too): nothing new.
    for (let i = 0; i < 3; i++) await stack.relay.deps.alerts.check();
    await new Promise((r) => setTimeout(r, 2_000));
    expect(ofKind('relayer_balance_low')).toHaveLength(1);
  });

  it('alerts once each when a tenant passes 80% of its policy budget and of its daily ceiling', async () => {
    const limit = (globalThis as { __limit?: bigint }).__limit!;
    expect(ofKind('budget_threshold')).toHaveLength(0);
    const { transaction_hash } = await heartbeat(stack, stack.keys.alerting!);
    await stack.chain.provider.waitForTransaction(transaction_hash);
    await expect.poll(() => ofKind('budget_threshold').length + ofKind('daily_ceiling_threshold').length, { timeout: 15_000 }).toBe(2);
    const [budget] = ofKind('budget_threshold');
    const [ceiling] = ofKind('daily_ceiling_threshold');
    expect(budget).toMatchObject({ severity: 'warning', details: { tenant: 'alerting', policy: 'p-alert', period: 'day', limit: limit.toString(), thresholdPct: 80 } });
    expect(BigInt(budget!.details.used as string) * 100n).toBeGreaterThanOrEqual(limit * 80n);
    expect(budget!.subject).toMatch(/^alerting:p-alert:\d+$/);
    expect(ceiling).toMatchObject({ details: { tenant: 'alerting', limit: limit.toString() } });
    expect(ceiling!.summary).toMatch(/^Tenant alerting has used \d+(\.\d+)?% of its daily fee ceiling/);
    for (let i = 0; i < 3; i++) await stack.relay.deps.alerts.check();
    expect(ofKind('budget_threshold')).toHaveLength(1);
    expect(ofKind('daily_ceiling_threshold')).toHaveLength(1);
    const metrics = await (await stack.relay.deps.metrics.render()).body;
    expect(metrics).toContain('ciro_alerts_total{kind="relayer_balance_low",outcome="failed"} 1');
    expect(metrics).toContain('ciro_alerts_total{kind="relayer_balance_low",outcome="sent"} 1');
    expect(metrics).toMatch(/ciro_alerts_total\{kind="budget_threshold",outcome="deduplicated"\} [1-9]/);
  });

  it('alerts once when the node has been unreachable longer than the threshold', async () => {
    nodeDown = true;
    try {
      await stack.relay.deps.alerts.check();
      await expect.poll(() => ofKind('chain_unavailable').length, { timeout: 10_000, interval: 200 }).toBe(1);
      const [a] = ofKind('chain_unavailable');
      expect(a).toMatchObject({ severity: 'critical', subject: 'chain', details: { thresholdSeconds: 1 } });
      expect(a!.details.downForSeconds as number).toBeGreaterThanOrEqual(1);
      for (let i = 0; i < 3; i++) await stack.relay.deps.alerts.check();
      await new Promise((r) => setTimeout(r, 1_500));
      expect(ofKind('chain_unavailable')).toHaveLength(1);
    } finally {
      nodeDown = false;
    }
  });

  it('alerts once when the store has been unreachable longer than the threshold, even though it cannot record it', async () => {
    const mem = new MemoryStore();
    let storeDown = false;
    const store = new Proxy(mem, {
      get: (t, p) => {
        const v = Reflect.get(t, p);
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => (storeDown ? Promise.reject(new StoreUnavailableError(new Error('connection refused'))) : (v as (...a: unknown[]) => unknown).apply(t, args));
      },
    }) as Store;
    const config = parseConfig({
      rpcUrl: stack.chain.devnet.url,
      manifest: stack.chain.manifest,
      relayers: [stack.chain.relayers[0]!].map((r) => ({ address: r.address, privateKey: r.privateKey })),
      alerts: { webhook: { url: hook }, unavailableAfterSeconds: 1 },
      webhookAllowHosts: ['127.0.0.1'],
    });
    const deps = createDeps({ config, store, secrets: { 'OPERATOR/ALERTS': SECRET } });
    expect((await deps.alerts.check()).sent).toEqual([]);
    storeDown = true;
    await deps.alerts.check();
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await deps.alerts.check()).sent).toEqual(['store_unavailable:store']);
    for (let i = 0; i < 3; i++) expect((await deps.alerts.check()).sent).toEqual([]);
    expect(ofKind('store_unavailable')).toHaveLength(1);
    expect(ofKind('store_unavailable')[0]).toMatchObject({ severity: 'critical', subject: 'store' });
    storeDown = false;
    expect((await deps.alerts.check()).sent).toEqual([]);
  });
});


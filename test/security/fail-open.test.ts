/**
 * A policy webhook under failOpen lets requests through while its receiver
 * can't be reached, so whoever can make the receiver hang (input it chokes
 * on, a flood of requests through the relay, which calls it for each) was
 * sponsored with nobody approving, bounded only by the policy's other
 * limits. Now failOpen's passes are counted per policy and UTC hour
 * (`webhook.failOpenPerHour`), reserved with the transaction's budget lines;
 * past the allowance an unreachable webhook refuses with
 * `webhook_fail_open_exhausted` (HTTP 503 on REST; retry_after: when the hour turns), and what
 * the webhook answers itself is never counted. On devnet, a policy with no
 * other limit and an allowance of 3: a stranger's fourth transaction while
 * the receiver hangs is refused, and nothing was spent on it. A refusal
 * there comes after the simulation (the webhook is asked with its fee): one
 * node estimate, counted against the network's refusals, so a network that
 * keeps trying is cut off before any node call. The operator is alerted
 * (signed, like every alert): a warning from the first pass, critical once
 * the allowance is spent.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../relay/errors/catalogue.ts';
import { verifyWebhookSignature } from '../../relay/sponsorship/facts/webhook.ts';
import { nodeCallCounter, startRelayStack, type RelayStack } from '../helpers/relay.ts';
import { attackerAccount, buildSigned, relayerLedger, report } from './helpers.ts';

const ALLOWANCE = 3;
const ATTACKER = { 'x-forwarded-for': '203.0.113.66' };
let s: RelayStack;
let hook: Server;
let mode: 'hang' | 'approve' = 'hang';
let asked = 0;
const { calls, fetch: counted } = nodeCallCounter();
const ALERT_SECRET = `alerts-${crypto.randomUUID()}`;
let alertHook: Server;
const alerts: { kind: string; severity: string; subject: string; summary: string; details: Record<string, unknown> }[] = [];

beforeAll(async () => {
  hook = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      asked++;
      // Hanging: never answers while the relay waits (its timeout is 200 ms), as a receiver stuck on crafted input would.
      if (mode === 'hang') return void setTimeout(() => res.writeHead(200).end('{"approve":false}'), 1_000);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"approve":true}');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  alertHook = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      if (!(await verifyWebhookSignature(ALERT_SECRET, body, req.headers['x-ciro-signature'] as string))) return void res.writeHead(401).end();
      alerts.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => alertHook.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`;
  const dir = mkdtempSync(join(tmpdir(), 'ciro-fail-open-'));
  const p = {
    schemaVersion: 1,
    id: 'open-hook',
    name: 'open-hook',
    enabled: true,
    rules: {
      allow: [{ contract: 'ciro_token', selectors: ['approve'] }],
      webhook: { url, secretRef: 'hook', timeoutMs: 200, failOpen: true, failOpenPerHour: ALLOWANCE },
    },
  };
  writeFileSync(join(dir, 'open-hook.json'), JSON.stringify(p));
  s = await startRelayStack({
    policyDir: dir,
    policies: ['open-hook'],
    secrets: { 'test/hook': 'whsec-fail-open', 'OPERATOR/ALERTS': ALERT_SECRET },
    // One attacking network may be refused twice an hour: what a refusal after node work costs it.
    config: {
      webhookAllowHosts: ['127.0.0.1'], clientIpHeader: 'x-forwarded-for', nodeWork: { refusalsPerClientPerHour: 2 },
      // Passes run when the test says (the entry's own timer waits an hour).
      alerts: { webhook: { url: `http://127.0.0.1:${(alertHook.address() as { port: number }).port}/alerts` }, checkIntervalSeconds: 3600 },
    },
    fetch: counted,
  });
}, 300_000);
afterAll(async () => {
  await s?.stop();
  hook?.close();
  alertHook?.close();
});

describe('a hanging webhook under failOpen', () => {
  it("lets through at most the policy's hourly allowance, whatever the number of senders, and alerts the operator; the webhook's own approvals are not counted", async () => {
    const token = s.chain.manifest.contracts.ciro_token.address;
    const approve = [{ to: token, selector: hash.getSelectorFromName('approve'), calldata: [token, '0x1', '0x0'] }];
    // The allowance is per UTC hour: five transactions straddling its turn would see two allowances.
    const left = 3600 - ((Date.now() / 1000) % 3600);
    if (left < 90) await new Promise((r) => setTimeout(r, (left + 1) * 1000));
    const before = await relayerLedger(s);
    await s.relay.deps.alerts.check();
    expect(alerts).toEqual([]); // nothing failed open yet
    const outcomes: string[] = [];
    let refusal: { code?: number; data?: { reason?: string; retry_after?: number } } = {};
    const refusedCalls: Record<string, number>[] = [];
    for (let i = 0; i < ALLOWANCE + 2; i++) {
      const stranger = await attackerAccount(s);
      const built = await buildSigned(s, stranger, approve);
      const at = { ...calls };
      const sent = await s.rpc('paymaster_executeTransaction', built.params, ATTACKER);
      if (sent.body.error) {
        outcomes.push(sent.body.error.data?.reason);
        refusal = { code: sent.body.error.code, data: sent.body.error.data };
        refusedCalls.push(Object.fromEntries(Object.entries(calls).flatMap(([m, n]) => (n > (at[m] ?? 0) ? [[m, n - (at[m] ?? 0)]] : []))));
        continue;
      }
      await s.chain.provider.waitForTransaction(sent.body.result.transaction_hash);
      outcomes.push('relayed');
      if (i === 0) await s.relay.deps.alerts.check();
    }
    await s.relay.deps.alerts.check();
    const hour = Math.floor(Date.now() / 3_600_000) * 3600;
    expect(alerts.map((a) => [a.kind, a.severity, a.subject, a.details.used, a.details.limit])).toEqual([
      ['webhook_fail_open', 'warning', `test:open-hook:${hour}`, 1, ALLOWANCE],
      ['webhook_fail_open', 'critical', `test:open-hook:${hour}`, ALLOWANCE, ALLOWANCE],
    ]);
    expect(alerts[1]!.summary).toMatch(/^Tenant test's policy open-hook could not reach its approval webhook: failOpen sponsored 3 of at most 3 transactions .* it refuses any more this hour\.$/);
    const after = await relayerLedger(s);
    expect(outcomes).toEqual([...Array(ALLOWANCE).fill('relayed'), 'webhook_fail_open_exhausted', 'webhook_fail_open_exhausted']);
    expect(refusal.code).toBe(CATALOGUE.webhook_fail_open_exhausted.code);
    expect(refusal.data?.retry_after).toBeGreaterThan(0);
    expect(refusal.data?.retry_after).toBeLessThanOrEqual(3600);
    expect(after.txs - before.txs).toBe(BigInt(ALLOWANCE));
    // A refused execute is refused after its simulation (the webhook sees the simulated fee), so it costs
    // the node one estimate and no transaction (the tracker's polls of earlier ones run beside it); it
    // counts as a refusal against the caller's node work (execution/metered.ts: a policy refusal is no
    // outage) and in the decisions metric below.
    for (const c of refusedCalls) expect([c.starknet_estimateFee, c.starknet_addInvokeTransaction ?? 0]).toEqual([1, 0]);
    // ...so the attacking network, refused twice, gets no more node work this hour: refused before any node call.
    const next = await buildSigned(s, await attackerAccount(s), approve); // built from elsewhere
    const at = { ...calls };
    const more = await s.rpc('paymaster_executeTransaction', next.params, ATTACKER);
    expect(more.body.error?.data?.reason).toBe('rate_limited');
    expect(calls.starknet_estimateFee ?? 0).toBe(at.starknet_estimateFee ?? 0);
    expect(asked).toBe(ALLOWANCE + 2); // the webhook was asked every time: the allowance only bounds its outage

    // The receiver answers again: its approvals are sponsored as before, the allowance spent or not.
    mode = 'approve';
    const user = await attackerAccount(s);
    const sent = await s.rpc('paymaster_executeTransaction', (await buildSigned(s, user, approve)).params);
    expect(sent.body.error).toBeUndefined();
    await s.chain.provider.waitForTransaction(sent.body.result.transaction_hash);
    // The operator sees the outage's passes apart from approvals.
    const metrics = (await s.relay.deps.metrics.render()).body;
    expect(metrics).toContain(`ciro_sponsorship_decisions_total{tenant="test",policy="open-hook",rule="-",outcome="allowed",reason="webhook_fail_open",stage="reserve"} ${ALLOWANCE}`);
    expect(metrics).toContain('ciro_sponsorship_decisions_total{tenant="test",policy="open-hook",rule="-",outcome="allowed",reason="allowed",stage="reserve"} 1');
    expect(metrics).toContain('ciro_sponsorship_decisions_total{tenant="test",policy="open-hook",rule="webhook",outcome="refused",reason="webhook_fail_open_exhausted",stage="reserve"} 2');
    report('hanging webhook under failOpen (allowance 3 an hour, no other limit)', `${outcomes.join(', ')}; relayers sent ${after.txs - before.txs} txs (${before.strk - after.strk} fri); the receiver back: approved and sponsored`);
  }, 400_000);
});

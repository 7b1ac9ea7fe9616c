/**
 * Observability of the real Worker (`wrangler dev`, relay/entry/worker.ts on
 * local workerd, Durable Objects) against devnet: a sponsored transaction
 * shows in GET /metrics (operator key; counts summed in the Store), a
 * traceparent is continued, the cron trigger sends a signed alert for a
 * relayer drained below its floor to a real receiver, once however many
 * cron runs see it, and nothing wrangler printed holds a secret.
 */
import { createServer, type Server } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Account, PaymasterRpc, stark } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../relay/sponsorship/facts/webhook.ts';
import { newApiKey } from '../../relay/tenants/auth.ts';
import { startEdge, type EdgeRelay } from '../../scripts/edge.ts';
import { executeAndWait } from '../../scripts/local/accounts.ts';
import { startLocalChain, type LocalChain } from '../../scripts/local/chain.ts';
import { call, u256 } from '../../scripts/local/seed.ts';
import { repoRoot } from '../../scripts/local/toolchain.ts';
import { balanceOf, STRK } from '../helpers/relay.ts';
import { leaks } from './leaks.ts';

const STRK_1 = 10n ** 18n;
let chain: LocalChain;
let edge: EdgeRelay;
let receiver: Server;
const alerts: { kind: string; subject: string }[] = [];
const secrets: Record<string, string> = {};

beforeAll(async () => {
  chain = await startLocalChain({ seed: true });
  const sponsor = await newApiKey('edge-obs');
  Object.assign(secrets, {
    sponsorKey: sponsor.key,
    operatorKey: (await newApiKey('edge-obs-ops')).key,
    alertSecret: `alert-${stark.randomAddress().slice(2)}`,
    ...Object.fromEntries(chain.relayers.map((r, i) => [`relayer${i}Key`, r.privateKey])),
  });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      if (!(await verifyWebhookSignature(secrets.alertSecret!, body, req.headers['x-ciro-signature'] as string))) return void res.writeHead(401).end();
      alerts.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  // Relayer 1 below a 500 STRK floor, relayer 0 above it.
  const r1 = chain.relayers[1]!;
  const bal = await balanceOf(chain.provider, STRK, r1.address);
  await executeAndWait(r1.account, call(STRK, 'transfer', [chain.deployer.address, ...u256(bal - 400n * STRK_1)]));
  const dir = join(repoRoot, 'policies', 'examples');
  edge = await startEdge({
    config: {
      rpcUrl: chain.devnet.url,
      manifest: chain.manifest,
      relayers: chain.relayers.map((r) => ({ address: r.address, privateKey: r.privateKey })),
      relayerTip: '0',
      relayerMinBalance: (500n * STRK_1).toString(),
      gasTokens: { STRK: { priceInStrk: '1000000000000000000' } },
      webhookAllowHosts: ['127.0.0.1'],
      alerts: { webhook: { url: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/alerts` } },
      tenants: [{ id: 'edgeobs', name: 'Edge obs', apiKeys: [{ id: 'edge-obs', secretHash: sponsor.secretHash, scope: 'sponsor' }], policies: ['worker-rewards'] }],
    },
    policies: readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8'))),
    env: { CIRO_OPERATOR_KEY: secrets.operatorKey!, CIRO_SECRET_OPERATOR__ALERTS: secrets.alertSecret! },
  });
}, 300_000);

afterAll(async () => {
  await edge?.stop();
  receiver?.close();
  await chain?.stop();
});

describe('the Worker\'s observability (wrangler dev)', () => {
  it('counts a sponsored transaction in /metrics and continues a traceparent', async () => {
    const w = chain.demo!.worker;
    const paymaster = new PaymasterRpc({ nodeUrl: edge.url, headers: { 'x-paymaster-api-key': secrets.sponsorKey! } });
    const wallet = new Account({ provider: chain.provider, address: w.address, signer: w.privateKey, paymaster });
    const { transaction_hash } = await wallet.executePaymasterTransaction(
      [{ contractAddress: chain.manifest.contracts.cdc_pool.address, entrypoint: 'heartbeat', calldata: [] }],
      { feeMode: { mode: 'sponsored' } },
    );
    expect((await chain.provider.waitForTransaction(transaction_hash)).isSuccess()).toBe(true);
    const contracts = await fetch(`${edge.url}/v1/contracts`, { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } });
    expect(contracts.headers.get('traceparent')).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect((await fetch(`${edge.url}/metrics`)).status).toBe(401);
    const text = await (await fetch(`${edge.url}/metrics`, { headers: { authorization: `Bearer ${secrets.operatorKey}` } })).text();
    expect(text).toContain('ciro_rpc_requests_total{method="paymaster_executeTransaction",code="0",reason="ok"} 1');
    expect(text).toContain('ciro_sponsorship_decisions_total{tenant="edgeobs",policy="worker-rewards",rule="-",outcome="allowed",reason="allowed",stage="reserve"} 1');
    expect(text).toContain(`ciro_relayer_available{relayer="${chain.relayers[1]!.address}"} 0`);
    expect(text).toContain('ciro_up{component="chain"} 1');
  });

  it('alerts once, signed, for the relayer under its floor, however many cron runs see it', async () => {
    // Only this kind is asserted: on a loaded machine a slow node may also, rightly, raise a chain alert.
    const low = () => alerts.filter((a) => a.kind === 'relayer_balance_low');
    const scrape = async () => (await fetch(`${edge.url}/metrics`, { headers: { 'x-paymaster-api-key': secrets.operatorKey! } })).text();
    const count = async (outcome: string) =>
      Number(new RegExp(`ciro_alerts_total\\{kind="relayer_balance_low",outcome="${outcome}"\\} (\\d+)`).exec(await scrape())?.[1] ?? 0);
    const scheduled = async () => expect((await fetch(`${edge.url}/__scheduled?cron=*+*+*+*+*`)).status).toBe(200);
    await scheduled();
    await expect.poll(() => low().length, { timeout: 20_000 }).toBeGreaterThan(0);
    // More runs that see the same relayer: each is deduplicated. A run the loaded machine slows past the
    // poll below is followed by another, so the claim holds for however many runs it took.
    for (let runs = 1; runs < 8 && (await count('deduplicated')) < 2; runs++) {
      await scheduled();
      // Isolates publish their counts through the store when a run ends.
      await expect.poll(() => count('deduplicated'), { timeout: 10_000, interval: 500 }).toBeGreaterThanOrEqual(Math.min(runs, 2)).catch(() => undefined);
    }
    expect(await count('deduplicated')).toBeGreaterThanOrEqual(2);
    expect(low()).toEqual([expect.objectContaining({ kind: 'relayer_balance_low', subject: chain.relayers[1]!.address })]);
    expect(await count('sent')).toBe(1);
  }, 120_000);

  it('printed no secret, and its request lines carry their ids', () => {
    expect(leaks(edge.output(), secrets)).toEqual([]);
    const lines = edge.output().split('\n').flatMap((l) => (l.startsWith('{"t":') ? [JSON.parse(l) as Record<string, unknown>] : []));
    expect(lines.length, edge.output().slice(-3000)).toBeGreaterThan(5);
    expect(lines.some((l) => l.event === 'http.request' && l.traceId === '4bf92f3577b34da6a3ce929d0e0e4736' && typeof l.requestId === 'string')).toBe(true);
    expect(lines.some((l) => l.event === 'execute.submitted' && typeof l.requestId === 'string' && typeof l.trackingId === 'string')).toBe(true);
  });
});

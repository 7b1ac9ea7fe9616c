/**
 * No secret in any log line: the real Node entry (`tsx relay/entry/node.ts`,
 * configured from env as an operator would) runs a full sponsored flow on
 * devnet with every kind of secret configured: a sponsor and an admin API
 * key, a tenant webhook secret (its policy calls the webhook, which checks
 * the signature), relayer private keys, the operator key (it scrapes
 * /metrics), a session cosigner key (its guardian is read), the alerts'
 * signing secret. Everything the process printed, stdout and stderr, is then
 * searched for each secret in every spelling it could take. Two negative
 * controls show the search finds a secret when one is there. The same run
 * checks that lines are JSON with request, trace and tracking ids, and that
 * the caller's trace reaches the webhook.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Account, PaymasterRpc, ec, stark } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines } from '../../relay/observability/log.ts';
import { verifyWebhookSignature } from '../../relay/sponsorship/facts/webhook.ts';
import { newApiKey } from '../../relay/tenants/auth.ts';
import { startLocalChain, type LocalChain } from '../../scripts/local/chain.ts';
import { repoRoot } from '../../scripts/local/toolchain.ts';
import { leaks } from './leaks.ts';

const TRACE_ID = '5ecc1d0b5ecc1d0b5ecc1d0b5ecc1d0b';
const CALLER_TRACEPARENT = `00-${TRACE_ID}-1111111111111111-01`;

let chain: LocalChain;
let receiver: Server;
let receiverUrl: string;
const received: { path: string; signed: boolean; traceparent: string | undefined }[] = [];
let proc: ChildProcess;
let output = '';
let url: string;
const secrets: Record<string, string> = {};

beforeAll(async () => {
  chain = await startLocalChain({ seed: true });
  const sponsor = await newApiKey('sec-sponsor');
  const admin = await newApiKey('sec-admin');
  const operator = await newApiKey('sec-ops');
  Object.assign(secrets, {
    sponsorKey: sponsor.key,
    adminKey: admin.key,
    operatorKey: operator.key,
    webhookSecret: `whsec-${stark.randomAddress().slice(2)}`,
    cosignerKey: stark.randomAddress(),
    alertSecret: `alert-${stark.randomAddress().slice(2)}`,
    ...Object.fromEntries(chain.relayers.map((r, i) => [`relayer${i}Key`, r.privateKey])),
  });

  // The tenant's approval webhook: approves what it can verify was signed with the tenant's secret.
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      const secret = req.url === '/alerts' ? secrets.alertSecret! : secrets.webhookSecret!;
      const signed = await verifyWebhookSignature(secret, body, req.headers['x-ciro-signature'] as string);
      received.push({ path: req.url ?? '', signed, traceparent: req.headers.traceparent as string | undefined });
      res.writeHead(signed ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify({ approve: signed }));
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;

  const dir = mkdtempSync(join(tmpdir(), 'ciro-secrets-'));
  const policyDir = join(dir, 'policies');
  const base = JSON.parse(readFileSync(join(repoRoot, 'policies', 'examples', 'worker-rewards.json'), 'utf8'));
  const hooked = { ...base, id: 'worker-rewards-hooked', rules: { ...base.rules, webhook: { url: `${receiverUrl}/approve`, secretRef: 'APPROVER', timeoutMs: 5000 } } };
  delete hooked.$schema;
  mkdirSync(policyDir);
  writeFileSync(join(policyDir, 'worker-rewards-hooked.json'), JSON.stringify(hooked));
  writeFileSync(
    join(dir, 'relay.json'),
    JSON.stringify({
      manifest: chain.manifest,
      relayerTip: '0',
      gasTokens: { STRK: { priceInStrk: '1000000000000000000' } },
      nodeWork: { perApiKeyPerMinute: 0, perClientPerMinute: 0, perSenderPerMinute: 0, refusalsPerApiKeyPerHour: 0, refusalsPerClientPerHour: 0, refusalsPerSenderPerHour: 0 },
      webhookAllowHosts: ['127.0.0.1'],
      alerts: { webhook: { url: `${receiverUrl}/alerts` } },
      tenants: [
        {
          id: 'sectest',
          name: 'Secrets test',
          policies: ['worker-rewards-hooked'],
          apiKeys: [
            { id: 'sec-sponsor', secretHash: sponsor.secretHash, scope: 'sponsor' },
            { id: 'sec-admin', secretHash: admin.secretHash, scope: 'admin' },
          ],
        },
      ],
    }),
  );
  proc = spawn(join(repoRoot, 'node_modules', '.bin', 'tsx'), ['relay/entry/node.ts'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      CIRO_CONFIG: join(dir, 'relay.json'),
      CIRO_RPC_URL: chain.devnet.url,
      CIRO_POLICY_DIR: policyDir,
      CIRO_RELAYERS: JSON.stringify(chain.relayers.map((r) => ({ address: r.address, privateKey: r.privateKey }))),
      CIRO_OPERATOR_KEY: secrets.operatorKey,
      CIRO_SECRET_sectest__APPROVER: secrets.webhookSecret,
      CIRO_SECRET_sectest__SESSION_COSIGNER: secrets.cosignerKey,
      CIRO_SECRET_OPERATOR__ALERTS: secrets.alertSecret,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 60_000;
  while (!/listening on (http:\/\/[^\s"]+)/.test(output)) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`the relay did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  url = /listening on (http:\/\/[^\s"]+)/.exec(output)![1]!;
}, 300_000);

afterAll(async () => {
  if (proc && proc.exitCode === null) proc.kill('SIGKILL');
  receiver?.close();
  await chain?.stop();
});

const headers = (key: string) => ({ 'x-paymaster-api-key': key, traceparent: CALLER_TRACEPARENT });

describe('a full sponsored flow through the Node entry', () => {
  let trackingId: string;

  it('sponsors a heartbeat whose policy asks a signed webhook, carrying the caller\'s trace', async () => {
    const w = chain.demo!.worker;
    const paymaster = new PaymasterRpc({ nodeUrl: url, headers: headers(secrets.sponsorKey!) });
    const wallet = new Account({ provider: chain.provider, address: w.address, signer: w.privateKey, paymaster });
    const { transaction_hash } = await wallet.executePaymasterTransaction(
      [{ contractAddress: chain.manifest.contracts.cdc_pool.address, entrypoint: 'heartbeat', calldata: [] }],
      { feeMode: { mode: 'sponsored' } },
    );
    expect((await chain.provider.waitForTransaction(transaction_hash)).isSuccess()).toBe(true);
    const approvals = received.filter((r) => r.path === '/approve');
    expect(approvals.length).toBeGreaterThan(0);
    expect(approvals.every((r) => r.signed)).toBe(true);
    // The webhook call is a child span of the caller's trace.
    expect(approvals.map((r) => r.traceparent?.split('-')[1])).toEqual(approvals.map(() => TRACE_ID));
    const submitted = output.split('\n').find((l) => l.includes('"event":"execute.submitted"'));
    trackingId = JSON.parse(submitted!).trackingId;
    expect(trackingId).toMatch(/^0x[0-9a-f]+$/);
  });

  it('settles it, and reads what every other key may read', async () => {
    const rpc = async (method: string, params: unknown) =>
      (await (await fetch(url, { method: 'POST', headers: { ...headers(secrets.sponsorKey!), 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json()) as { result?: { status: string } };
    await expect.poll(async () => (await rpc('paymaster_trackingIdToLatestHash', { tracking_id: trackingId })).result?.status, { timeout: 60_000, interval: 500 }).toBe('accepted');
    expect((await fetch(`${url}/v1/policies`, { headers: headers(secrets.adminKey!) })).status).toBe(200);
    const guardian = (await (await fetch(`${url}/sessions/guardian`, { headers: headers(secrets.sponsorKey!) })).json()) as { guardian: string };
    expect(BigInt(guardian.guardian)).toBe(BigInt(ec.starkCurve.getStarkKey(secrets.cosignerKey!)));
    // Wrong keys, shaped like the real ones, and a broken body: failures are logged too.
    expect((await fetch(`${url}/metrics`, { headers: { 'x-paymaster-api-key': `sec-ops.${secrets.operatorKey!.split('.')[1]!.replace(/^./, 'x')}` } })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', headers: headers(secrets.sponsorKey!), body: '{"jsonrpc":' })).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${secrets.operatorKey}` } })).text();
    expect(metrics).toContain('ciro_sponsorship_decisions_total{tenant="sectest",policy="worker-rewards-hooked",rule="-",outcome="allowed",reason="allowed",stage="reserve"} 1');
    expect(metrics).toMatch(/^ciro_fee_spent_strk_total\{tenant="sectest",policy="worker-rewards-hooked",fee_mode="sponsored"\} 0\.\d+/m);
    expect(metrics).toContain('ciro_tracking_final_total{state="accepted"} 1');
    expect(metrics).toContain('ciro_rpc_requests_total{method="paymaster_executeTransaction",code="0",reason="ok"} 1');
  });

  it('wrote JSON lines with request, trace and tracking ids, and no secret in any spelling', async () => {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    const lines = output.split('\n').filter(Boolean);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.every((l) => typeof l.t === 'string' && typeof l.level === 'string' && typeof l.event === 'string')).toBe(true);
    const ofTrace = parsed.filter((l) => l.traceId === TRACE_ID);
    expect(ofTrace.some((l) => l.event === 'execute.submitted' && l.trackingId === trackingId && typeof l.requestId === 'string')).toBe(true);
    expect(ofTrace.some((l) => l.event === 'http.request' && l.trackingId === trackingId && l.status === 200)).toBe(true);
    expect(parsed.some((l) => l.event === 'relay.stopping')).toBe(true);
    console.log(`[secrets] ${lines.length} log lines searched for ${Object.keys(secrets).length} secrets (${Object.keys(secrets).join(', ')}); events: ${[...new Set(parsed.map((l) => l.event))].join(', ')}`);
    expect(leaks(output, secrets)).toEqual([]);
  });

  it('would find one: negative controls', () => {
    // A line like the relay's own with a relayer key in it (as a decimal), added to the captured output.
    const injected = `${output}${JSON.stringify({ t: new Date().toISOString(), level: 'error', event: 'x', error: `signer ${BigInt(secrets.relayer0Key!)}` })}\n`;
    expect(leaks(injected, secrets)).toEqual([expect.stringMatching(/^relayer0Key/)]);
    // The relay's logger with no secrets to keep out prints what it is given: the search sees it.
    const raw: string[] = [];
    jsonLines((l) => raw.push(l))('webhook.debug', { sent: `secret=${secrets.webhookSecret}`, key: secrets.sponsorKey });
    expect(leaks(raw.join('\n'), secrets)).toEqual(expect.arrayContaining([expect.stringMatching(/^webhookSecret/), expect.stringMatching(/^sponsorKey/)]));
  });
});

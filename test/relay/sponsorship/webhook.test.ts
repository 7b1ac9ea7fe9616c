/**
 * The approval webhook against a real local HTTP server that checks the
 * HMAC itself (node:crypto, independent of the client's WebCrypto code) and
 * then approves, denies, fails or stalls depending on the path.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../relay/store/memory.ts';
import { verifyWebhookSignature, WebhookClient, type WebhookPayload } from '../../../relay/sponsorship/facts/webhook.ts';
import { webhookUrlRefusal } from '../../../relay/sponsorship/facts/webhookUrl.ts';
import { ALICE, CONTRACTS, makeGate, policy, refused, request, T0 } from './helpers.ts';

const SECRET = 'whsec_test_1234';

interface Seen {
  path: string;
  body: WebhookPayload;
  timestamp: string | undefined;
}

let server: Server;
let base: string;
let seen: Seen[] = [];

function signatureOk(raw: string, header: string | string[] | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`);
  const got = Buffer.from(typeof header === 'string' ? header : '');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return raw;
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const raw = await readBody(req);
    if (!signatureOk(raw, req.headers['x-ciro-signature'])) {
      res.writeHead(401).end('bad signature');
      return;
    }
    const path = req.url ?? '/';
    seen.push({ path, body: JSON.parse(raw), timestamp: req.headers['x-ciro-timestamp'] as string | undefined });
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (path === '/approve') json(200, { approve: true });
    else if (path === '/deny') json(200, { approve: false, reason: 'not today' });
    else if (path === '/forbidden') json(403, { error: 'no' });
    else if (path === '/error') json(500, { error: 'boom' });
    else if (path === '/unavailable') json(503, { error: 'maintenance' });
    else if (path === '/garbage') res.writeHead(200).end('approve');
    else if (path === '/redirect') res.writeHead(302, { location: `${base}/approve` }).end();
    else if (path === '/slow') setTimeout(() => json(200, { approve: true }), 1_500).unref();
    else json(404, {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen = [];
});

const payload = {
  tenant: 'acme',
  policy: 'jobs',
  sender: ALICE,
  calls: [{ to: CONTRACTS.job_mgr, selector: '0x1', calldata: ['0x2'] }],
  feeMode: 'sponsored' as const,
  maxFee: '123456789012345678901',
  phase: 'execute' as const,
};

describe('WebhookClient', () => {
  const client = new WebhookClient({ now: () => T0, allowHosts: ['127.0.0.1'] });
  const ask = (path: string, timeoutMs = 500, secret = SECRET) => client.ask({ url: base + path, timeoutMs }, secret, payload);

  it('approves on 2xx {approve: true}, with a signed body carrying the timestamp', async () => {
    expect(await ask('/approve')).toBe('approve');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.body).toEqual({ ...payload, timestamp: T0 });
    expect(seen[0]!.timestamp).toBe(String(T0));
  });

  it.each([
    ['/deny', 'deny'],
    ['/forbidden', 'deny'],
    ['/error', 'invalid'],
    ['/garbage', 'invalid'],
    ['/redirect', 'invalid'],
    ['/unavailable', 'error'],
  ] as const)('%s -> %s', async (path, verdict) => {
    expect(await ask(path)).toBe(verdict);
  });

  it('is refused by a receiver checking the signature when the secret is wrong', async () => {
    expect(await ask('/approve', 500, 'wrong-secret')).toBe('deny');
    expect(seen).toHaveLength(0);
  });

  it('times out at timeoutMs, not when the receiver finally answers', async () => {
    const started = Date.now();
    expect(await ask('/slow', 150)).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('reports an unreachable receiver as an error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await client.ask({ url: `http://127.0.0.1:${port}/`, timeoutMs: 500 }, SECRET, payload)).toBe('error');
  });

  it('verifies its own signatures and rejects tampered bodies', async () => {
    const body = JSON.stringify({ a: 1 });
    const header = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
    expect(await verifyWebhookSignature(SECRET, body, header)).toBe(true);
    expect(await verifyWebhookSignature(SECRET, body + ' ', header)).toBe(false);
    expect(await verifyWebhookSignature('other', body, header)).toBe(false);
    expect(await verifyWebhookSignature(SECRET, body, 'sha256=zz')).toBe(false);
  });
});

describe('the sponsorship gate with a webhook rule', () => {
  const hooked = (path: string, failOpen = false, extra = {}) =>
    policy({ rules: { webhook: { url: base + path, secretRef: 'HOOK', timeoutMs: 200, failOpen }, ...extra } });
  const gateFor = (p: ReturnType<typeof policy>, opts: { secrets?: Record<string, string>; client?: boolean } = {}) =>
    makeGate(new MemoryStore(), [p], {
      ...(opts.client === false ? {} : { webhook: new WebhookClient({ allowHosts: ['127.0.0.1'] }) }),
      secrets: opts.secrets ?? { 'acme/HOOK': SECRET },
    });

  it('asks at execute only and sponsors on approval', async () => {
    const k = gateFor(hooked('/approve'));
    await k.check(request({ tenant: k.tenant, phase: 'build' }));
    expect(seen).toHaveLength(0);
    await expect(k.check(request({ tenant: k.tenant }))).resolves.toMatchObject({ policy: 'jobs' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.body).toMatchObject({ tenant: 'acme', policy: 'jobs', sender: ALICE, feeMode: 'sponsored', maxFee: '100', phase: 'execute' });
  });

  it('refuses on a denial, even with failOpen', async () => {
    for (const failOpen of [false, true]) {
      const k = gateFor(hooked('/deny', failOpen));
      await refused(k.check(request({ tenant: k.tenant })), 'webhook_denied', 'webhook', 'jobs');
    }
  });

  it('fails closed on timeout and error unless the policy opts into failOpen', async () => {
    const slow = gateFor(hooked('/slow'));
    await refused(slow.check(request({ tenant: slow.tenant })), 'webhook_timeout', 'webhook', 'jobs');
    const broken = gateFor(hooked('/error'));
    await refused(broken.check(request({ tenant: broken.tenant })), 'webhook_error', 'webhook', 'jobs');
    const open = gateFor(hooked('/slow', true));
    await expect(open.check(request({ tenant: open.tenant }))).resolves.toMatchObject({ policy: 'jobs' });
  });

  it('never sends an unsigned request, and without a client there is no verdict', async () => {
    const noSecret = gateFor(hooked('/approve'), { secrets: {} });
    await refused(noSecret.check(request({ tenant: noSecret.tenant })), 'webhook_error', 'webhook');
    // A configuration fault is no outage: failOpen does not sponsor everything unasked.
    const noSecretOpen = gateFor(hooked('/approve', true), { secrets: {} });
    await refused(noSecretOpen.check(request({ tenant: noSecretOpen.tenant })), 'webhook_error', 'webhook');
    const noClient = gateFor(hooked('/approve'), { client: false });
    await refused(noClient.check(request({ tenant: noClient.tenant })), 'webhook_no_verdict', 'webhook');
    expect(seen).toHaveLength(0);
  });

  it('does not call the webhook when another rule already refuses, or a higher policy sponsors', async () => {
    const k = gateFor(hooked('/approve', false, { tiers: { default: 'free', tiers: { free: { period: 60, maxTxs: 1 } } } }));
    await k.check(request({ tenant: k.tenant }));
    await refused(k.check(request({ tenant: k.tenant })), 'tier_quota_exhausted', 'tiers');
    await refused(k.check(request({ tenant: k.tenant, calls: [{ to: CONTRACTS.cdc_pool, selector: '0x1', calldata: [] }] })), 'contract_not_allowed');
    expect(seen).toHaveLength(1);

    const plain = policy({ id: 'plain', priority: 5 });
    const both = makeGate(new MemoryStore(), [plain, hooked('/approve')], { webhook: new WebhookClient({ allowHosts: ['127.0.0.1'] }), secrets: { 'acme/HOOK': SECRET } });
    await expect(both.check(request({ tenant: both.tenant }))).resolves.toMatchObject({ policy: 'plain' });
    expect(seen).toHaveLength(1);
  });

  it("counts failOpen's passes at reservation: concurrent requests share the hour's allowance exactly, a release gives one back", async () => {
    const open = policy({ rules: { webhook: { url: base + '/approve', secretRef: 'HOOK', timeoutMs: 200, failOpen: true, failOpenPerHour: 3 } } });
    const k = gateFor(open, { client: false }); // no client: never a verdict, as if the receiver were down
    const tries = await Promise.allSettled(Array.from({ length: 10 }, () => k.check(request({ tenant: k.tenant }))));
    const passed = tries.flatMap((t) => (t.status === 'fulfilled' ? [t.value] : []));
    expect(passed).toHaveLength(3);
    expect(tries.flatMap((t) => (t.status === 'rejected' ? [(t.reason as { reason?: string }).reason] : []))).toEqual(Array(7).fill('webhook_fail_open_exhausted'));
    await k.gate.release(passed[0]!);
    await expect(k.check(request({ tenant: k.tenant }))).resolves.toMatchObject({ policy: 'jobs' });
    await refused(k.check(request({ tenant: k.tenant })), 'webhook_fail_open_exhausted', 'webhook', 'jobs');
    k.clock.now += 3600; // the next hour has its own allowance
    await expect(k.check(request({ tenant: k.tenant }))).resolves.toMatchObject({ policy: 'jobs' });
  });
});

describe('webhook URLs (SSRF)', () => {
  it.each([
    ['http to a public host', 'http://hooks.example.com/approve', /https/],
    ['loopback', 'https://127.0.0.1/approve', /loopback, private or link-local/],
    ['cloud metadata (link-local)', 'https://169.254.169.254/latest/meta-data', /loopback, private or link-local/],
    ['a private network', 'https://10.1.2.3/hook', /private/],
    ['IPv6 loopback', 'https://[::1]/hook', /loopback/],
    ['IPv6 unique local', 'https://[fd12:3456::1]/hook', /private/],
    ['localhost by name', 'https://localhost:8443/hook', /loopback/],
    // IPv6 spellings of internal IPv4 (a URL writes [::ffff:127.0.0.1] as [::ffff:7f00:1]): they used to pass.
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/hook', /loopback/],
    ['IPv4-mapped cloud metadata', 'https://[::ffff:a9fe:a9fe]/hook', /link-local/],
    ['NAT64 of loopback', 'https://[64:ff9b::7f00:1]/hook', /loopback/],
    ['IPv4-compatible loopback', 'https://[::7f00:1]/hook', /loopback/],
    ['6to4 of loopback', 'https://[2002:7f00:1::]/hook', /loopback/],
    ['a decimal spelling of loopback', 'https://2130706433/hook', /loopback/],
  ])('refuses %s unless the operator allows the host', (_what, url, why) => {
    expect(webhookUrlRefusal(url, [])).toMatch(why);
    expect(webhookUrlRefusal(url, [new URL(url).hostname.replace(/^\[|\]$/g, '')])).toBeUndefined();
  });

  it('allows https to a public host, and the client refuses to call what is refused', async () => {
    expect(webhookUrlRefusal('https://hooks.example.com/approve', [])).toBeUndefined();
    for (const url of ['https://8.8.8.8/hook', 'https://[2001:4860:4860::8888]/hook', 'https://[::ffff:8.8.8.8]/hook']) expect(webhookUrlRefusal(url, [])).toBeUndefined();
    // A configuration fault, which failOpen never passes (it would sponsor everything without asking anyone).
    expect(await new WebhookClient().ask({ url: 'http://127.0.0.1:9/approve', timeoutMs: 500 }, 's', { tenant: 't', policy: 'p', sender: '0x1', calls: [], feeMode: 'sponsored', maxFee: '1', phase: 'execute' })).toBe('invalid');
  });
});

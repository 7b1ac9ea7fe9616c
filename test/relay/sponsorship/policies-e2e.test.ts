/**
 * Sponsorship policies enforced through the relay, on devnet, with the state
 * in a real redis-server: each rule refusing with its reason, quotas and rate
 * limits running out and resetting, a budget that holds under 200 concurrent
 * executes and equals the sum of receipts, a reputation gate flipped by an
 * on-chain slash, a webhook approving/denying/timing out, and the relay
 * failing closed while Redis is down.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ec, hash, shortString, stark, typedData } from 'starknet';
import { startRedis, type TestRedis } from '../../helpers/redis.ts';
import { startRelayStack, type RelayStack } from '../../helpers/relay.ts';
import { startLocalChain, type LocalChain } from '../../../scripts/local/chain.ts';
import { executeAndWait } from '../../../scripts/local/accounts.ts';
import { call, u256 } from '../../../scripts/local/seed.ts';
import { verifyWebhookSignature } from '../../../relay/sponsorship/facts/webhook.ts';
import { sweep } from '../../../relay/execution/tracking.ts';
import { Keys } from '../../../relay/store/keys.ts';

const HEARTBEAT = { contract: 'cdc_pool', selectors: ['heartbeat'] };
const policy = (id: string, rules: Record<string, unknown>) => ({ schemaVersion: 1, id, name: id, enabled: true, rules: { allow: [HEARTBEAT], ...rules } });

let redis: TestRedis;
let chain: LocalChain;
let s: RelayStack;
let dir: string;
let hook: Server;
let hookMode: 'approve' | 'deny' | 'sleep' = 'approve';
let hookCalls = 0;
const SECRET = 'whsec-test';

beforeAll(async () => {
  redis = await startRedis();
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      hookCalls++;
      if (!(await verifyWebhookSignature(SECRET, body, req.headers['x-ciro-signature'] as string))) {
        res.writeHead(401).end();
        return;
      }
      if (hookMode === 'sleep') return void setTimeout(() => res.writeHead(200).end('{"approve":true}'), 3000);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ approve: hookMode === 'approve' }));
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/approve`;

  chain = await startLocalChain({ seed: true, relayerCount: 4 });
  const workerAddress = chain.demo!.worker.address;
  dir = mkdtempSync(join(tmpdir(), 'ciro-policies-'));
  const files = [
    policy('p-denied', { senders: { deny: [workerAddress] } }),
    policy('p-members', { senders: { allow: ['0x1'] } }),
    policy('p-opcap', { budgets: { perOperation: { maxFee: '1' } } }),
    {
      ...policy('p-calldata', {}),
      rules: { allow: [{ contract: 'job_mgr', selectors: ['submit_job'], calldata: [{ index: 2, max: '10' }] }] },
    },
    policy('p-quota', { tiers: { default: 'small', tiers: { small: { period: 15, maxTxs: 2 } } } }),
    policy('p-rate', { rateLimits: [{ key: 'sender', points: 2, durationSeconds: 12, window: 'fixed' }] }),
    policy('p-rep', { reputation: { minReputation: 450, selectors: ['heartbeat'], cacheTtlSeconds: 0 } }),
    policy('p-hook', { webhook: { url: hookUrl, secretRef: 'hook', timeoutMs: 800, failOpen: false } }),
    policy('p-deny', { senders: { deny: ['0x1'] } }),
    policy('p-closed', { timeWindow: { end: 1_000_000 } }),
    policy('p-default-only', { feeModes: ['default'] }),
  ];
  for (const f of files) writeFileSync(join(dir, `${f.id}.json`), JSON.stringify(f));
  s = await startRelayStack({
    policyDir: dir,
    policies: [],
    secrets: { 'hook/hook': SECRET },
    tenants: Object.fromEntries(files.map((f) => [f.id.slice(2), [f.id]])),
    config: { store: { kind: 'redis', url: redis.url, prefix: 'ciro-test:' } },
    existingChain: chain,
    now: () => Date.now() / 1000 + clock.skew,
  });
}, 600_000);

afterAll(async () => {
  await s?.stop();
  await chain?.stop();
  await redis?.stop();
  hook?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const c = () => s.chain.manifest.contracts;
const worker = () => s.chain.demo!.worker;
const sponsored = { version: '0x1', fee_mode: { mode: 'sponsored' } };
const heartbeatCall = () => ({ to: c().cdc_pool.address, selector: hash.getSelectorFromName('heartbeat'), calldata: [] });

/** build → sign (as the demo worker) → execute, with a tenant's key; returns the execute body. */
async function heartbeat(tenant: string, phase: 'build' | 'execute' = 'execute') {
  const headers = { 'x-paymaster-api-key': s.keys[tenant]! };
  const built = await s.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: worker().address, calls: [heartbeatCall()] } }, parameters: sponsored }, headers);
  if (built.body.error || phase === 'build') return built.body;
  const td = built.body.result.typed_data;
  const signature = stark.formatSignature(ec.starkCurve.sign(typedData.getMessageHash(td, worker().address), worker().privateKey));
  const exec = await s.rpc('paymaster_executeTransaction', { transaction: { type: 'invoke', invoke: { user_address: worker().address, typed_data: td, signature } }, parameters: sponsored }, headers);
  return exec.body;
}

/** The gate's clock runs ahead of the wall clock by `skew` seconds: tests move time instead of sleeping. */
const clock = { skew: 0 };
/** Fixed windows are aligned to multiples of their length: jump to the top of the next one. */
function atWindowStart(seconds: number) {
  const now = Date.now() / 1000 + clock.skew;
  clock.skew += seconds - (now % seconds) + 0.05;
}

const refusal = (body: any) => ({ code: body.error?.code, reason: body.error?.data?.reason, policy: body.error?.data?.policy });

describe('policies through the relay, on devnet, state in Redis', () => {
  it('refuses by sender denylist and allowlist, per-operation fee cap and calldata constraint', async () => {
    expect(refusal(await heartbeat('denied', 'build'))).toEqual({ code: -32002, reason: 'sender_denied', policy: 'p-denied' });
    expect(refusal(await heartbeat('members', 'build'))).toMatchObject({ code: -32002, reason: 'sender_not_allowed' });
    expect(refusal(await heartbeat('opcap', 'build'))).toMatchObject({ code: -32002, reason: 'max_fee_exceeded', policy: 'p-opcap' });
    const submit = (timeout: string) =>
      s.rpc(
        'paymaster_buildTransaction',
        { transaction: { type: 'invoke', invoke: { user_address: worker().address, calls: [{ to: c().job_mgr.address, selector: hash.getSelectorFromName('submit_job'), calldata: ['0x1', '0x2', timeout] }] } }, parameters: sponsored },
        { 'x-paymaster-api-key': s.keys.calldata! },
      );
    expect(refusal((await submit('0x64')).body)).toMatchObject({ code: -32002, reason: 'calldata_constraint', policy: 'p-calldata' });
  });

  it('refuses by time window and fee mode, naming the rule', async () => {
    // p-deny denies 0x1 only: the worker passes.
    expect((await heartbeat('deny', 'build')).result).toBeDefined();
    expect(refusal(await heartbeat('closed', 'build'))).toEqual({ code: -32002, reason: 'outside_time_window', policy: 'p-closed' });
    expect(refusal(await heartbeat('default-only', 'build'))).toMatchObject({ code: -32002, reason: 'fee_mode_not_sponsored' });
    const notAllowed = await s.rpc(
      'paymaster_buildTransaction',
      { transaction: { type: 'invoke', invoke: { user_address: worker().address, calls: [{ to: c().cdc_pool.address, selector: hash.getSelectorFromName('claim_rewards'), calldata: [] }] } }, parameters: sponsored },
      { 'x-paymaster-api-key': s.keys.deny! },
    );
    expect(refusal(notAllowed.body)).toMatchObject({ code: -32002, reason: 'selector_not_allowed', policy: 'p-deny' });
  });

  it('a tier quota runs out, then resets with the period', async () => {
    atWindowStart(15);
    expect((await heartbeat('quota')).result?.tracking_id).toBeDefined();
    expect((await heartbeat('quota')).result?.tracking_id).toBeDefined();
    const third = await heartbeat('quota');
    expect(refusal(third)).toMatchObject({ code: -32002, reason: 'tier_quota_exhausted' });
    clock.skew += Number(third.error.data.retry_after) + 0.05;
    expect((await heartbeat('quota')).result?.tracking_id).toBeDefined();
  }, 120_000);

  it('a rate limit runs out, then resets', async () => {
    atWindowStart(12);
    expect((await heartbeat('rate')).result).toBeDefined();
    expect((await heartbeat('rate')).result).toBeDefined();
    const limited = await heartbeat('rate');
    expect(refusal(limited)).toMatchObject({ code: -32002, reason: 'rate_limited' });
    clock.skew += Number(limited.error.data.retry_after) + 0.05;
    expect((await heartbeat('rate')).result).toBeDefined();
  }, 120_000);

  it('a reputation gate flips after a slash on chain', async () => {
    expect((await heartbeat('rep', 'build')).result).toBeDefined();
    await executeAndWait(s.chain.deployer.account, call(c().cdc_pool.address, 'slash', [worker().address, ...u256(1n), shortString.encodeShortString('missed-deadline')]));
    expect(refusal(await heartbeat('rep', 'build'))).toMatchObject({ code: -32002, reason: 'reputation_too_low', policy: 'p-rep' });
  });

  it('a webhook approves, denies and times out (fail closed)', async () => {
    hookMode = 'approve';
    const before = hookCalls;
    expect((await heartbeat('hook')).result).toBeDefined();
    expect(hookCalls).toBeGreaterThan(before);
    hookMode = 'deny';
    expect(refusal(await heartbeat('hook'))).toMatchObject({ code: -32002, reason: 'webhook_denied' });
    hookMode = 'sleep';
    expect(refusal(await heartbeat('hook'))).toMatchObject({ reason: 'webhook_timeout' });
  });

  it('fails closed while Redis is down and serves again when it returns', async () => {
    await redis.stop();
    const down = await heartbeat('deny', 'build');
    expect(down.error).toMatchObject({ code: -32003, data: { reason: 'store_unavailable' } });
    await redis.restart();
    await new Promise((r) => setTimeout(r, 1500));
    expect((await heartbeat('deny', 'build')).result).toBeDefined();
  }, 60_000);

  it('a budget holds under 200 concurrent executes and equals the sum of receipts', async () => {
    // Size a global budget from a real fee: room for about eight heartbeats.
    const probe = await heartbeat('deny');
    const probeReceipt = (await s.chain.provider.waitForTransaction(probe.result.transaction_hash)) as unknown as { actual_fee: { amount: string } };
    const budget = 8n * BigInt(probeReceipt.actual_fee.amount);
    const budgetDir = mkdtempSync(join(tmpdir(), 'ciro-budget-'));
    writeFileSync(join(budgetDir, 'p.json'), JSON.stringify(policy('p-budget', { budgets: { global: { maxFee: budget.toString(), period: 'day' } } })));
    // devnet answers one request at a time: 200 at once queue there longer than the 10 s production default.
    const b = await startRelayStack({
      existingChain: s.chain,
      policyDir: budgetDir,
      policies: [],
      tenants: { budget: ['p-budget'] },
      config: { store: { kind: 'redis', url: redis.url, prefix: 'ciro-budget:' }, relayerAcquireTimeoutMs: 120_000, rpcTimeoutMs: 60_000, relayerLeaseMs: 300_000 },
    });
    try {
      const headers = { 'x-paymaster-api-key': b.keys.budget! };
      const signed = [];
      for (let i = 0; i < 200; i++) {
        const built = await b.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: worker().address, calls: [heartbeatCall()] } }, parameters: sponsored }, headers);
        const td = built.body.result.typed_data;
        signed.push({ td, signature: stark.formatSignature(ec.starkCurve.sign(typedData.getMessageHash(td, worker().address), worker().privateKey)) });
      }
      const results = await Promise.all(
        signed.map(({ td, signature }) =>
          b.rpc('paymaster_executeTransaction', { transaction: { type: 'invoke', invoke: { user_address: worker().address, typed_data: td, signature } }, parameters: sponsored }, headers),
        ),
      );
      const ok = results.filter((r) => r.body.result).map((r) => r.body.result);
      const refused = results.filter((r) => r.body.error);
      expect(ok.length).toBeGreaterThan(0);
      expect(refused.length).toBeGreaterThan(0);
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(new Set(refused.map((r) => r.body.error.data.reason))).toEqual(new Set(['budget_exhausted']));

      let spent = 0n;
      for (const r of ok) {
        const rc = (await b.chain.provider.waitForTransaction(r.transaction_hash)) as unknown as { actual_fee: { amount: string } };
        spent += BigInt(rc.actual_fee.amount);
      }
      while ((await sweep(b.relay.deps)) > 0 || (await b.relay.deps.store.members(Keys.trackingActive)).length > 0) {
        await new Promise((r) => setTimeout(r, 200));
      }
      const day = new Date().toISOString().slice(0, 10);
      const usage = await (b.relay.deps.gate as unknown as { usage(t: string, q: object): Promise<{ txs: number; fee: bigint }> }).usage('budget', { policy: 'p-budget', day });
      expect(usage.txs).toBe(ok.length);
      expect(usage.fee).toBe(spent);
      expect(spent).toBeLessThanOrEqual(budget);
    } finally {
      await b.stop();
      rmSync(budgetDir, { recursive: true, force: true });
    }
  }, 600_000);
});


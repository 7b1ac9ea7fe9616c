/**
 * What the sponsorship gate spends: tier quotas and rate limits running out and
 * resetting with the period, budgets under 200 concurrent executes,
 * settle/release corrections, usage accounting, and builds spending nothing.
 * Runs on the memory store, on a real redis-server and on a 3-node Redis
 * Cluster (every reservation is one script on one slot there).
 */
import { describe, expect, it } from 'vitest';
import { budgetKeys, periodWindow, tierWindow, type PolicyRequest } from '../../../policies/index.ts';
import type { Reservation } from '../../../relay/sponsorship/request.ts';
import { dayOf, Keys } from '../../../relay/store/keys.ts';
import { useClusterBackend } from '../../helpers/redisCluster.ts';
import { ALICE, BOB, makeGate, policy, refused, request, T0, useStoreBackends } from './helpers.ts';

const asPolicyRequest = (sender: string) => ({ sender, feeMode: 'sponsored' }) as PolicyRequest;

describe.each([...useStoreBackends(), ...useClusterBackend()])('Sponsorship gate spending on $name', ({ fresh }) => {

  it('runs a tier quota out and resets it when the period rolls over', async () => {
    const p = policy({ rules: { tiers: { default: 'free', tiers: { free: { period: 60, maxTxs: 3 } } } } });
    const k = makeGate(await fresh(), [p]);
    const exec = (sender = ALICE) => k.check(request({ tenant: k.tenant, sender }));
    for (let i = 0; i < 3; i++) await exec();
    k.clock.now = T0 + 20;
    const e = await refused(exec(), 'tier_quota_exhausted', 'tiers', 'jobs');
    expect(e.data?.retry_after).toBe(40);
    // A build reads the same counter, so it is refused early too.
    await refused(k.check(request({ tenant: k.tenant, phase: 'build' })), 'tier_quota_exhausted', 'tiers');
    await expect(exec(BOB)).resolves.toMatchObject({ policy: 'jobs' });
    k.clock.now = T0 + 60;
    for (let i = 0; i < 3; i++) await exec();
    await refused(exec(), 'tier_quota_exhausted', 'tiers');
  });

  it('never grants more tier transactions than the quota under concurrency', async () => {
    const p = policy({ rules: { tiers: { default: 'free', tiers: { free: { period: 3600, maxTxs: 5 } } } } });
    const k = makeGate(await fresh(), [p]);
    const results = await Promise.allSettled(Array.from({ length: 40 }, () => k.check(request({ tenant: k.tenant }))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    for (const r of results) if (r.status === 'rejected') expect(r.reason.reason).toBe('tier_quota_exhausted');
  });

  it('runs a fixed-window rate limit out and resets it with the window', async () => {
    const p = policy({ rules: { rateLimits: [{ key: 'sender', points: 2, durationSeconds: 60 }] } });
    const k = makeGate(await fresh(), [p]);
    const exec = (sender = ALICE) => k.check(request({ tenant: k.tenant, sender }));
    // Builds only read the limiter.
    for (let i = 0; i < 5; i++) await k.check(request({ tenant: k.tenant, phase: 'build' }));
    await exec();
    k.clock.now = T0 + 15;
    await exec();
    const e = await refused(exec(), 'rate_limited', 'rateLimits[0]', 'jobs');
    expect(e.data?.retry_after).toBe(45);
    await exec(BOB);
    k.clock.now = T0 + 60;
    await exec();
    await exec();
    await refused(exec(), 'rate_limited', 'rateLimits[0]');
  });

  it('keys rate limits per api key and per policy as the rule says', async () => {
    const p = policy({
      rules: {
        rateLimits: [
          { key: 'apiKey', points: 2, durationSeconds: 60 },
          { key: 'policy', points: 3, durationSeconds: 60 },
        ],
      },
    });
    const k = makeGate(await fresh(), [p]);
    const exec = (apiKeyId: string, sender: string) => k.check(request({ tenant: k.tenant, apiKeyId, sender }));
    await exec('k1', ALICE);
    await exec('k1', BOB);
    await refused(exec('k1', '0xc0ffee'), 'rate_limited', 'rateLimits[0]');
    await exec('k2', ALICE);
    await refused(exec('k3', ALICE), 'rate_limited', 'rateLimits[1]');
  });

  it('limits a sliding window by the weighted estimate and counts no refused request', async () => {
    const p = policy({ rules: { rateLimits: [{ key: 'sender', points: 4, durationSeconds: 60, window: 'sliding' }] } });
    const k = makeGate(await fresh(), [p]);
    const exec = () => k.check(request({ tenant: k.tenant }));
    const burst = await Promise.allSettled(Array.from({ length: 20 }, exec));
    expect(burst.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    for (const r of burst) if (r.status === 'rejected') expect(r.reason.reason).toBe('rate_limited');

    // Half-way into the next window the previous 4 weigh 2: two more fit. Had the 16
    // refused attempts been counted, the estimate would be 10 and nothing would.
    k.clock.now = T0 + 90;
    await exec();
    await exec();
    const e = await refused(exec(), 'rate_limited', 'rateLimits[0]');
    // 4 * (1 - (30 + t) / 60) + 2 <= 3  =>  t >= 15
    expect(e.data?.retry_after).toBe(15);
    k.clock.now = T0 + 105;
    await exec();
    await refused(exec(), 'rate_limited', 'rateLimits[0]');
  });

  it('never exceeds a global budget under 200 concurrent executes, then settles and releases exactly', async () => {
    const p = policy({ rules: { budgets: { global: { maxFee: '1000', period: 'day' } } } });
    const store = await fresh();
    const k = makeGate(store, [p]);
    const senders = Array.from({ length: 200 }, (_, i) => '0x' + (0x1000 + i).toString(16));
    const results = await Promise.allSettled(senders.map((sender) => k.check(request({ tenant: k.tenant, sender, maxFee: 7n }))));
    const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    for (const r of results) if (r.status === 'rejected') expect(r.reason.reason).toBe('budget_exhausted');

    const globalKey = Keys.sponsor('acme', budgetKeys(asPolicyRequest(ALICE), p, T0).global!);
    const reservedOnGlobal = ok.reduce((sum, res) => sum + BigInt(res.lines.find((l) => l.key === globalKey)?.amount ?? '0'), 0n);
    expect(ok).toHaveLength(142);
    expect(reservedOnGlobal).toBe(994n);
    expect(await store.amount(globalKey)).toBe(994n);

    const [settled, released] = [ok.slice(0, 71), ok.slice(71)];
    await Promise.all(settled.map((res) => k.gate.settle(res, 3n)));
    expect(await store.amount(globalKey)).toBe(994n - 71n * 4n);
    await Promise.all(released.map((res) => k.gate.release(res)));
    expect(await store.amount(globalKey)).toBe(71n * 3n);

    const day = dayOf(T0);
    expect(await k.gate.usage('acme', { day })).toEqual({ txs: 71, fee: 213n });
    expect(await k.gate.usage('acme', { day, policy: 'jobs' })).toEqual({ txs: 71, fee: 213n });
    expect(await k.gate.usage('acme', { day, sender: senders[0]! })).toEqual({ txs: 1, fee: 3n });
    expect(await k.gate.usage('acme', { day, sender: senders[199]! })).toEqual({ txs: 0, fee: 0n });
  });

  it('settles fee lines to the actual fee, keeps tx counts, and release gives everything back', async () => {
    const p = policy({
      rules: {
        tiers: { default: 'free', tiers: { free: { period: 'day', maxTxs: 10, maxFee: '10000' } } },
        budgets: { global: { maxFee: '5000', period: 'day' }, perUser: { maxFee: '1000', period: 'week' } },
      },
    });
    const store = await fresh();
    const k = makeGate(store, [p]);
    const keys = budgetKeys(asPolicyRequest(ALICE), p, T0);
    const tw = tierWindow(p, ALICE, T0)!;
    const counter = {
      global: Keys.sponsor('acme', keys.global!),
      user: Keys.sponsor('acme', keys.user!),
      txs: Keys.sponsor('acme', tw.txsKey),
      fee: Keys.sponsor('acme', tw.feeKey),
    };
    const read = async () => ({
      global: await store.amount(counter.global),
      user: await store.amount(counter.user),
      txs: await store.amount(counter.txs),
      fee: await store.amount(counter.fee),
    });

    const first: Reservation = await k.check(request({ tenant: k.tenant, maxFee: 400n }));
    expect(first.lines).toEqual(expect.arrayContaining(Object.values(counter).map((key) => expect.objectContaining({ key }))));
    expect(await read()).toEqual({ global: 400n, user: 400n, txs: 1n, fee: 400n });
    await k.gate.settle(first, 150n);
    expect(await read()).toEqual({ global: 150n, user: 150n, txs: 1n, fee: 150n });

    const second = await k.check(request({ tenant: k.tenant, maxFee: 700n }));
    expect(await read()).toEqual({ global: 850n, user: 850n, txs: 2n, fee: 850n });
    // perUser is the binding limit now: 850 + 200 > 1000.
    const e = await refused(k.check(request({ tenant: k.tenant, maxFee: 200n })), 'budget_exhausted', 'budgets.perUser');
    expect(e.data?.retry_after).toBe(periodWindow('week', T0).end - T0);
    await k.gate.release(second);
    expect(await read()).toEqual({ global: 150n, user: 150n, txs: 1n, fee: 150n });
    await expect(k.check(request({ tenant: k.tenant, maxFee: 200n }))).resolves.toMatchObject({ policy: 'jobs' });
  });

  it('charges a released reservation again, as settled, when its transaction lands late', async () => {
    const p = policy({ rules: { budgets: { global: { maxFee: '1000', period: 'day' } } } });
    const store = await fresh();
    const k = makeGate(store, [p], { dailyFeeCeiling: 1_000n });
    const global = Keys.sponsor('acme', budgetKeys(asPolicyRequest(ALICE), p, T0).global!);
    const res = await k.check(request({ tenant: k.tenant, maxFee: 900n }));
    await k.gate.release(res);
    expect(await store.amount(global)).toBe(0n);
    // Another request took the room meanwhile: the late one is charged anyway, it already happened.
    await k.check(request({ tenant: k.tenant, sender: BOB, maxFee: 900n }));
    await k.gate.recharge(res, 250n, false);
    expect(await store.amount(global)).toBe(1_150n);
    expect(await store.amount(Keys.ceiling('acme', dayOf(T0)))).toBe(1_150n);
    expect(await k.gate.usage('acme', { day: dayOf(T0), sender: ALICE })).toEqual({ txs: 1, fee: 250n });
  });

  it('charges tx counts but no fee in default fee mode', async () => {
    const p = policy({
      rules: { tiers: { default: 'free', tiers: { free: { period: 'day', maxTxs: 2, maxFee: '1' } } }, budgets: { global: { maxFee: '1', period: 'day' } } },
    });
    const k = makeGate(await fresh(), [p]);
    const exec = () => k.check(request({ tenant: k.tenant, feeMode: 'default', maxFee: 10_000n }));
    // Each lands (the user paid) before the next: one payment per sender is in flight at a time.
    await k.gate.settle(await exec(), 700n, false);
    await k.gate.settle(await exec(), 700n, false);
    await refused(exec(), 'tier_quota_exhausted', 'tiers');
    expect(await k.gate.usage('acme', { day: dayOf(T0) })).toEqual({ txs: 2, fee: 0n });
  });

  it('consumes nothing at build, whatever the policy counts', async () => {
    const p = policy({
      rules: {
        tiers: { default: 'free', tiers: { free: { period: 'day', maxTxs: 1, maxFee: '100' } } },
        budgets: { global: { maxFee: '100', period: 'day' }, perUser: { maxFee: '100', period: 'day' } },
        rateLimits: [{ key: 'sender', points: 1, durationSeconds: 60 }],
      },
    });
    const store = await fresh();
    const k = makeGate(store, [p]);
    for (let i = 0; i < 10; i++) {
      await expect(k.check(request({ tenant: k.tenant, phase: 'build', maxFee: 100n }))).resolves.toEqual({ policy: 'jobs', lines: [] });
    }
    expect(await k.gate.usage('acme', { day: dayOf(T0) })).toEqual({ txs: 0, fee: 0n });
    // Every counter is still untouched: exactly one execute fits everything.
    const res = await k.check(request({ tenant: k.tenant, maxFee: 100n }));
    expect(res.lines.length).toBeGreaterThan(0);
    await refused(k.check(request({ tenant: k.tenant, maxFee: 1n })), 'tier_quota_exhausted', 'tiers');
  });
});

/**
 * The operator's view of an account's safeguard marks, on the memory store
 * and a real Redis: a leaked hold or a revert pause refuses the account (the
 * dry run says so), the operator sees it and clears it, and holds that a
 * tracked transaction still stands behind are refused (409). Tenant keys
 * see none of it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { saveTracking, type TrackingRecord } from '../../../relay/execution/trackingRecord.ts';
import { Keys } from '../../../relay/store/keys.ts';
import type { Store } from '../../../relay/store/types.ts';
import { JOB_MGR, jobsPolicy, makeApp, makeConfig, sel, tx, useBackends, type AdminApp, type Keys as ApiKeys } from './helpers.ts';

const backends = useBackends();

const HOUR = 3_600_000;
let n = 0;
/** A fresh sender per test, so the file's tests share one app without sharing marks. */
const sender = () => `0x5e${(++n).toString(16).padStart(4, '0')}`;

describe.each(backends)('operator account marks on $name', (backend) => {
  let a: AdminApp;
  let keys: ApiKeys;
  let store: Store;
  beforeAll(async () => {
    const made = await makeConfig();
    keys = made.keys;
    store = await backend.make();
    a = makeApp(made.config, store);
    expect((await a.call('POST', '/v1/policies', keys.acmeAdmin, jobsPolicy({ id: 'open' }))).status).toBe(201);
  });
  // What build and execute's pre-check ask (the dry run reports policies alone); the reason, or 'allowed'.
  const check = async (who: string) => {
    const acme = (await a.deps.tenants.directory.tenant('acme'))!;
    const call = { to: JOB_MGR, selector: sel('submit_job'), calldata: ['0x1'] };
    return a.gate.check({ tenant: acme, apiKeyId: 'acme-sponsor', sender: who, calls: [call], feeMode: 'sponsored', maxFee: 0n, phase: 'build' })
      .then(() => 'allowed', (e: { reason?: string }) => e.reason);
  };
  const state = (who: string) => a.call('GET', `/v1/accounts/${who}`, keys.operator);
  const clear = (who: string, body: unknown) => a.call('POST', `/v1/accounts/${who}/clear`, keys.operator, body);
  const leak = async (who: string) => {
    // What a give-back lost in a store outage leaves: the account's payment mark and a quota hold, no transaction.
    const r = await store.reserve([
      { key: Keys.paymentHold(who), amount: 1n, limit: 1n, ttlMs: HOUR },
      { key: Keys.quotaHold(who), amount: 2n, limit: 10n, ttlMs: HOUR },
    ]);
    expect(r.ok).toBe(true);
  };

  it('shows a leaked hold refusing the account, and clears it', async () => {
    const who = sender();
    await leak(who);
    expect(await check(who)).toBe('payment_in_flight');
    // The dry run answers what build would, and says it is the operator's safeguard, not a policy.
    const dry = await a.call('POST', '/v1/dry-run', keys.acmeAdmin, tx({ sender: who }));
    expect(dry.body).toMatchObject({ allow: false, rule: 'safeguard', reason: 'payment_in_flight', retryAfter: 10, evaluated: ['job-submission', 'open'] });
    const seen = await state(who);
    expect(seen.status).toBe(200);
    expect(seen.body).toEqual({ account: who, holds: { quota: '2', payment: '1' }, reverts: { count: 0, paused: false }, inFlight: [] });
    const cleared = await clear(who, { holds: true });
    expect(cleared.status).toBe(200);
    expect(cleared.body.holds).toEqual({ quota: '0', payment: '0' });
    expect(await check(who)).toBe('allowed');
    expect((await a.call('POST', '/v1/dry-run', keys.acmeAdmin, tx({ sender: who }))).body).toMatchObject({ allow: true, policy: 'open' });
  });

  it('spells the account one way, however the path wrote it', async () => {
    const who = sender();
    await leak(who);
    const padded = '0x' + who.slice(2).padStart(64, '0').toUpperCase().replace('0X', '');
    const seen = await state(padded);
    expect(seen.body).toMatchObject({ account: who, holds: { payment: '1' } });
  });

  it('refuses to clear holds a tracked transaction still stands behind, until it settles', async () => {
    const who = sender();
    await leak(who);
    const rec: TrackingRecord = {
      id: '0x7a' + n.toString(16), txHash: '0xfeed', status: 'active', account: who, tenant: 'acme', relayer: '0x777',
      feeMode: 'default', reservation: { lines: [] } as unknown as TrackingRecord['reservation'], createdAt: Date.now(),
    };
    await saveTracking(a.deps, rec);
    const seen = await state(who);
    expect(seen.body.inFlight).toEqual([{ trackingId: rec.id, tenant: 'acme', status: 'active', feeMode: 'default', txHash: '0xfeed', createdAt: rec.createdAt }]);
    const refused = await clear(who, { holds: true });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ reason: 'account_in_flight', tracking_ids: [rec.id] });
    expect((await state(who)).body.holds).toMatchObject({ quota: '2', payment: '1' });
    // Dropped with its holds kept: it may still land late, so it still counts.
    await store.set(Keys.tracking(rec.id), JSON.stringify({ ...rec, status: 'dropped', holdsKept: true }));
    expect((await clear(who, { holds: true })).status).toBe(409);
    await store.set(Keys.tracking(rec.id), JSON.stringify({ ...rec, status: 'accepted' }));
    expect((await clear(who, { holds: true })).body.holds).toMatchObject({ quota: '0', payment: '0' });
  });

  it('lifts a revert pause', async () => {
    const who = sender();
    // Three reverts through globex's keys pause the sender for acme too.
    await store.incr(Keys.reverts(who), 3, { ttlMs: HOUR });
    expect(await check(who)).toBe('too_many_reverts');
    expect((await state(who)).body.reverts).toEqual({ count: 3, paused: true });
    // Holds are not named: a revert count is cleared alone, even beside a transaction in flight.
    const cleared = await clear(who, { reverts: true });
    expect(cleared.body.reverts).toEqual({ count: 0, paused: false });
    expect(await check(who)).toBe('allowed');
  });

  it('is for operator keys only', async () => {
    const who = sender();
    for (const key of [keys.acmeAdmin, keys.acmeSponsor]) {
      expect((await a.call('GET', `/v1/accounts/${who}`, key)).status).toBe(403);
      expect((await a.call('POST', `/v1/accounts/${who}/clear`, key, { holds: true })).status).toBe(403);
    }
    expect((await a.call('GET', `/v1/accounts/${who}`)).status).toBe(401);
  });

  it('refuses bad input with a reason and where', async () => {
    const who = sender();
    const none = await clear(who, {});
    expect(none.status).toBe(400);
    expect(JSON.stringify(none.body.error)).toContain('name what to clear');
    expect((await clear(who, { holds: 'yes' })).status).toBe(400);
    for (const bad of ['zz', '0x' + 'f'.repeat(64), '12345']) {
      const r = await state(bad);
      expect(r.status, bad).toBe(400);
      expect(r.body.error.reason).toBeTruthy();
    }
  });
});

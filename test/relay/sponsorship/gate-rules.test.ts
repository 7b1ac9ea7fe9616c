/**
 * Sponsorship gate decisions reaching the relay: allows, and each kind of refusal
 * with its reason, rule and policy in the RelayError. Runs on the memory
 * store and on a real redis-server.
 */
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../../relay/errors/base.ts';
import { JsonRpcCode } from '../../../relay/errors/codes.ts';
import type { SponsorshipRequest } from '../../../relay/sponsorship/request.ts';
import { PolicyStore } from '../../../relay/tenants/policyStore.ts';
import { ALICE, BOB, CONTRACTS, makeGate, policy, refused, request, sel, T0, tenant, useStoreBackends } from './helpers.ts';


describe.each(useStoreBackends())('Sponsorship gate rules on $name', ({ fresh }) => {

  it('allows a matching request and names the policy in the reservation', async () => {
    const k = makeGate(await fresh(), [policy()]);
    const res = await k.check(request({ tenant: k.tenant }));
    expect(res.policy).toBe('jobs');
    expect(res.lines.length).toBeGreaterThan(0);
    const built = await k.check(request({ tenant: k.tenant, phase: 'build' }));
    expect(built).toEqual({ policy: 'jobs', lines: [] });
  });

  it.each<[string, string, Partial<SponsorshipRequest>]>([
    ['contract_not_allowed', 'allow', { calls: [{ to: CONTRACTS.ciro_token, selector: sel('approve'), calldata: [] }] }],
    ['selector_not_allowed', 'allow', { calls: [{ to: CONTRACTS.job_mgr, selector: sel('cancel_job'), calldata: [] }] }],
    ['no_calls', 'allow', { calls: [] }],
    ['max_fee_exceeded', 'budgets.perOperation', { maxFee: 501n }],
    ['sender_denied', 'senders', { sender: BOB }],
    ['policy_not_applicable', 'match', { apiKeyId: 'someone-else' }],
  ])('refuses with %s (rule %s)', async (reason, rule, over) => {
    const p = policy({
      match: { apiKeyIds: ['key1'] },
      rules: { senders: { deny: [BOB] }, budgets: { perOperation: { maxFee: '500' } } },
    });
    const k = makeGate(await fresh(), [p]);
    const e = await refused(k.check(request({ tenant: k.tenant, ...over })), reason, rule, 'jobs');
    expect(e.toJsonRpc().data).toMatchObject({ reason, policy: 'jobs', rule });
  });

  it('refuses an unsponsored fee mode, and serves it when the policy lists it', async () => {
    const store = await fresh();
    const only = makeGate(store, [policy({ rules: { feeModes: ['sponsored'] } })]);
    await refused(only.check(request({ tenant: only.tenant, feeMode: 'default' })), 'fee_mode_not_sponsored', 'feeModes', 'jobs');
    const both = makeGate(store, [policy({ id: 'both' })]);
    await expect(both.check(request({ tenant: both.tenant, feeMode: 'default' }))).resolves.toMatchObject({ policy: 'both' });
  });

  it('refuses with no_policy when the tenant has none enabled, and ignores unknown ids', async () => {
    const store = await fresh();
    const k = makeGate(store, [policy({ enabled: false })]);
    await refused(k.check(request({ tenant: k.tenant })), 'no_policy', undefined, null);
    await refused(k.check(request({ tenant: tenant(['does-not-exist']) })), 'no_policy', undefined, null);
  });

  it('refuses outside the time window with retry_after until the start', async () => {
    const k = makeGate(await fresh(), [policy({ rules: { timeWindow: { start: T0 + 100 } } })]);
    const e = await refused(k.check(request({ tenant: k.tenant })), 'outside_time_window', 'timeWindow', 'jobs');
    expect(e.data?.retry_after).toBe(100);
    k.clock.now = T0 + 100;
    await expect(k.check(request({ tenant: k.tenant }))).resolves.toMatchObject({ policy: 'jobs' });
  });

  it('reads reputation only for gated selectors, and fails closed when it is unknown', async () => {
    const rewards = policy({
      id: 'worker-rewards',
      priority: 100,
      rules: {
        allow: [{ contract: 'cdc_pool', selectors: ['heartbeat', 'claim_rewards'] }],
        reputation: { minReputation: 300, selectors: ['heartbeat'] },
        feeModes: ['sponsored'],
      },
    });
    const k = makeGate(await fresh(), [rewards, policy()]);
    const heartbeat = request({ tenant: k.tenant, calls: [{ to: CONTRACTS.cdc_pool, selector: sel('heartbeat'), calldata: [] }] });

    await k.check(request({ tenant: k.tenant }));
    await k.check({ ...heartbeat, calls: [{ to: CONTRACTS.cdc_pool, selector: sel('claim_rewards'), calldata: [] }] });
    expect(k.reputation.reads).toBe(0);

    k.reputation.values = { a11ce: 500 };
    await expect(k.check(heartbeat)).resolves.toMatchObject({ policy: 'worker-rewards' });
    k.reputation.values = { a11ce: 299 };
    await refused(k.check(heartbeat), 'reputation_too_low', 'reputation', 'worker-rewards');
    k.reputation.values = {};
    await refused(k.check(heartbeat), 'reputation_unknown', 'reputation', 'worker-rewards');
    k.reputation.fail = true;
    k.reputation.values = { a11ce: 500 };
    await refused(k.check(heartbeat), 'reputation_unknown', 'reputation', 'worker-rewards');
    expect(k.reputation.reads).toBe(4);
  });

  it('picks the first allowing policy by priority, and otherwise the most specific refusal', async () => {
    const vip = policy({ id: 'vip', priority: 10, match: { apiKeyIds: ['vip-key'] }, rules: { allow: [{ contract: 'ciro_token', selectors: ['approve'] }] } });
    const k = makeGate(await fresh(), [vip, policy()]);
    await expect(k.check(request({ tenant: k.tenant }))).resolves.toMatchObject({ policy: 'jobs' });
    await expect(
      k.check(request({ tenant: k.tenant, apiKeyId: 'vip-key', calls: [{ to: CONTRACTS.ciro_token, selector: sel('approve'), calldata: [] }] })),
    ).resolves.toMatchObject({ policy: 'vip' });
    // vip refuses at match (not this key), jobs at allow: the allow refusal is the useful one.
    const wrong = request({ tenant: k.tenant, calls: [{ to: CONTRACTS.cdc_pool, selector: sel('heartbeat'), calldata: [] }] });
    await refused(k.check(wrong), 'contract_not_allowed', 'allow', 'jobs');
  });

  it('fails closed with UNAVAILABLE when the store cannot be read', async () => {
    const store = await fresh();
    const k = makeGate(store, [policy({ rules: { rateLimits: [{ key: 'sender', points: 5, durationSeconds: 60 }] } })]);
    const res = await k.check(request({ tenant: k.tenant }));
    await store.close();
    const e = await k.check(request({ tenant: k.tenant })).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(StoreUnavailableError);
    expect((e as StoreUnavailableError).code).toBe(JsonRpcCode.UNAVAILABLE);
    await expect(k.gate.release(res)).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('keeps tenants apart even when they share a policy', async () => {
    const store = await fresh();
    const p = policy({ rules: { tiers: { default: 'free', tiers: { free: { period: 60, maxTxs: 1 } } } } });
    const k = makeGate(store, [p]);
    const acme = tenant(['jobs'], 'acme');
    const globex = tenant(['jobs'], 'globex');
    await k.check(request({ tenant: acme }));
    await refused(k.check(request({ tenant: acme })), 'tier_quota_exhausted', 'tiers', 'jobs');
    await expect(k.check(request({ tenant: globex }))).resolves.toMatchObject({ policy: 'jobs' });
  });

  it("sees a tenant's policy change through the admin store on the next decision", async () => {
    const store = await fresh();
    const k = makeGate(store, [policy()]);
    await expect(k.check(request({ tenant: k.tenant, sender: ALICE }))).resolves.toMatchObject({ policy: 'jobs' });
    // The tenant overrides the file template with a disabled copy: no restart, next request.
    await new PolicyStore(store).write({
      tenantId: k.tenant.id, id: 'jobs', op: 'update', policy: policy({ enabled: false }), by: { tenant: k.tenant.id, keyId: 'admin' }, template: policy(),
    });
    await refused(k.check(request({ tenant: k.tenant })), 'no_policy', undefined, null);
  });
});

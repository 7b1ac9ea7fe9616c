/**
 * A policy changed through one relay instance is enforced by another that
 * shares the Store (real Redis), without a restart: instance B's gate reads
 * the tenant's policy revision on every decision and reloads when it moved.
 * Also: dry runs report every rule's verdict and consume nothing, and usage
 * reflects what the gate actually spent.
 */
import { describe, expect, it } from 'vitest';
import type { SponsorshipRequest } from '../../../relay/sponsorship/request.ts';
import { dayOf, Keys as StoreKeys } from '../../../relay/store/keys.ts';
import { LivePolicies } from '../../../relay/tenants/livePolicies.ts';
import { PolicyStore } from '../../../relay/tenants/policyStore.ts';
import { ALICE, jobsPolicy, JOB_MGR, MANIFEST, sel, tx, useTwoInstances } from './helpers.ts';

const t = useTwoInstances();

const CIRO = MANIFEST.contracts.ciro_token.address;
const transferTx = (over: Record<string, unknown> = {}) =>
  tx({ calls: [{ to: CIRO, selector: sel('transfer'), calldata: ['0x1', '0x2', '0x0'] }], ...over });
const transfersPolicy = (over: Record<string, unknown> = {}) =>
  jobsPolicy({ id: 'transfers', name: 'Transfers', rules: { allow: [{ contract: 'ciro_token', selectors: ['transfer'] }], feeModes: ['sponsored'] }, ...over });

const acme = () => t.config.tenants.find((t) => t.id === 'acme')!;
const request = (phase: 'build' | 'execute' = 'build'): SponsorshipRequest => ({
  tenant: acme(),
  apiKeyId: 'acme-sponsor',
  sender: ALICE,
  calls: [{ to: CIRO, selector: sel('transfer'), calldata: ['0x1', '0x2', '0x0'] }],
  feeMode: 'sponsored',
  maxFee: 1000n,
  phase,
});

describe('policy changes across instances', () => {
  it('created, disabled, narrowed and deleted through A: B enforces each change at its next decision', async () => {
    // B decides first, so it holds a cached snapshot from before the change.
    expect((await t.b.gate.decide(request())).decision.allow).toBe(false);
    expect((await t.b.call('POST', '/v1/dry-run', t.keys.acmeAdmin, transferTx())).body.allow).toBe(false);

    expect((await t.a.call('POST', '/v1/policies', t.keys.acmeAdmin, transfersPolicy())).status).toBe(201);
    const allowed = await t.b.gate.decide(request());
    expect(allowed.decision).toMatchObject({ allow: true, policy: 'transfers' });
    expect((await t.b.call('POST', '/v1/dry-run', t.keys.acmeAdmin, transferTx())).body).toMatchObject({ allow: true, policy: 'transfers' });

    await t.a.call('PUT', '/v1/policies/transfers', t.keys.acmeAdmin, transfersPolicy({ enabled: false }));
    expect((await t.b.gate.decide(request())).decision.allow).toBe(false);

    const narrowed = transfersPolicy({ rules: { allow: [{ contract: 'ciro_token', selectors: ['transfer'] }], senders: { deny: [ALICE] }, feeModes: ['sponsored'] } });
    await t.a.call('PUT', '/v1/policies/transfers', t.keys.acmeAdmin, narrowed);
    const denied = await t.b.call('POST', '/v1/dry-run', t.keys.acmeAdmin, transferTx({ policy: 'transfers' }));
    expect(denied.body).toMatchObject({ allow: false, policy: 'transfers', reason: 'sender_denied', rule: 'senders' });
    expect((await t.b.gate.decide({ ...request(), sender: '0xb0b' })).decision.allow).toBe(true);

    await t.a.call('DELETE', '/v1/policies/transfers', t.keys.acmeAdmin);
    expect((await t.b.gate.decide({ ...request(), sender: '0xb0b' })).decision.allow).toBe(false);
    // And the refusal reaches SNIP-29's gate.check on B too.
    await expect(t.b.gate.reserve({ ...request('execute'), sender: '0xb0b' })).rejects.toMatchObject({ code: -32002 });
  });

  it('a tenant override of a file template made on A is enforced on B, and deleting it restores the template', async () => {
    const submit = { calls: [{ to: JOB_MGR, selector: sel('submit_job'), calldata: ['0x1', '0x2', '0x3'] }] };
    const dry = () => t.b.call('POST', '/v1/dry-run', t.keys.acmeAdmin, tx(submit));
    expect((await dry()).body).toMatchObject({ allow: true, policy: 'job-submission' });
    const template = (await t.a.call('GET', '/v1/policies/job-submission', t.keys.acmeAdmin)).body.policy;
    await t.a.call('PUT', '/v1/policies/job-submission', t.keys.acmeAdmin, { ...template, enabled: false });
    expect((await dry()).body.allow).toBe(false);
    await t.a.call('DELETE', '/v1/policies/job-submission', t.keys.acmeAdmin);
    expect((await dry()).body).toMatchObject({ allow: true, policy: 'job-submission' });
  });
});

describe('dry run and usage', () => {
  it('reports every rule\'s verdict and consumes nothing; usage counts what the gate spent on the other instance', async () => {
    const budgeted = transfersPolicy({
      id: 'budgeted',
      rules: {
        allow: [{ contract: 'ciro_token', selectors: ['transfer'] }],
        senders: { allow: [ALICE] },
        budgets: { perOperation: { maxFee: '5000' } },
        rateLimits: [{ key: 'sender', points: 1, durationSeconds: 3600 }],
        feeModes: ['sponsored'],
      },
    });
    expect((await t.a.call('POST', '/v1/policies', t.keys.acmeAdmin, budgeted)).status).toBe(201);

    const tooDear = await t.a.call('POST', '/v1/dry-run', t.keys.acmeAdmin, transferTx({ policy: 'budgeted', maxFee: '6000' }));
    expect(tooDear.body).toMatchObject({ allow: false, reason: 'max_fee_exceeded', rule: 'budgets.perOperation' });
    const rules = tooDear.body.verdicts.map((v: any) => v.rule);
    expect(rules).toEqual(expect.arrayContaining(['enabled', 'feeModes', 'senders', 'allow', 'budgets.perOperation']));
    expect(tooDear.body.verdicts.find((v: any) => v.rule === 'senders').ok).toBe(true);

    // The rate limit allows one transaction per hour: dry runs, however many, must not use it.
    for (let i = 0; i < 3; i++) {
      const ok = await t.a.call('POST', '/v1/dry-run', t.keys.acmeAdmin, transferTx({ policy: 'budgeted', phase: 'execute' }));
      expect(ok.body).toMatchObject({ allow: true, policy: 'budgeted' });
    }
    const today = dayOf(Date.now() / 1000);
    const before = await t.a.call('GET', `/v1/usage?policy=budgeted&from=${today}`, t.keys.acmeAdmin);
    expect(before.body.total).toEqual({ txs: 0, fee: '0' });

    // A real execute on B spends: the policy's usage, the sender's and the tenant's all show it on A.
    const narrowTenant = { ...acme(), policies: [] };
    const res = await t.b.gate.reserve({ ...request('execute'), tenant: narrowTenant, maxFee: 1234n });
    expect(res.policy).toBe('budgeted');
    for (const q of ['policy=budgeted', `sender=${ALICE}`, '']) {
      const u = await t.a.call('GET', `/v1/usage?${q}`, t.keys.acmeAdmin);
      expect(u.status).toBe(200);
      expect(u.body.days).toEqual([{ day: today, txs: 1, fee: '1234' }]);
    }
    // Now the rate limit is used, and the dry run says so.
    const limited = await t.a.call('POST', '/v1/dry-run', t.keys.acmeAdmin, transferTx({ policy: 'budgeted' }));
    expect(limited.body).toMatchObject({ allow: false, reason: 'rate_limited' });
    // Another tenant sees none of it.
    expect((await t.a.call('GET', '/v1/usage', t.keys.globexAdmin)).body.total).toEqual({ txs: 0, fee: '0' });
  });
});

describe('LivePolicies cache', () => {
  it('serves its snapshot while the revision is unchanged, reloads when it moves, and after maxAgeMs regardless', async () => {
    const store = t.a.deps.store;
    const clock = { ms: 1_000_000 };
    const live = new LivePolicies(store, { maxAgeMs: 30_000, now: () => clock.ms });
    const policies = new PolicyStore(store);
    const by = { tenant: 'cache-t', keyId: 'k' };
    const p = (name: string) => ({ ...transfersPolicy({ id: 'cached', name }) }) as any;
    await policies.write({ tenantId: 'cache-t', id: 'cached', op: 'create', policy: p('one'), by });
    expect((await live.get('cache-t')).policies.map((x) => x.name)).toEqual(['one']);

    await policies.write({ tenantId: 'cache-t', id: 'cached', op: 'update', policy: p('two'), by });
    expect((await live.get('cache-t')).policies.map((x) => x.name)).toEqual(['two']);

    // A writer that died after its commit but before bumping the revision: stale until maxAgeMs.
    const head = JSON.parse((await store.get(StoreKeys.admin.policy('cache-t', 'cached')))!);
    await store.set(StoreKeys.admin.policy('cache-t', 'cached'), JSON.stringify({ ...head, version: 3, policy: p('three') }));
    expect((await live.get('cache-t')).policies.map((x) => x.name)).toEqual(['two']);
    clock.ms += 30_001;
    expect((await live.get('cache-t')).policies.map((x) => x.name)).toEqual(['three']);
  });
});

/**
 * A tenant admin can't grow the shared Store without bound: policy size,
 * policies and keys per tenant are capped with clear refusals, a refused write
 * leaves nothing behind, and history and audit entries stay bounded.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_AUDIT_ENTRIES } from '../../../relay/tenants/audit.ts';
import { MAX_ACTIVE_KEYS } from '../../../relay/tenants/apiKeys.ts';
import { MAX_DIFF_BYTES, MAX_POLICIES, MAX_POLICY_BYTES, MAX_VERSIONS } from '../../../relay/tenants/policyStore.ts';
import { Keys } from '../../../relay/store/keys.ts';
import { POLICY_BODY_BYTES } from '../../../relay/admin/api.ts';
import { jobsPolicy, makeApp, makeConfig, memoryStore, tx, type AdminApp, type Keys as TestKeys } from './helpers.ts';

let app: AdminApp;
let keys: TestKeys;
beforeAll(async () => {
  const made = await makeConfig();
  keys = made.keys;
  app = makeApp(made.config, await memoryStore());
});

describe('tenant limits', () => {
  it('refuses a policy over the size cap with 413, and a PUT of an unknown id leaves no trace', async () => {
    const selectors = Array.from({ length: 64 }, (_, i) => `entry_point_number_${i}`);
    const big = jobsPolicy({ id: 'big', rules: { allow: Array.from({ length: 32 }, () => ({ contract: 'job_mgr', selectors })) } });
    const r = await app.call('POST', '/v1/policies', keys.acmeAdmin, big);
    expect(r.status).toBe(413);
    expect(r.body.error.reason).toBe('policy_too_large');
    const ghost = await app.call('PUT', '/v1/policies/ghost', keys.acmeAdmin, jobsPolicy({ id: 'ghost' }));
    expect(ghost.status).toBe(404);
    expect(await app.deps.store.members(Keys.admin.policyIds('acme'))).not.toContain('ghost');
    expect((await app.call('GET', '/v1/policies', keys.acmeAdmin)).body.policies.map((p: { id: string }) => p.id)).not.toContain('ghost');
  });

  it(`caps policies per tenant at ${MAX_POLICIES} with 422, counting deleted ones`, async () => {
    for (let i = 0; i < MAX_POLICIES; i++) {
      expect((await app.call('POST', '/v1/policies', keys.globexAdmin, jobsPolicy({ id: `p-${i}` }))).status).toBe(201);
    }
    const over = await app.call('POST', '/v1/policies', keys.globexAdmin, jobsPolicy({ id: 'one-more' }));
    expect(over.status).toBe(422);
    expect(over.body.error.reason).toBe('too_many_policies');
    // Changing an existing one is still fine.
    expect((await app.call('PUT', '/v1/policies/p-0', keys.globexAdmin, jobsPolicy({ id: 'p-0', name: 'Changed' }))).status).toBe(200);
  });

  it(`keeps the newest ${MAX_VERSIONS} versions of a policy`, async () => {
    expect((await app.call('POST', '/v1/policies', keys.acmeAdmin, jobsPolicy({ id: 'churn' }))).status).toBe(201);
    for (let v = 2; v <= MAX_VERSIONS + 5; v++) await app.call('PUT', '/v1/policies/churn', keys.acmeAdmin, jobsPolicy({ id: 'churn', name: `v${v}` }));
    const head = await app.call('GET', '/v1/policies/churn', keys.acmeAdmin);
    expect(head.body.version).toBe(MAX_VERSIONS + 5);
    expect((await app.call('GET', `/v1/policies/churn/versions/${MAX_VERSIONS + 5}`, keys.acmeAdmin)).status).toBe(200);
    expect((await app.call('GET', '/v1/policies/churn/versions/6', keys.acmeAdmin)).status).toBe(200);
    expect((await app.call('GET', '/v1/policies/churn/versions/5', keys.acmeAdmin)).status).toBe(404);
    expect(MAX_AUDIT_ENTRIES).toBeGreaterThan(MAX_VERSIONS);
  });

  it('refuses a webhook the relay would not call (SSRF) when the policy is written', async () => {
    const hook = (url: string) => jobsPolicy({ id: 'hooked', rules: { allow: [{ contract: 'job_mgr', selectors: ['submit_job'] }], webhook: { url, secretRef: 'HOOK' } } });
    const r = await app.call('POST', '/v1/policies', keys.acmeAdmin, hook('https://169.254.169.254/latest/meta-data'));
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ reason: 'webhook_url_refused', path: 'rules.webhook.url' });
    expect((await app.call('POST', '/v1/policies', keys.acmeAdmin, hook('https://hooks.example.com/approve'))).status).toBe(201);
  });

  it(`caps active keys at ${MAX_ACTIVE_KEYS} with 422`, async () => {
    // acme has 2 config keys already.
    for (let i = 2; i < MAX_ACTIVE_KEYS; i++) expect((await app.call('POST', '/v1/keys', keys.acmeAdmin, { scope: 'sponsor' })).status).toBe(201);
    const over = await app.call('POST', '/v1/keys', keys.acmeAdmin, { scope: 'sponsor' });
    expect(over.status).toBe(422);
    expect(over.body.error.reason).toBe('too_many_keys');
  });

  it('a burst of concurrent creates still stops at the cap', async () => {
    const before = (await app.deps.store.members(Keys.admin.policyIds('acme'))).length;
    const burst = await Promise.all(Array.from({ length: MAX_POLICIES + 20 }, (_, i) => app.call('POST', '/v1/policies', keys.acmeAdmin, jobsPolicy({ id: `burst-${i}` }))));
    expect(burst.filter((r) => r.status === 201)).toHaveLength(MAX_POLICIES - before);
    expect(burst.filter((r) => r.status !== 201).map((r) => r.body.error.reason)).toEqual(Array(20 + before).fill('too_many_policies'));
    expect(await app.deps.store.members(Keys.admin.policyIds('acme'))).toHaveLength(MAX_POLICIES);
  });

  it('a version keeps a large diff out of its record: two big policies in a row cost two policies, not their diff', async () => {
    const senders = (seed: number) => Array.from({ length: 400 }, (_, i) => `0x${(seed * 1000 + i).toString(16).padStart(60, 'a')}`);
    const listing = (seed: number) => jobsPolicy({ id: 'p-1', rules: { allow: [{ contract: 'job_mgr', selectors: ['submit_job'] }], senders: { allow: senders(seed) } } });
    expect((await app.call('PUT', '/v1/policies/p-1', keys.globexAdmin, listing(1))).status).toBe(200);
    const r = await app.call('PUT', '/v1/policies/p-1', keys.globexAdmin, listing(2));
    expect(r.status).toBe(200);
    const raw = (await app.deps.store.get(Keys.admin.policy('globex', 'p-1')))!;
    expect(JSON.parse(raw)).toMatchObject({ diff: [], diffOmitted: true });
    expect(raw.length).toBeLessThan(MAX_POLICY_BYTES + MAX_DIFF_BYTES);
  });

  it('a rollback does not bring back a webhook URL the operator has refused since', async () => {
    const made = await makeConfig();
    const store = await memoryStore();
    const allowing = makeApp({ ...made.config, webhookAllowHosts: ['10.0.0.5'] }, store);
    const hooked = jobsPolicy({ id: 'hooked', rules: { allow: [{ contract: 'job_mgr', selectors: ['submit_job'] }], webhook: { url: 'https://10.0.0.5/approve', secretRef: 'HOOK' } } });
    expect((await allowing.call('POST', '/v1/policies', made.keys.acmeAdmin, hooked)).status).toBe(201);
    expect((await allowing.call('PUT', '/v1/policies/hooked', made.keys.acmeAdmin, jobsPolicy({ id: 'hooked' }))).status).toBe(200);
    // The operator drops the host from the allow list (a restart with a new config, same store).
    const strict = makeApp({ ...made.config, webhookAllowHosts: [] }, store);
    const back = await strict.call('POST', '/v1/policies/hooked/rollback', made.keys.acmeAdmin, { version: 1 });
    expect(back).toMatchObject({ status: 422, body: { error: { reason: 'webhook_url_refused' } } });
  });

  it('reads a hostile body no further than its first fault: a dry run of bad calldata, a flood of tier assignments, a policy body past what can be stored', async () => {
    // Each bad felt was its own issue object (~100 ms of CPU for 256 calls of 400): now the first one, or the count, refuses.
    const tooMany = await app.call('POST', '/v1/dry-run', keys.acmeAdmin, tx({ calls: Array.from({ length: 256 }, () => ({ to: '0x222', selector: '0x1', calldata: Array(400).fill(1) })) }));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.issues).toHaveLength(1);
    const bad = await app.call('POST', '/v1/dry-run', keys.acmeAdmin, tx({ calls: Array.from({ length: 60 }, () => ({ to: '0x222', selector: '0x1', calldata: Array(56).fill('x') })) }));
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['calls[0].calldata[0]']);
    const huge = await app.call('POST', '/v1/dry-run', keys.acmeAdmin, tx({ calls: [{ to: '0x222', selector: '0x1', calldata: ['9'.repeat(250_000)] }] }));
    expect(huge.status).toBe(400);

    const tiers = jobsPolicy({ id: 'tiers-flood' });
    (tiers.rules as Record<string, unknown>).tiers = { default: 'free', tiers: { free: { period: 'day' } }, assignments: Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => ['0x' + (i + 1).toString(16), 'gold'])) };
    const flood = await app.call('POST', '/v1/policies', keys.acmeAdmin, tiers);
    expect(flood.status).toBe(400);
    expect(flood.body.error.issues).toEqual([expect.objectContaining({ path: 'rules.tiers.assignments.0x1', message: "unknown tier 'gold'" })]);

    const big = jobsPolicy({ id: 'big-body' });
    (big.rules as Record<string, unknown>).senders = { allow: Array.from({ length: 2_000 }, (_, i) => '0x' + (i + 1).toString(16).padStart(64, '0')) };
    expect(JSON.stringify(big).length).toBeGreaterThan(POLICY_BODY_BYTES);
    for (const [method, path] of [['POST', '/v1/policies'], ['PUT', '/v1/policies/big-body']] as const) {
      const r = await app.call(method, path, keys.acmeAdmin, big);
      expect(r.status).toBe(413);
      expect(r.body.error).toMatchObject({ reason: 'policy_too_large', details: expect.stringMatching(/policy body may be at most/) });
    }
    // Refused unread: a body that is not even JSON gets the same answer, not invalid_json.
    const junk = await app.call('POST', '/v1/policies', keys.acmeAdmin, '{'.repeat(POLICY_BODY_BYTES + 1));
    expect(junk.status).toBe(413);
    expect(junk.body.error.reason).toBe('policy_too_large');
  });
});

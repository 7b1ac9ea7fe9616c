/**
 * What the console reads beyond CRUD, through the admin API on the memory
 * store and a real Redis: refusals counted by rule and reason as SNIP-29
 * answered them, usage per sender per day, budgets and the ceiling in use,
 * relayers for operator keys only, rollback, and a dry run of typed data.
 * Another tenant's admin key sees none of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTypedData } from '../../../relay/chain/snip9.ts';
import { feeTransferCall } from '../../../relay/chain/calldata.ts';
import type { Tenant } from '../../../relay/config.ts';
import type { Store } from '../../../relay/store/types.ts';
import { startRedis, type TestRedis } from '../../helpers/redis.ts';
import { ALICE, JOB_MGR, jobsPolicy, makeApp, makeConfig, MANIFEST, memoryStore, redisStore, sel, tx, type AdminApp, type Keys } from './helpers.ts';

let redis: TestRedis;
const stores: Store[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close().catch(() => undefined)));
  await redis?.stop();
});

const today = () => new Date().toISOString().slice(0, 10);
const budgeted = jobsPolicy({ id: 'budgeted', rules: { allow: [{ contract: 'job_mgr', selectors: ['submit_job'] }], budgets: { global: { maxFee: '1000000', period: 'day' } } } });

describe.each([
  { name: 'memory', make: memoryStore },
  { name: 'redis', make: () => redisStore(redis.url) },
])('console reads on $name', (backend) => {
  let a: AdminApp;
  let keys: Keys;
  let acme: Tenant;
  beforeAll(async () => {
    const made = await makeConfig();
    keys = made.keys;
    const store = await backend.make();
    stores.push(store);
    a = makeApp(made.config, store);
    acme = (await a.deps.tenants.directory.tenant('acme'))!;
    expect((await a.call('POST', '/v1/policies', keys.acmeAdmin, budgeted)).status).toBe(201);
  });
  const reserve = (sender: string, maxFee: bigint) =>
    a.gate.reserve({ tenant: acme, apiKeyId: 'acme-sponsor', sender, calls: [{ to: JOB_MGR, selector: sel('submit_job'), calldata: ['0x1'] }], feeMode: 'sponsored', maxFee, phase: 'execute' });

  // gate.check is what build and execute's pre-check call (test/relay/execution covers them on devnet).
  it('counts refusals the gate answered, by policy, rule and reason; dry runs are not counted', async () => {
    const wrong = { tenant: acme, apiKeyId: 'acme-sponsor', sender: ALICE, calls: [{ to: JOB_MGR, selector: '0x1', calldata: [] }], feeMode: 'sponsored' as const, maxFee: 1n, phase: 'build' as const };
    await expect(a.gate.check(wrong)).rejects.toMatchObject({ reason: 'selector_not_allowed' });
    await expect(a.gate.check(wrong)).rejects.toMatchObject({ reason: 'selector_not_allowed' });
    await a.call('POST', '/v1/dry-run', keys.acmeAdmin, tx({ calls: [{ to: JOB_MGR, selector: '0x1', calldata: [] }] }));
    const r = await a.call('GET', `/v1/refusals?from=${today()}`, keys.acmeAdmin);
    expect(r.status).toBe(200);
    expect(r.body.refusals).toHaveLength(1);
    expect(r.body.refusals[0]).toMatchObject({ day: today(), rule: 'allow', reason: 'selector_not_allowed', count: 2 });
    expect((await a.call('GET', '/v1/refusals', keys.globexAdmin)).body.refusals).toEqual([]);
  });

  it('counts a budget refusal at execute', async () => {
    await expect(reserve(ALICE, 2_000_000n)).rejects.toMatchObject({ reason: 'budget_exhausted' });
    const rows = (await a.call('GET', '/v1/refusals', keys.acmeAdmin)).body.refusals as { policy: string; rule: string; reason: string }[];
    expect(rows).toContainEqual(expect.objectContaining({ policy: 'budgeted', rule: 'budgets.global', reason: 'budget_exhausted' }));
  });

  it('lists usage per sender per day, and the budget and ceiling in use', async () => {
    await reserve(ALICE, 1000n);
    await reserve(ALICE, 500n);
    await reserve('0xb0b', 200n);
    const u = await a.call('GET', `/v1/usage/senders?from=${today()}&to=${today()}`, keys.acmeAdmin);
    expect(u.status).toBe(200);
    expect(u.body.rows).toEqual([
      { day: today(), sender: ALICE, txs: 2, fee: '1500' },
      { day: today(), sender: '0xb0b', txs: 1, fee: '200' },
    ]);
    expect((await a.call('GET', '/v1/usage/senders', keys.globexAdmin)).body.rows).toEqual([]);

    const l = await a.call('GET', '/v1/limits', keys.acmeAdmin);
    expect(l.status).toBe(200);
    // The tenant's example policies have global budgets too (job-submission's), untouched here.
    expect(l.body.budgets.find((b: { policy: string }) => b.policy === 'budgeted')).toEqual(expect.objectContaining({ policy: 'budgeted', period: 'day', used: '1700', limit: '1000000' }));
    for (const b of l.body.budgets.filter((x: { policy: string }) => x.policy !== 'budgeted')) expect(b.used, b.policy).toBe('0');
    expect(l.body.ceiling).toMatchObject({ day: today(), used: '1700' });
    expect((await a.call('GET', '/v1/limits', keys.globexAdmin)).body.ceiling.used).toBe('0');
  });

  it('shows relayers to operator keys only', async () => {
    expect((await a.call('GET', '/v1/relayers', keys.acmeAdmin)).status).toBe(403);
    const r = await a.call('GET', '/v1/relayers', keys.operator);
    expect(r.status).toBe(200);
    // No node behind this app: the balance is unknown and the relayer out of rotation, not an error.
    expect(r.body.relayers).toEqual([{ address: expect.any(String), balance: null, inRotation: false }]);
  });

  it('rolls a policy back to an earlier version as a new version, audited, and refuses other tenants', async () => {
    const put = await a.call('PUT', '/v1/policies/budgeted', keys.acmeAdmin, { ...budgeted, enabled: false });
    expect(put.body.version).toBe(2);
    expect((await a.call('POST', '/v1/policies/budgeted/rollback', keys.globexAdmin, { version: 1 })).status).toBe(404);
    expect((await a.call('POST', '/v1/policies/budgeted/rollback', keys.acmeAdmin, { version: 1 }, { 'if-match': '"1"' })).status).toBe(409);
    const rb = await a.call('POST', '/v1/policies/budgeted/rollback', keys.acmeAdmin, { version: 1 }, { 'if-match': '"2"' });
    expect(rb.status).toBe(200);
    expect(rb.body).toMatchObject({ version: 3, policy: { enabled: true } });
    const v3 = await a.call('GET', '/v1/policies/budgeted/versions/3', keys.acmeAdmin);
    expect(v3.body).toMatchObject({ op: 'update', rollbackOf: 1, diff: [{ op: 'replace', path: '/enabled', value: true }] });
    const audit = (await a.call('GET', '/v1/audit?limit=1', keys.acmeAdmin)).body.entries[0];
    expect(audit).toMatchObject({ action: 'policy.update', version: 3, detail: { rollbackOf: '1' } });
  });

  it('dry-runs SNIP-9 typed data: its calls, less the default-mode fee transfer', async () => {
    const paymaster = MANIFEST.contracts.paymaster.address;
    const submit = { to: JOB_MGR, selector: sel('submit_job'), calldata: ['0x1'] };
    const fee = feeTransferCall(MANIFEST.tokens.STRK.address, paymaster, 10n);
    const typedData = (calls: object[]) =>
      JSON.parse(JSON.stringify(buildTypedData(MANIFEST.chainId, { caller: paymaster, nonce: '0x1', executeAfter: 0, executeBefore: 2_000_000_000, calls: calls as never })));
    const ok = await a.call('POST', '/v1/dry-run', keys.acmeAdmin, { ...tx({ calls: undefined }), typedData: typedData([submit]), policy: 'budgeted' });
    expect(ok.body).toMatchObject({ allow: true, policy: 'budgeted' });
    const dflt = await a.call('POST', '/v1/dry-run', keys.acmeAdmin, { ...tx({ calls: undefined, feeMode: 'default' }), typedData: typedData([submit, fee]), policy: 'budgeted' });
    expect(dflt.body.verdicts.find((v: { rule: string }) => v.rule === 'allow')).toMatchObject({ ok: true });
    const bad = await a.call('POST', '/v1/dry-run', keys.acmeAdmin, { ...tx({ calls: undefined }), typedData: { primaryType: 'Nope' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.reason).toBe('typed_data_invalid');
    expect((await a.call('POST', '/v1/dry-run', keys.acmeAdmin, { ...tx(), typedData: typedData([submit]) })).status).toBe(400);
  });
});

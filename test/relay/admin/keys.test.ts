/**
 * Key management and the tenant directory across relay instances: two apps
 * on one real Redis. A key created on one works on the other; a key revoked
 * on one stops working on both at the very next request. Operator-created
 * tenants live in the Store and are found by every instance.
 */
import { describe, expect, it } from 'vitest';
import { Keys } from '../../../relay/store/keys.ts';
import { jobsPolicy, useTwoInstances } from './helpers.ts';

const t = useTwoInstances();

describe('API keys', () => {
  it('create returns the full key once; list shows ids, scopes and dates, never secrets or hashes', async () => {
    const created = await t.a.call('POST', '/v1/keys', t.keys.acmeAdmin, { scope: 'sponsor', name: 'game client' });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const { id, key } = created.body;
    expect(key.startsWith(`${id}.`)).toBe(true);
    const secret = key.slice(id.length + 1);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(created.body).toMatchObject({ scope: 'sponsor', source: 'api', name: 'game client', createdBy: { tenant: 'acme', keyId: 'acme-admin' } });

    const list = await t.b.call('GET', '/v1/keys', t.keys.acmeAdmin);
    expect(list.status).toBe(200);
    const raw = JSON.stringify(list.body);
    expect(raw).not.toContain(secret);
    expect(raw).not.toMatch(/[0-9a-f]{64}/);
    expect(raw).not.toContain('secretHash');
    expect(list.body.keys).toContainEqual(expect.objectContaining({ id, scope: 'sponsor', source: 'api', createdAt: expect.any(String) }));
    expect(list.body.keys).toContainEqual({ id: 'acme-admin', scope: 'admin', source: 'config' });
    // Nothing in the Store holds the secret either.
    expect((await t.a.deps.store.get(Keys.admin.key(id)))!).not.toContain(secret);
  });

  it('a key created on instance A works on B; revoked on B, it stops on A and B at once', async () => {
    const created = await t.a.call('POST', '/v1/keys', t.keys.acmeAdmin, { scope: 'admin' });
    const key = created.body.key;
    expect((await t.b.call('GET', '/v1/tenant', key)).body).toMatchObject({ id: 'acme', keyId: created.body.id });
    expect((await t.a.call('GET', '/v1/policies', key)).status).toBe(200);

    const revoked = await t.b.call('DELETE', `/v1/keys/${created.body.id}`, t.keys.acmeAdmin);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: created.body.id, revokedAt: expect.any(String), revokedBy: { tenant: 'acme', keyId: 'acme-admin' } });
    for (const app of [t.a, t.b]) {
      const r = await app.call('GET', '/v1/policies', key);
      expect(r.status).toBe(401);
      expect(r.body.error.reason).toBe('invalid_api_key');
    }
    // Revoking again answers the first revocation.
    const again = await t.a.call('DELETE', `/v1/keys/${created.body.id}`, t.keys.acmeAdmin);
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
    const audit = (await t.a.call('GET', '/v1/audit', t.keys.acmeAdmin)).body.entries.filter((e: any) => e.target.id === created.body.id);
    expect(audit.map((e: any) => e.action)).toEqual(['key.revoke', 'key.create']);
  });

  it('a revoked sponsor key stops working for SNIP-29 on the other instance', async () => {
    const created = await t.a.call('POST', '/v1/keys', t.keys.acmeAdmin, { scope: 'sponsor' });
    expect((await t.b.buildError(created.body.key))?.code).not.toBe(-32001);
    await t.a.call('DELETE', `/v1/keys/${created.body.id}`, t.keys.acmeAdmin);
    expect(await t.b.buildError(created.body.key)).toMatchObject({ code: -32001, data: { reason: 'invalid_api_key' } });
  });

  it('config keys can be revoked too; the last active admin key cannot', async () => {
    const spare = (await t.a.call('POST', '/v1/keys', t.keys.globexAdmin, { scope: 'admin' })).body;
    const r = await t.a.call('DELETE', '/v1/keys/globex-admin', spare.key);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: 'globex-admin', source: 'config', revokedAt: expect.any(String) });
    expect((await t.b.call('GET', '/v1/tenant', t.keys.globexAdmin)).status).toBe(401);
    expect((await t.b.call('GET', '/v1/keys', spare.key)).body.keys).toContainEqual(expect.objectContaining({ id: 'globex-admin', revokedAt: expect.any(String) }));

    const last = await t.b.call('DELETE', `/v1/keys/${spare.id}`, spare.key);
    expect(last.status).toBe(409);
    expect(last.body.error.reason).toBe('last_admin_key');
    expect((await t.a.call('GET', '/v1/tenant', spare.key)).status).toBe(200);
  });

  it('validates the body with paths', async () => {
    const r = await t.a.call('POST', '/v1/keys', t.keys.acmeAdmin, { scope: 'operator' });
    expect(r.status).toBe(400);
    expect(r.body.error.path).toBe('scope');
  });
});

describe('operator-created tenants', () => {
  it('a tenant created on A gets an admin key that works on B, with its own policies and file templates', async () => {
    const created = await t.a.call('POST', '/v1/tenants', t.keys.operator, { id: 'initech', name: 'Initech', policies: ['job-submission'] });
    expect(created.status).toBe(201);
    const adminKey = created.body.adminKey.key;
    expect(created.body.adminKey).toMatchObject({ scope: 'admin', createdBy: { tenant: '@operator', keyId: 'op-1' } });

    expect((await t.b.call('GET', '/v1/tenant', adminKey)).body).toMatchObject({ id: 'initech', source: 'api', policies: ['job-submission'] });
    const list = await t.b.call('GET', '/v1/policies', adminKey);
    expect(list.body.policies.map((p: any) => p.id)).toEqual(['job-submission']);
    expect((await t.b.call('POST', '/v1/policies', adminKey, jobsPolicy({ id: 'initech-jobs' }))).status).toBe(201);
    expect((await t.a.call('GET', '/v1/policies/initech-jobs', t.keys.acmeAdmin)).status).toBe(404);

    const sponsor = (await t.b.call('POST', '/v1/keys', adminKey, { scope: 'sponsor' })).body;
    expect((await t.a.call('GET', '/v1/policies', sponsor.key)).status).toBe(403);
    const tenants = (await t.b.call('GET', '/v1/tenants', t.keys.operator)).body.tenants;
    expect(tenants).toContainEqual({ id: 'initech', name: 'Initech', policies: ['job-submission'], source: 'api' });
  });

  it('refuses duplicates (config or Store) and unknown file policies', async () => {
    expect((await t.a.call('POST', '/v1/tenants', t.keys.operator, { id: 'acme', name: 'Again' })).body.error.reason).toBe('tenant_exists');
    await t.a.call('POST', '/v1/tenants', t.keys.operator, { id: 'hooli', name: 'Hooli' });
    const dup = await t.b.call('POST', '/v1/tenants', t.keys.operator, { id: 'hooli', name: 'Hooli 2' });
    expect(dup.status).toBe(409);
    const unknown = await t.a.call('POST', '/v1/tenants', t.keys.operator, { id: 'umbrella', name: 'U', policies: ['nope'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ reason: 'unknown_policy', path: 'policies[0]' });
    expect((await t.a.call('POST', '/v1/tenants', t.keys.operator, { id: 'Bad Id', name: 'x' })).body.error.path).toBe('id');
  });

  it('two instances revoking the last two admin keys at once leave one working: the check is atomic', async () => {
    const created = await t.a.call('POST', '/v1/tenants', t.keys.operator, { id: 'racer', name: 'Racer' });
    expect(created.status).toBe(201);
    const first = created.body.adminKey;
    const second = (await t.a.call('POST', '/v1/keys', first.key, { scope: 'admin' })).body;
    for (let round = 0; round < 3; round++) {
      const [x, y] = await Promise.all([
        t.a.call('DELETE', `/v1/keys/${second.id}`, first.key),
        t.b.call('DELETE', `/v1/keys/${first.id}`, second.key),
      ]);
      const statuses = [x.status, y.status].sort();
      // One revocation wins; the other finds it would remove the last admin key (or its own key already revoked).
      expect(statuses[0]).toBe(200);
      expect(statuses[1]).not.toBe(200);
      const working = await Promise.all([first.key, second.key].map(async (k) => (await t.a.call('GET', '/v1/tenant', k)).status));
      expect(working.filter((st) => st === 200)).toHaveLength(1);
      if (round < 2) {
        // Start over with a fresh pair for the next round.
        const survivor = working[0] === 200 ? first : second;
        const fresh = (await t.a.call('POST', '/v1/keys', survivor.key, { scope: 'admin' })).body;
        Object.assign(first, survivor);
        Object.assign(second, fresh);
      }
    }
  });

  it('an operator edits and deletes a created tenant; its keys stop working on every instance', async () => {
    const created = (await t.a.call('POST', '/v1/tenants', t.keys.operator, { id: 'umbra', name: 'Umbra' })).body;
    const admin = created.adminKey.key;
    const edited = await t.b.call('PATCH', '/v1/tenants/umbra', t.keys.operator, { name: 'Umbra Corp', policies: ['job-submission'] });
    expect(edited.status).toBe(200);
    expect((await t.a.call('GET', '/v1/tenant', admin)).body).toMatchObject({ name: 'Umbra Corp', policies: ['job-submission'] });
    expect((await t.a.call('PATCH', '/v1/tenants/umbra', t.keys.operator, { policies: ['nope'] })).body.error.reason).toBe('unknown_policy');
    // Tenant admins can't do it, config tenants change in the config, unknown ones are 404.
    expect((await t.a.call('DELETE', '/v1/tenants/umbra', admin)).status).toBe(403);
    expect((await t.a.call('DELETE', '/v1/tenants/acme', t.keys.operator)).body.error.reason).toBe('tenant_from_config');
    expect((await t.a.call('DELETE', '/v1/tenants/nobody', t.keys.operator)).status).toBe(404);

    expect((await t.a.call('DELETE', '/v1/tenants/umbra', t.keys.operator)).status).toBe(204);
    for (const app of [t.a, t.b]) expect((await app.call('GET', '/v1/tenant', admin)).status).toBe(401);
    const tenants = (await t.b.call('GET', '/v1/tenants', t.keys.operator)).body.tenants.map((x: { id: string }) => x.id);
    expect(tenants).not.toContain('umbra');
    // The id is retired: a new tenant under it would inherit the old one's policies, audit log and secrets.
    const again = await t.a.call('POST', '/v1/tenants', t.keys.operator, { id: 'umbra', name: 'Umbra II' });
    expect(again).toMatchObject({ status: 409, body: { error: { reason: 'tenant_exists' } } });
    expect(again.body.error.details).toMatch(/deleted tenant/);
    expect((await t.a.call('DELETE', '/v1/tenants/umbra', t.keys.operator)).status).toBe(404);
  });
});

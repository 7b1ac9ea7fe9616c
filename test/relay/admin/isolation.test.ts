/**
 * Tenants are walled off from each other, and keys from the wrong scope are
 * refused: another tenant's policy or key answers exactly like an unknown
 * one (404), sponsor keys cannot manage, admin keys cannot sponsor
 * (SNIP-29 -32001 wrong_key_scope), operator keys belong to no tenant.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../relay/config.ts';
import { checkConfigTenants } from '../../../relay/tenants/tenants.ts';
import { jobsPolicy, makeApp, makeConfig, memoryStore, tx, type AdminApp, type Keys } from './helpers.ts';

let a: AdminApp;
let keys: Keys;
beforeAll(async () => {
  const made = await makeConfig();
  keys = made.keys;
  a = makeApp(made.config, await memoryStore());
  // Globex owns 'secret-plan' and 'promo'; acme has its own 'jobs'.
  expect((await a.call('POST', '/v1/policies', keys.globexAdmin, jobsPolicy({ id: 'secret-plan' }))).status).toBe(201);
  expect((await a.call('POST', '/v1/policies', keys.globexAdmin, jobsPolicy({ id: 'promo' }))).status).toBe(201);
  expect((await a.call('POST', '/v1/policies', keys.acmeAdmin, jobsPolicy({ id: 'jobs' }))).status).toBe(201);
});

/** The body of a 404 for an id nobody has, to compare other tenants' resources against. */
async function unknownPolicy(path: (id: string) => string, method = 'GET', body?: unknown) {
  const r = await a.call(method, path('no-such-policy'), keys.acmeAdmin, body);
  expect(r.status).toBe(404);
  return r.body.error.reason;
}

describe('cross-tenant access', () => {
  it('reading, listing versions of, updating and deleting another tenant\'s policy are 404s like an unknown id', async () => {
    const read = await a.call('GET', '/v1/policies/secret-plan', keys.acmeAdmin);
    expect(read.status).toBe(404);
    expect(read.body.error.reason).toBe(await unknownPolicy((id) => `/v1/policies/${id}`));
    expect(JSON.stringify(read.body)).not.toContain('Globex');

    expect((await a.call('GET', '/v1/policies/secret-plan/versions', keys.acmeAdmin)).status).toBe(404);
    expect((await a.call('GET', '/v1/policies/secret-plan/versions/1', keys.acmeAdmin)).status).toBe(404);

    const update = await a.call('PUT', '/v1/policies/secret-plan', keys.acmeAdmin, jobsPolicy({ id: 'secret-plan', enabled: false }));
    expect(update.status).toBe(404);
    const del = await a.call('DELETE', '/v1/policies/secret-plan', keys.acmeAdmin);
    expect(del.status).toBe(404);

    // Globex's policy is untouched, still at version 1 and enabled.
    const theirs = await a.call('GET', '/v1/policies/secret-plan', keys.globexAdmin);
    expect(theirs.body).toMatchObject({ version: 1, policy: { enabled: true } });
    const list = await a.call('GET', '/v1/policies', keys.acmeAdmin);
    expect(list.body.policies.map((p: any) => p.id)).not.toContain('secret-plan');
  });

  it('creating a policy with the id another tenant uses makes a separate policy', async () => {
    const mine = await a.call('POST', '/v1/policies', keys.acmeAdmin, jobsPolicy({ id: 'promo', name: 'Acme plan' }));
    expect(mine.status).toBe(201);
    expect(mine.body.version).toBe(1);
    expect((await a.call('GET', '/v1/policies/promo', keys.globexAdmin)).body.policy.name).toBe('Jobs');
    await a.call('DELETE', '/v1/policies/promo', keys.acmeAdmin);
    expect((await a.call('GET', '/v1/policies/promo', keys.globexAdmin)).status).toBe(200);
  });

  it('usage of another tenant\'s policy is a 404', async () => {
    const r = await a.call('GET', '/v1/usage?policy=secret-plan', keys.acmeAdmin);
    expect(r.status).toBe(404);
    expect(r.body.error.reason).toBe('policy_not_found');
    expect((await a.call('GET', '/v1/usage?policy=secret-plan', keys.globexAdmin)).status).toBe(200);
  });

  it('a dry run naming another tenant\'s policy is a 404; the owner can run it', async () => {
    const r = await a.call('POST', '/v1/dry-run', keys.acmeAdmin, tx({ policy: 'secret-plan' }));
    expect(r.status).toBe(404);
    expect(r.body.error.reason).toBe('policy_not_found');
    const own = await a.call('POST', '/v1/dry-run', keys.globexAdmin, tx({ policy: 'secret-plan' }));
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ allow: true, policy: 'secret-plan', evaluated: ['secret-plan'] });
    // Without naming it, acme's decision never considers globex's policies.
    const mine = await a.call('POST', '/v1/dry-run', keys.acmeAdmin, tx());
    expect(mine.body.evaluated).not.toContain('secret-plan');
  });

  it('another tenant\'s key cannot be revoked (404) and keeps working', async () => {
    const r = await a.call('DELETE', '/v1/keys/globex-sponsor', keys.acmeAdmin);
    expect(r.status).toBe(404);
    expect(r.body.error.reason).toBe((await a.call('DELETE', '/v1/keys/nobody-has-this', keys.acmeAdmin)).body.error.reason);
    const created = await a.call('POST', '/v1/keys', keys.globexAdmin, { scope: 'admin' });
    expect((await a.call('DELETE', `/v1/keys/${created.body.id}`, keys.acmeAdmin)).status).toBe(404);
    expect((await a.call('GET', '/v1/tenant', created.body.key)).body.id).toBe('globex');
    const acmeKeys = (await a.call('GET', '/v1/keys', keys.acmeAdmin)).body.keys.map((k: any) => k.id);
    expect(acmeKeys).not.toContain(created.body.id);
    expect(acmeKeys).not.toContain('globex-sponsor');
  });

  it('audit logs are per tenant', async () => {
    const mine = (await a.call('GET', '/v1/audit', keys.acmeAdmin)).body.entries;
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((e: any) => e.who.tenant === 'acme')).toBe(true);
  });
});

describe('key scopes', () => {
  const adminRoutes: [string, string, unknown?][] = [
    ['GET', '/v1/policies'],
    ['POST', '/v1/policies', jobsPolicy({ id: 'by-sponsor' })],
    ['GET', '/v1/policies/jobs'],
    ['PUT', '/v1/policies/jobs', jobsPolicy({ id: 'jobs' })],
    ['DELETE', '/v1/policies/jobs'],
    ['GET', '/v1/policies/jobs/versions'],
    ['GET', '/v1/audit'],
    ['GET', '/v1/usage'],
    ['POST', '/v1/dry-run', tx()],
    ['GET', '/v1/keys'],
    ['POST', '/v1/keys', { scope: 'admin' }],
    ['DELETE', '/v1/keys/acme-admin'],
    ['GET', '/v1/tenant'],
  ];

  it('sponsor and operator keys are refused on every admin route (403), missing and bad keys too (401)', async () => {
    for (const [method, path, body] of adminRoutes) {
      for (const key of [keys.acmeSponsor, keys.operator]) {
        const r = await a.call(method, path, key, body);
        expect(r.status, `${method} ${path}`).toBe(403);
        expect(r.body.error.reason).toBe('wrong_key_scope');
      }
      const none = await a.call(method, path, undefined, body);
      expect(none.status, `${method} ${path}`).toBe(401);
      expect(none.body.error.reason).toBe('missing_api_key');
      const bad = await a.call(method, path, keys.acmeAdmin.replace(/.$/, (c) => (c === '0' ? '1' : '0')), body);
      expect(bad.status).toBe(401);
      expect(bad.body.error.reason).toBe('invalid_api_key');
    }
    // Nothing the refused calls tried happened.
    expect((await a.call('GET', '/v1/policies/jobs', keys.acmeAdmin)).body.version).toBe(1);
    expect((await a.call('GET', '/v1/policies/by-sponsor', keys.acmeAdmin)).status).toBe(404);
  });

  it('authentication runs before validation: a bad body from a sponsor key is still a 403', async () => {
    const r = await a.call('POST', '/v1/policies', keys.acmeSponsor, { nonsense: true });
    expect(r.status).toBe(403);
  });

  it('tenant keys are refused on operator routes; the operator key works there', async () => {
    for (const key of [keys.acmeAdmin, keys.acmeSponsor]) {
      expect((await a.call('POST', '/v1/tenants', key, { id: 'evil', name: 'Evil' })).status).toBe(403);
      expect((await a.call('GET', '/v1/tenants', key)).status).toBe(403);
    }
    const list = await a.call('GET', '/v1/tenants', keys.operator);
    expect(list.body.tenants.map((t: any) => t.id)).toEqual(expect.arrayContaining(['acme', 'globex']));
    expect(list.body.tenants.map((t: any) => t.id)).not.toContain('evil');
  });

  it('SNIP-29 refuses admin keys with -32001 wrong_key_scope and accepts sponsor keys', async () => {
    expect(await a.buildError(keys.acmeAdmin)).toMatchObject({ code: -32001, data: { reason: 'wrong_key_scope' } });
    expect(await a.buildError(keys.operator)).toMatchObject({ code: -32001, data: { reason: 'wrong_key_scope' } });
    // The sponsor key gets past authentication (what fails next is the missing chain, not the key).
    expect((await a.buildError(keys.acmeSponsor))?.code).not.toBe(-32001);
  });
});

describe('tenant ids across config changes (an operator removing or adding a config tenant)', () => {
  it("a config tenant's id, taken out of the config, is not handed to a new API tenant with its policies and audit log", async () => {
    const { config, keys: k } = await makeConfig();
    const store = await memoryStore();
    const before = makeApp(config, store);
    expect((await before.call('POST', '/v1/policies', k.globexAdmin, jobsPolicy({ id: 'secret-plan' }))).status).toBe(201);
    const after = makeApp(parseConfig({ ...config, tenants: config.tenants.filter((t) => t.id !== 'globex') }), store);
    const reused = await after.call('POST', '/v1/tenants', k.operator, { id: 'globex', name: 'New Globex', policies: [] });
    expect(reused.status).toBe(409);
    expect(reused.body.error).toMatchObject({ reason: 'tenant_exists', details: expect.stringMatching(/never reused/) });
    // An id with no history is free.
    expect((await after.call('POST', '/v1/tenants', k.operator, { id: 'fresh-co', name: 'Fresh', policies: [] })).status).toBe(201);
  });

  it('a config tenant added with an API tenant\'s id stops the relay from starting, instead of letting that tenant\'s keys act on it', async () => {
    const { config, keys: k } = await makeConfig();
    const store = await memoryStore();
    const a1 = makeApp(config, store);
    expect((await a1.call('POST', '/v1/tenants', k.operator, { id: 'initech', name: 'Initech (API)', policies: [] })).status).toBe(201);
    const clashing = parseConfig({ ...config, tenants: [...config.tenants, { id: 'initech', name: 'Initech (config)', apiKeys: [], policies: [] }] });
    const err = await checkConfigTenants(makeApp(clashing, store).deps.tenants.directory).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues).toEqual([{ path: 'tenants[2].id', message: expect.stringMatching(/'initech' is \(or was\) a tenant created through the admin API/) }]);
    await expect(checkConfigTenants(a1.deps.tenants.directory)).resolves.toBeUndefined();
  });
});

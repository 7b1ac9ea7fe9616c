/**
 * Policy CRUD through the admin API, on the memory store and a real Redis:
 * every change is a version (kept, listed newest first) and an audit entry
 * saying who (tenant + key id), when and what changed (JSON diff).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Keys as StoreKeys } from '../../../relay/store/keys.ts';
import { jobsPolicy, makeApp, makeConfig, tx, useBackends, type AdminApp, type Keys } from './helpers.ts';

const backends = useBackends();

const isoRecent = (s: string) => {
  expect(Math.abs(Date.parse(s) - Date.now())).toBeLessThan(60_000);
};

describe.each(backends)('policy CRUD on $name', (backend) => {
  let a: AdminApp;
  let keys: Keys;
  beforeAll(async () => {
    const made = await makeConfig();
    keys = made.keys;
    a = makeApp(made.config, await backend.make());
  });
  let n = 0;
  const freshId = () => `p${++n}-${backend.name}`;

  it('create, update, delete: versions and audit entries with who, when and diff', async () => {
    const id = freshId();
    const created = await a.call('POST', '/v1/policies', keys.acmeAdmin, jobsPolicy({ id }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id, source: 'api', version: 1, updatedBy: { tenant: 'acme', keyId: 'acme-admin' } });
    expect(created.headers.get('etag')).toBe('"1"');

    const updated = await a.call('PUT', `/v1/policies/${id}`, keys.acmeAdmin, jobsPolicy({ id, name: 'Jobs v2', priority: 7 }));
    expect(updated.status).toBe(200);
    expect(updated.body.version).toBe(2);
    expect((await a.call('GET', `/v1/policies/${id}`, keys.acmeAdmin)).body).toMatchObject({ version: 2, policy: { name: 'Jobs v2', priority: 7 } });

    const deleted = await a.call('DELETE', `/v1/policies/${id}`, keys.acmeAdmin);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ version: 3, op: 'delete', policy: null });
    expect((await a.call('GET', `/v1/policies/${id}`, keys.acmeAdmin)).status).toBe(404);

    const versions = await a.call('GET', `/v1/policies/${id}/versions`, keys.acmeAdmin);
    expect(versions.status).toBe(200);
    expect(versions.body.latest).toBe(3);
    expect(versions.body.versions.map((v: any) => [v.version, v.op])).toEqual([[3, 'delete'], [2, 'update'], [1, 'create']]);
    // Each version is kept in full.
    expect(versions.body.versions[2].policy.name).toBe('Jobs');
    expect(versions.body.versions[1].policy.name).toBe('Jobs v2');
    const v1 = await a.call('GET', `/v1/policies/${id}/versions/1`, keys.acmeAdmin);
    expect(v1.body.policy).toMatchObject({ id, name: 'Jobs', priority: 0 });

    const audit = (await a.call('GET', '/v1/audit', keys.acmeAdmin)).body.entries.filter((e: any) => e.target.id === id);
    expect(audit.map((e: any) => e.action)).toEqual(['policy.delete', 'policy.update', 'policy.create']);
    for (const e of audit) {
      expect(e.who).toEqual({ tenant: 'acme', keyId: 'acme-admin' });
      isoRecent(e.at);
    }
    const [del, upd, cre] = audit;
    expect(cre.diff).toEqual([{ op: 'add', path: '', value: expect.objectContaining({ id, name: 'Jobs' }) }]);
    expect(upd.diff).toEqual([
      { op: 'replace', path: '/name', from: 'Jobs', value: 'Jobs v2' },
      { op: 'replace', path: '/priority', from: 0, value: 7 },
    ]);
    expect(del.diff).toEqual([{ op: 'remove', path: '', from: expect.objectContaining({ name: 'Jobs v2' }) }]);
    expect(del.version).toBe(3);
  });

  it('re-creating a deleted policy continues its version history', async () => {
    const id = freshId();
    await a.call('POST', '/v1/policies', keys.acmeAdmin, jobsPolicy({ id }));
    await a.call('DELETE', `/v1/policies/${id}`, keys.acmeAdmin);
    const again = await a.call('POST', '/v1/policies', keys.acmeAdmin, jobsPolicy({ id, name: 'Back' }));
    expect(again.status).toBe(201);
    expect(again.body.version).toBe(3);
    expect((await a.call('GET', `/v1/policies/${id}/versions`, keys.acmeAdmin)).body.versions).toHaveLength(3);
  });

  it('If-Match: a stale version is a 409 and changes nothing; the right one succeeds', async () => {
    const id = freshId();
    await a.call('POST', '/v1/policies', keys.acmeAdmin, jobsPolicy({ id }));
    await a.call('PUT', `/v1/policies/${id}`, keys.acmeAdmin, jobsPolicy({ id, name: 'two' }));
    const stale = await a.call('PUT', `/v1/policies/${id}`, keys.acmeAdmin, jobsPolicy({ id, name: 'lost' }), { 'if-match': '"1"' });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ reason: 'version_conflict', expected: 1, current: 2 });
    expect((await a.call('GET', `/v1/policies/${id}`, keys.acmeAdmin)).body.policy.name).toBe('two');
    const staleDelete = await a.call('DELETE', `/v1/policies/${id}`, keys.acmeAdmin, undefined, { 'if-match': '1' });
    expect(staleDelete.status).toBe(409);
    const ok = await a.call('PUT', `/v1/policies/${id}`, keys.acmeAdmin, jobsPolicy({ id, name: 'three' }), { 'if-match': 'W/"2"' });
    expect(ok.status).toBe(200);
    expect(ok.body.version).toBe(3);
  });

  it('concurrent writers: with one If-Match exactly one wins; without, all land as consecutive versions', async () => {
    const id = freshId();
    await a.call('POST', '/v1/policies', keys.acmeAdmin, jobsPolicy({ id }));
    const racers = await Promise.all(
      Array.from({ length: 4 }, (_, i) => a.call('PUT', `/v1/policies/${id}`, keys.acmeAdmin, jobsPolicy({ id, name: `racer ${i}` }), { 'if-match': '"1"' })),
    );
    expect(racers.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);

    const blind = await Promise.all(
      Array.from({ length: 4 }, (_, i) => a.call('PUT', `/v1/policies/${id}`, keys.acmeAdmin, jobsPolicy({ id, name: `blind ${i}` }))),
    );
    expect(blind.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(blind.map((r) => r.body.version).sort()).toEqual([3, 4, 5, 6]);
    const versions = (await a.call('GET', `/v1/policies/${id}/versions?limit=3&offset=1`, keys.acmeAdmin)).body.versions;
    expect(versions.map((v: any) => v.version)).toEqual([5, 4, 3]);
    const names = (await a.call('GET', `/v1/policies/${id}/versions`, keys.acmeAdmin)).body.versions.map((v: any) => v.policy.name);
    expect(new Set(names).size).toBe(6);

    const creates = await Promise.all(Array.from({ length: 3 }, () => a.call('POST', '/v1/policies', keys.acmeAdmin, jobsPolicy({ id: `${id}-c` }))));
    expect(creates.map((r) => r.status).sort()).toEqual([201, 409, 409]);
  });

  it('create on an existing id is a 409; update of an unknown id is a 404', async () => {
    const id = freshId();
    await a.call('POST', '/v1/policies', keys.acmeAdmin, jobsPolicy({ id }));
    const dup = await a.call('POST', '/v1/policies', keys.acmeAdmin, jobsPolicy({ id }));
    expect(dup.status).toBe(409);
    expect(dup.body.error.reason).toBe('policy_exists');
    const missing = await a.call('PUT', '/v1/policies/nope-never', keys.acmeAdmin, jobsPolicy({ id: 'nope-never' }));
    expect(missing.status).toBe(404);
    expect((await a.call('DELETE', '/v1/policies/nope-never', keys.acmeAdmin)).status).toBe(404);
  });

  it('file templates: listed read-only, overridden per tenant by PUT, restored by deleting the override', async () => {
    const list = await a.call('GET', '/v1/policies', keys.acmeAdmin);
    expect(list.body.policies).toContainEqual(expect.objectContaining({ id: 'job-submission', source: 'file', version: 0 }));
    const file = await a.call('GET', '/v1/policies/job-submission', keys.acmeAdmin);
    expect(file.body).toMatchObject({ source: 'file', version: 0 });
    expect((await a.call('DELETE', '/v1/policies/job-submission', keys.acmeAdmin)).body.error.reason).toBe('policy_from_file');

    const override = await a.call('PUT', '/v1/policies/job-submission', keys.acmeAdmin, { ...file.body.policy, enabled: false }, { 'if-match': '"0"' });
    expect(override.status).toBe(200);
    expect(override.body).toMatchObject({ source: 'api', version: 1, policy: { enabled: false } });
    const v1 = (await a.call('GET', '/v1/policies/job-submission/versions/1', keys.acmeAdmin)).body;
    expect(v1).toMatchObject({ basedOn: 'file', diff: [{ op: 'replace', path: '/enabled', from: true, value: false }] });
    // Another tenant that does not reference the template never sees it.
    expect((await a.call('GET', '/v1/policies/job-submission', keys.globexAdmin)).status).toBe(404);

    await a.call('DELETE', '/v1/policies/job-submission', keys.acmeAdmin);
    const back = await a.call('GET', '/v1/policies/job-submission', keys.acmeAdmin);
    expect(back.body).toMatchObject({ source: 'file', version: 2, policy: { enabled: true } });
  });

  it('an override this relay cannot read still hides its template (it grants nothing, and nor does the template)', async () => {
    const file = await a.call('GET', '/v1/policies/job-submission', keys.acmeAdmin);
    expect((await a.call('PUT', '/v1/policies/job-submission', keys.acmeAdmin, { ...file.body.policy, enabled: false })).status).toBe(200);
    // A stored record from a newer relay (a schema this one does not know), or damaged.
    const key = StoreKeys.admin.policy('acme', 'job-submission');
    const head = JSON.parse((await a.deps.store.get(key))!) as { policy: Record<string, unknown> };
    await a.deps.store.set(key, JSON.stringify({ ...head, policy: { ...head.policy, schemaVersion: 99 } }));
    await a.deps.store.incr(StoreKeys.admin.policyRev('acme'), 1);
    const dry = await a.call('POST', '/v1/dry-run', keys.acmeAdmin, tx());
    // Before: the file template came back, enabled, in the unreadable override's place.
    expect(dry.body.evaluated).not.toContain('job-submission');
    await a.call('DELETE', '/v1/policies/job-submission', keys.acmeAdmin);
  });

  it('validation errors are 400s naming the path, in body, query, path params and headers', async () => {
    const typo = await a.call('POST', '/v1/policies', keys.acmeAdmin, { ...jobsPolicy({ id: freshId() }), rules: { alow: [] } });
    expect(typo.status).toBe(400);
    expect(typo.body.error).toMatchObject({ reason: 'invalid_request', path: 'rules.alow' });

    const badContract = jobsPolicy({ id: freshId() });
    (badContract.rules.allow as any)[0].contract = 'Not A Contract';
    const deep = await a.call('POST', '/v1/policies', keys.acmeAdmin, badContract);
    expect(deep.status).toBe(400);
    expect(deep.body.error.issues.map((i: any) => i.path)).toContain('rules.allow[0].contract');

    // Bounds compared beside one that is not a number: was a 500 internal_error.
    const badBound = jobsPolicy({ id: freshId() });
    (badBound.rules.allow as any)[0].calldata = [{ index: 0, min: 'abc', max: '1' }];
    const bound = await a.call('POST', '/v1/policies', keys.acmeAdmin, badBound);
    expect(bound.status).toBe(400);
    expect(bound.body.error.issues.map((i: any) => i.path)).toContain('rules.allow[0].calldata[0].min');

    const mismatch = await a.call('PUT', '/v1/policies/other-id', keys.acmeAdmin, jobsPolicy({ id: 'jobs' }));
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error).toMatchObject({ reason: 'id_mismatch', path: 'id' });

    const badParam = await a.call('GET', '/v1/policies/Bad_Id', keys.acmeAdmin);
    expect(badParam.status).toBe(400);
    expect(badParam.body.error.path).toBe('path.id');

    const badQuery = await a.call('GET', '/v1/audit?limit=0', keys.acmeAdmin);
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error.path).toBe('query.limit');

    const badHeader = await a.call('PUT', '/v1/policies/x-y', keys.acmeAdmin, jobsPolicy({ id: 'x-y' }), { 'if-match': 'soon' });
    expect(badHeader.status).toBe(400);
    expect(badHeader.body.error.path).toBe('header.if-match');

    const notJson = await a.call('POST', '/v1/policies', keys.acmeAdmin, '{"schemaVersion":');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.reason).toBe('invalid_json');
    const wrongType = await a.call('POST', '/v1/policies', keys.acmeAdmin, undefined, { 'content-type': 'text/plain' });
    expect(wrongType.status).toBeGreaterThanOrEqual(400);
    expect(wrongType.status).toBeLessThan(500);
  });

  it('usage validates its query without 5xx: both policy and sender, impossible days, ranges', async () => {
    const both = await a.call('GET', '/v1/usage?policy=job-submission&sender=0x1', keys.acmeAdmin);
    expect(both.status).toBe(400);
    expect(both.body.error.path).toBe('query.sender');
    expect((await a.call('GET', '/v1/usage?from=2025-02-30', keys.acmeAdmin)).body.error.path).toBe('query.from');
    expect((await a.call('GET', '/v1/usage?from=2025-03-02&to=2025-03-01', keys.acmeAdmin)).body.error.path).toBe('query.to');
    expect((await a.call('GET', '/v1/usage?from=2025-01-01&to=2025-12-31', keys.acmeAdmin)).status).toBe(400);
    expect((await a.call('GET', '/v1/usage?sender=nothex', keys.acmeAdmin)).body.error.path).toBe('query.sender');
    const range = await a.call('GET', '/v1/usage?from=2025-01-30&to=2025-02-02&policy=job-submission', keys.acmeAdmin);
    expect(range.status).toBe(200);
    expect(range.body.days.map((d: any) => d.day)).toEqual(['2025-01-30', '2025-01-31', '2025-02-01', '2025-02-02']);
    expect(range.body.total).toEqual({ txs: 0, fee: '0' });
  });
});

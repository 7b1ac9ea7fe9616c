/**
 * The OpenAPI document is generated from the same zod schemas that validate
 * requests: it must be valid JSON, document every admin route the app
 * actually serves (compared against the app's route table, so a new route
 * without a definition fails here), and resolve every $ref.
 */
import { beforeAll, expect, it } from 'vitest';
import { makeApp, makeConfig, memoryStore, type AdminApp } from './helpers.ts';

let a: AdminApp;
let doc: any;
beforeAll(async () => {
  a = makeApp((await makeConfig()).config, await memoryStore());
  const res = await a.app.request('/v1/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  doc = JSON.parse(await res.text());
});

/** Admin routes as the app serves them: `{ method, path }` in OpenAPI notation, relative to /v1. */
function servedRoutes(): { method: string; path: string }[] {
  const out = new Map<string, { method: string; path: string }>();
  for (const r of a.app.routes) {
    if (r.method === 'ALL' || !r.path.startsWith('/v1/')) continue;
    if (r.path === '/v1/contracts' || r.path === '/v1/openapi.json') continue;
    const path = r.path.slice('/v1'.length).replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    out.set(`${r.method} ${path}`, { method: r.method.toLowerCase(), path });
  }
  return [...out.values()];
}

it('is an OpenAPI 3 document with info, servers and both key schemes', () => {
  expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
  expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
  expect(doc.servers).toEqual([{ url: '/v1' }]);
  expect(doc.components.securitySchemes).toMatchObject({
    adminKey: { type: 'apiKey', in: 'header', name: 'x-paymaster-api-key' },
    operatorKey: { type: 'apiKey', in: 'header', name: 'x-paymaster-api-key' },
  });
});

it('documents every admin route the app serves, each with responses and a security requirement', () => {
  const routes = servedRoutes();
  expect(routes.length).toBeGreaterThanOrEqual(15);
  for (const { method, path } of routes) {
    const op = doc.paths[path]?.[method];
    expect(op, `${method.toUpperCase()} ${path} is missing from the document`).toBeDefined();
    expect(Object.keys(op.responses).length).toBeGreaterThan(1);
    expect(op.security?.length, `${method} ${path} security`).toBe(1);
    expect(op.responses['401']).toBeDefined();
  }
  // And nothing documented that is not served.
  const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops as object).map((m) => `${m} ${p}`));
  expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
});

it('describes the policy body from the policy schema, and path parameters', () => {
  const policy = doc.components.schemas.Policy;
  expect(policy.type).toBe('object');
  expect(policy.required).toEqual(expect.arrayContaining(['schemaVersion', 'id', 'name', 'enabled', 'rules']));
  expect(Object.keys(policy.properties.rules.properties)).toEqual(expect.arrayContaining(['allow', 'budgets', 'rateLimits', 'tiers', 'webhook']));
  const put = doc.paths['/policies/{id}'].put;
  expect(put.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/Policy');
  expect(put.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path', required: true })]));
  expect(put.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'if-match', in: 'header' })]));
  expect(doc.paths['/policies/{id}/versions/{version}'].get.parameters.map((p: any) => p.name).sort()).toEqual(['id', 'version']);
});

it('resolves every $ref', () => {
  const refs: string[] = [];
  JSON.stringify(doc, (k, v) => {
    if (k === '$ref') refs.push(v);
    return v;
  });
  expect(refs.length).toBeGreaterThan(10);
  for (const ref of new Set(refs)) {
    const target = ref.replace(/^#\//, '').split('/').reduce((o: any, seg) => o?.[seg], doc);
    expect(target, ref).toBeDefined();
  }
});

it('needs no key', async () => {
  const res = await a.app.request('/v1/openapi.json', { headers: { 'x-paymaster-api-key': 'junk' } });
  expect(res.status).toBe(200);
});

/**
 * Policy loading: the shipped examples load, and a broken file stops the
 * load with its name and the path of the first problem.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPolicyFiles } from '../../../relay/entry/policyFiles.ts';
import { parsePolicyOrThrow, PolicyLoadError, PolicyTemplates } from '../../../relay/tenants/templates.ts';
import { policy, tenant } from '../sponsorship/helpers.ts';

const EXAMPLES = join(import.meta.dirname, '../../../policies/examples');

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dirWith(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ciro-policies-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

const valid = { schemaVersion: 1, id: 'ok', name: 'OK', enabled: true, rules: {} };

describe('loadPolicyFiles', () => {
  it('loads the shipped examples', () => {
    const registry = new PolicyTemplates(loadPolicyFiles(EXAMPLES));
    expect(registry.list().map((p) => p.id)).toEqual(['job-submission', 'subscription-tiers', 'worker-rewards', 'worker-sessions']);
    expect(registry.get('worker-rewards')?.rules.reputation?.minReputation).toBe(300);
  });

  it('reads only .json files, in name order', () => {
    const dir = dirWith({ 'b.json': { ...valid, id: 'bee' }, 'a.json': { ...valid, id: 'ay' }, 'notes.txt': 'hello' });
    expect(loadPolicyFiles(dir).map((p) => p.id)).toEqual(['ay', 'bee']);
  });

  it.each([
    ['a schema issue', { 'bad.json': { ...valid, rules: { alow: [] } } }, 'bad.json', 'rules.alow', /unknown field 'alow'/],
    ['a nested schema issue', { 'bad.json': { ...valid, rules: { allow: [{ contract: 'NotAName', selectors: ['x'] }] } } }, 'bad.json', 'rules.allow[0].contract', /manifest name/],
    ['invalid JSON', { 'bad.json': '{ "schemaVersion": 1,' }, 'bad.json', '', /invalid JSON/],
    ['a duplicate id', { 'a.json': valid, 'b.json': valid }, 'b.json', 'id', /already used by .*a\.json/],
  ])('fails on %s with the file name and path', (_what, files, file, path, message) => {
    const dir = dirWith(files);
    let err: unknown;
    try {
      loadPolicyFiles(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PolicyLoadError);
    const e = err as PolicyLoadError;
    expect(e.source).toBe(join(dir, file));
    expect(e.issues[0]!.path).toBe(path);
    expect(e.issues[0]!.message).toMatch(message);
    expect(e.message).toContain(file);
    if (path) expect(e.message).toContain(path);
  });
});

describe('PolicyTemplates', () => {
  it("resolves a tenant's ids, reporting the unknown ones", () => {
    const registry = new PolicyTemplates([policy({ id: 'a' }), policy({ id: 'b', enabled: false })]);
    const t = tenant(['b', 'a', 'ghost', 'a']);
    expect(registry.forTenant(t).map((p) => p.id)).toEqual(['b', 'a']);
    expect(registry.missing(t)).toEqual(['ghost']);
  });

  it('refuses duplicate ids at construction, and finds a template only for tenants that reference it', () => {
    expect(() => new PolicyTemplates([policy({ id: 'a' }), policy({ id: 'a' })])).toThrow(/duplicate policy id 'a'/);
    const templates = new PolicyTemplates([policy({ id: 'a', name: 'first' }), policy({ id: 'b' })]);
    expect(templates.size).toBe(2);
    expect(templates.forTenantId(tenant(['a']), 'a')?.name).toBe('first');
    expect(templates.forTenantId(tenant(['a']), 'b')).toBeUndefined();
    expect(() => parsePolicyOrThrow({ ...valid, id: 'a', enabled: 'yes' }, 'admin')).toThrow(PolicyLoadError);
  });
});

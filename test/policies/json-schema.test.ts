/**
 * policies/policy.schema.json is generated from PolicySchema and committed so
 * editors and non-TS tooling can use it. This test fails when the two drift;
 * regenerate with `npx vitest run test/policies/json-schema.test.ts -u`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { policyJsonSchema } from '../../policies/index.ts';

const FILE = fileURLToPath(new URL('../../policies/policy.schema.json', import.meta.url));

describe('policy.schema.json', () => {
  it('is committed', () => {
    // Without this, a missing file would be silently written by the snapshot check outside CI.
    expect(existsSync(FILE)).toBe(true);
  });

  it('equals the schema generated from PolicySchema', async () => {
    await expect(JSON.stringify(policyJsonSchema(), null, 2) + '\n').toMatchFileSnapshot(FILE);
  });

  it('describes the authoring side: strict objects, version pinned, defaults optional', () => {
    const s = policyJsonSchema() as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { const?: unknown; additionalProperties?: boolean; properties?: Record<string, unknown> }>;
    };
    expect(s.additionalProperties).toBe(false);
    expect(s.properties.schemaVersion?.const).toBe(1);
    expect(s.properties.rules?.additionalProperties).toBe(false);
    expect(s.required).toEqual(expect.arrayContaining(['schemaVersion', 'id', 'name', 'enabled', 'rules']));
    expect(s.required).not.toContain('priority');
    expect(Object.keys(s.properties.rules?.properties ?? {}).sort()).toEqual(
      ['allow', 'budgets', 'deployments', 'feeModes', 'rateLimits', 'reputation', 'senders', 'sessions', 'tiers', 'timeWindow', 'webhook'],
    );
  });
});

/** Schema validation: defaults, and every kind of authoring mistake rejected with a precise path. */
import { describe, expect, it } from 'vitest';
import { PolicyRequestSchema, PolicySchema, parsePolicy, zodIssues, type PolicyInput } from '../../policies/index.ts';
import { MAX_ISSUES } from '../../policies/issues.ts';

const base = { schemaVersion: 1, id: 'p', name: 'P', enabled: true, rules: {} } as const;
const withRules = (rules: Record<string, unknown>) => ({ ...base, rules });
const allowEntry = (e: Record<string, unknown>) => withRules({ allow: [{ contract: 'cdc_pool', selectors: ['heartbeat'], ...e }] });
const tiers = (t: Record<string, unknown>) =>
  withRules({ tiers: { default: 'free', tiers: { free: { period: 'day', maxTxs: 1 } }, ...t } });

describe('PolicySchema', () => {
  it('applies defaults to a minimal policy', () => {
    const p = PolicySchema.parse(base);
    expect(p.priority).toBe(0);
    expect(p.rules.feeModes).toEqual(['sponsored']);
  });

  it('applies rule defaults', () => {
    const p = PolicySchema.parse(
      withRules({
        webhook: { url: 'https://h.example.com', secretRef: 'S' },
        reputation: { minReputation: 1 },
        rateLimits: [{ key: 'policy', points: 1, durationSeconds: 1 }],
        allow: [{ contract: '0x1', selectors: ['a'], calldata: [{ index: 0, max: '1' }] }],
      }),
    );
    expect(p.rules.webhook).toMatchObject({ timeoutMs: 2000, failOpen: false });
    expect(p.rules.reputation?.cacheTtlSeconds).toBe(300);
    expect(p.rules.rateLimits?.[0]?.window).toBe('fixed');
    expect(p.rules.allow?.[0]?.calldata?.[0]?.type).toBe('felt');
  });

  const TOO_BIG_ADDRESS = '0x' + (2n ** 251n).toString(16);
  const rows: Array<[string, unknown, string, RegExp]> = [
    ['bad sender address', withRules({ senders: { allow: ['0xZZ'] } }), 'rules.senders.allow[0]', /hex address/],
    ['address above 2^251', withRules({ senders: { deny: [TOO_BIG_ADDRESS] } }), 'rules.senders.deny[0]', /2\^251/],
    ['contract neither address nor name', allowEntry({ contract: 'CDC-Pool' }), 'rules.allow[0].contract', /manifest name/],
    ['selector that is not an identifier', allowEntry({ selectors: ['claim rewards'] }), 'rules.allow[0].selectors[0]', /entrypoint/],
    ['empty selectors', allowEntry({ selectors: [] }), 'rules.allow[0].selectors', /.+/],
    ['unknown rule field', withRules({ alow: [] }), 'rules.alow', /unknown field 'alow'/],
    ['unknown top-level field', { ...base, priorty: 1 }, 'priorty', /unknown field/],
    ['unknown field inside a rule', withRules({ budgets: { perOperation: { maxFee: '1', cap: 2 } } }), 'rules.budgets.perOperation.cap', /unknown field/],
    ['schemaVersion 2', { ...base, schemaVersion: 2 }, 'schemaVersion', /.+/],
    ['id not a slug', { ...base, id: 'Worker Rewards' }, 'id', /slug/],
    ['enabled missing', { ...base, enabled: undefined }, 'enabled', /.+/],
    ['amount as number', withRules({ budgets: { perOperation: { maxFee: 5 } } }), 'rules.budgets.perOperation.maxFee', /.+/],
    ['amount with leading zero', withRules({ budgets: { perOperation: { maxFee: '05' } } }), 'rules.budgets.perOperation.maxFee', /decimal/],
    ['amount above u128', withRules({ budgets: { perOperation: { maxFee: (2n ** 128n).toString() } } }), 'rules.budgets.perOperation.maxFee', /u128/],
    ['empty budgets', withRules({ budgets: {} }), 'rules.budgets', /budgets needs/],
    ['calldata constraint without bounds', allowEntry({ calldata: [{ index: 0 }] }), 'rules.allow[0].calldata[0]', /min, max or equals/],
    ['calldata min above max', allowEntry({ calldata: [{ index: 0, min: '5', max: '4' }] }), 'rules.allow[0].calldata[0].min', /greater than max/],
    // The min/max comparison runs even when one of them is not a number: it must report, not throw (was a 500).
    ['calldata min not decimal beside a max', allowEntry({ calldata: [{ index: 0, min: 'abc', max: '1' }] }), 'rules.allow[0].calldata[0].min', /decimal/],
    ['calldata max a manifest name beside a min', allowEntry({ calldata: [{ index: 0, min: '1', max: 'job_mgr' }] }), 'rules.allow[0].calldata[0].max', /decimal/],
    ['calldata bounds of 120,000 digits', allowEntry({ calldata: [{ index: 0, min: '9'.repeat(120_000), max: '9'.repeat(120_000) }] }), 'rules.allow[0].calldata[0].min', /u256/],
    ['unknown default tier', tiers({ default: 'gold' }), 'rules.tiers.default', /unknown tier 'gold'/],
    ['assignment to unknown tier', tiers({ assignments: { '0x1': 'gold' } }), 'rules.tiers.assignments.0x1', /unknown tier/],
    ['assignment key not an address', tiers({ assignments: { alice: 'free' } }), 'rules.tiers.assignments.alice', /key/],
    ['tier period not a period', tiers({ tiers: { free: { period: 'year' } } }), 'rules.tiers.tiers.free.period', /day/],
    ['reputation above 1000', withRules({ reputation: { minReputation: 1001 } }), 'rules.reputation.minReputation', /.+/],
    ['unknown rate-limit window', withRules({ rateLimits: [{ key: 'sender', points: 1, durationSeconds: 1, window: 'rolling' }] }), 'rules.rateLimits[0].window', /.+/],
    ['zero rate-limit points', withRules({ rateLimits: [{ key: 'sender', points: 0, durationSeconds: 1 }] }), 'rules.rateLimits[0].points', /.+/],
    ['time window ending before it starts', withRules({ timeWindow: { start: '2025-02-01T00:00:00Z', end: 1 } }), 'rules.timeWindow.end', /after start/],
    ['time window without offset', withRules({ timeWindow: { start: '2025-02-01T00:00:00' } }), 'rules.timeWindow.start', /offset/],
    ['webhook with ftp url', withRules({ webhook: { url: 'ftp://x.example.com', secretRef: 'S' } }), 'rules.webhook.url', /http/],
    ['webhook secret inline', withRules({ webhook: { url: 'https://x.example.com', secretRef: 'hunter2 !' } }), 'rules.webhook.secretRef', /secret name/],
    ['unknown fee mode', withRules({ feeModes: ['free'] }), 'rules.feeModes[0]', /.+/],
    ['duplicate fee modes', withRules({ feeModes: ['default', 'default'] }), 'rules.feeModes', /duplicates/],
  ];

  it.each(rows)('rejects %s at its path', (_name, input, path, message) => {
    const r = parsePolicy(input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const issue = r.issues.find((i) => i.path === path);
    expect(issue, `issues: ${JSON.stringify(r.issues)}`).toBeDefined();
    expect(issue!.message).toMatch(message);
  });

  it('accepts what it should (sanity of the rejection table)', () => {
    const ok: PolicyInput = withRules({
      senders: { allow: ['0x' + (2n ** 251n - 1n).toString(16)] },
      allow: [{ contract: '0x49D36570D4E46F48E99674BD3FCC84644DDD6B96F7C741B1562B82F9E004DC7', selectors: ['0x1', 'transfer'] }],
      timeWindow: { start: '2025-02-01T00:00:00+01:00', end: 1_800_000_000 },
    }) as PolicyInput;
    expect(parsePolicy(ok)).toMatchObject({ ok: true });
  });
});

describe('PolicyRequestSchema', () => {
  const req = { sender: '0xabc', calls: [{ to: '0x1', selector: '0x2', calldata: ['1', '0x2'] }], feeMode: 'sponsored', apiKeyId: 'k', phase: 'build' };

  it('turns a JSON fee into a bigint', () => {
    expect(PolicyRequestSchema.parse({ ...req, maxFee: '1000' }).maxFee).toBe(1000n);
    expect(PolicyRequestSchema.parse({ ...req, maxFee: '0x10' }).maxFee).toBe(16n);
    expect(PolicyRequestSchema.parse({ ...req, maxFee: 7n }).maxFee).toBe(7n);
  });

  it.each([
    ['negative fee', { ...req, maxFee: '-1' }, ['maxFee']],
    ['calldata item not a felt', { ...req, maxFee: '1', calls: [{ to: '0x1', selector: '0x2', calldata: ['abc'] }] }, ['calls', 0, 'calldata', 0]],
    ['selector not hex', { ...req, maxFee: '1', calls: [{ to: '0x1', selector: 'transfer', calldata: [] }] }, ['calls', 0, 'selector']],
  ])('rejects %s', (_n, input, path) => {
    const r = PolicyRequestSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path)).toContainEqual(path);
  });
});

describe('zodIssues', () => {
  it(`maps at most ${MAX_ISSUES} issues, however many the input has, keeping the first ones`, () => {
    const req = { tenant: 't', sender: '0x1', calls: [{ to: '0x1', selector: '0x2', calldata: Array(5_000).fill('zz') }], feeMode: 'sponsored', maxFee: '1', phase: 'build' };
    const parsed = PolicyRequestSchema.safeParse(req);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.length).toBeGreaterThan(MAX_ISSUES);
    const issues = zodIssues(parsed.error!);
    expect(issues).toHaveLength(MAX_ISSUES);
    expect(issues[0]!.path).toBe('calls[0].calldata[0]');
  });
});

/**
 * failOpen's hourly allowance (webhook.failOpenPerHour): a pass it gives is
 * one line of the reservation, in the UTC hour's counter, and past the
 * allowance an unreachable webhook denies until the hour turns. The verdicts
 * themselves are in evaluate-rules.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { budgetLines, evaluate, parsePolicy, requiredFacts } from '../../policies/index.ts';
import { facts, policy, request } from './fixtures.ts';

describe("failOpen's allowance", () => {
  const p = policy({ webhook: { url: 'https://hooks.example.com/ciro', secretRef: 'CIRO_HOOK', failOpen: true, failOpenPerHour: 5 } });
  const at = 1_800_000_000 + 1234; // 1_800_000_000 is a whole UTC hour
  it('counts a pass it gave in the reservation, with the hour\'s end to retry at when spent', () => {
    const passed = evaluate(request(), p, facts({ now: at, webhook: { verdict: 'timeout' }, failOpenUsed: 4 }));
    expect(passed.allow).toBe(true);
    const line = budgetLines(request(), p, passed).find((l) => l.scope === 'failOpen');
    expect(line).toMatchObject({ amount: 1n, limit: 5n, periodSeconds: 3600, keySuffix: `policy:${p.id}:webhook:fail-open:${at - (at % 3600)}:txs` });
    const spent = evaluate(request(), p, facts({ now: at, webhook: { verdict: 'timeout' }, failOpenUsed: 5 }));
    expect(spent).toMatchObject({ allow: false, reason: 'webhook_fail_open_exhausted', retryAfter: 3600 - (at % 3600) });
  });
  it('counts nothing when the webhook answered', () => {
    const approved = evaluate(request(), p, facts({ now: at, webhook: { verdict: 'approve' }, failOpenUsed: 5 }));
    expect(approved.allow).toBe(true);
    expect(budgetLines(request(), p, approved).some((l) => l.scope === 'failOpen')).toBe(false);
  });
  it('asks for the count only where failOpen is set and the webhook consulted', () => {
    expect(requiredFacts(request(), p, at).failOpen).toBe(`policy:${p.id}:webhook:fail-open:${at - (at % 3600)}:txs`);
    expect(requiredFacts(request({ phase: 'build' }), p, at).failOpen).toBeUndefined();
    const closed = policy({ webhook: { url: 'https://hooks.example.com/ciro', secretRef: 'CIRO_HOOK' } });
    expect(requiredFacts(request(), closed, at).failOpen).toBeUndefined();
  });
  it('defaults to 60 without writing the default into the policy, which a relay from before it could not read', () => {
    const hook = { url: 'https://hooks.example.com/ciro', secretRef: 'CIRO_HOOK', failOpen: true };
    const parsed = parsePolicy({ schemaVersion: 1, id: 'p', name: 'p', enabled: true, rules: { webhook: hook } });
    expect(parsed.ok && parsed.policy.rules.webhook).not.toHaveProperty('failOpenPerHour');
    const d = evaluate(request(), policy({ webhook: hook }), facts({ now: at, webhook: { verdict: 'error' }, failOpenUsed: 59 }));
    expect(budgetLines(request(), policy({ webhook: hook }), d).find((l) => l.scope === 'failOpen')?.limit).toBe(60n);
    expect(evaluate(request(), policy({ webhook: hook }), facts({ now: at, webhook: { verdict: 'error' }, failOpenUsed: 60 })).reason).toBe('webhook_fail_open_exhausted');
  });
});

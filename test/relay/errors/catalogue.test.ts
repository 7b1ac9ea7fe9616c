/** One catalogue: every reason has a wire code, a message and an HTTP status, and both envelopes carry it. */
import { describe, expect, it } from 'vitest';
import { DENY_REASONS } from '../../../policies/index.ts';
import { RelayError } from '../../../relay/errors/base.ts';
import { CATALOGUE, type Reason } from '../../../relay/errors/catalogue.ts';
import { JsonRpcCode, Snip29Code } from '../../../relay/errors/codes.ts';
import { formatPath } from '../../../policies/index.ts';
import { invalidInput } from '../../../relay/errors/issues.ts';

const CODES = new Set<number>([...Object.values(Snip29Code), ...Object.values(JsonRpcCode)]);

describe('error catalogue', () => {
  it('gives every reason a known code, a short message and a 4xx/5xx status', () => {
    const reasons = Object.keys(CATALOGUE) as Reason[];
    expect(reasons.length).toBeGreaterThan(80);
    for (const r of reasons) {
      expect(r, 'reasons are snake_case').toMatch(/^[a-z0-9]+(_[a-z0-9]+)*$/);
      const e = CATALOGUE[r];
      expect(CODES.has(e.code), `${r}: code ${e.code}`).toBe(true);
      expect(e.message.length).toBeLessThan(60);
      expect(e.http).toBeGreaterThanOrEqual(400);
      expect(e.http).toBeLessThan(600);
    }
  });

  it('refuses every policy deny reason with -32002, quota ones as 429 and missing facts as 503', () => {
    for (const r of DENY_REASONS) expect(CATALOGUE[r].code).toBe(JsonRpcCode.POLICY_REFUSED);
    expect(CATALOGUE.rate_limited.http).toBe(429);
    expect(CATALOGUE.reputation_unknown.http).toBe(503);
    expect(CATALOGUE.webhook_timeout.http).toBe(503);
    expect(CATALOGUE.sender_denied.http).toBe(403);
  });

  it('puts the reason, details and data in both envelopes, and keeps the cause', () => {
    const cause = new Error('underneath');
    const e = new RelayError('account_not_deployed', { details: 'Deploy it first.', data: { user_address: '0x1' }, cause });
    expect(e.code).toBe(150);
    expect(e.cause).toBe(cause);
    expect(e.toJsonRpc()).toEqual({ code: 150, message: 'An error occurred (INVALID_ADDRESS)', data: { reason: 'account_not_deployed', details: 'Deploy it first.', user_address: '0x1' } });
    expect(e.toHttpBody()).toEqual({ error: { reason: 'account_not_deployed', message: 'An error occurred (INVALID_ADDRESS)', details: 'Deploy it first.', user_address: '0x1' } });
    expect(e.httpStatus).toBe(400);
  });

  it('writes one path notation and names every input that failed', () => {
    expect(formatPath(['transaction', 'invoke', 'calls', 0, 'to'])).toBe('transaction.invoke.calls[0].to');
    expect(formatPath([0, 'a'])).toBe('[0].a');
    const e = invalidInput('invalid_params', [{ path: 'a[0]', message: 'bad' }, { path: 'b', message: 'worse' }]);
    expect(e.toJsonRpc()).toMatchObject({ code: -32602, data: { reason: 'invalid_params', path: 'a[0]', details: 'a[0]: bad; b: worse' } });
  });

  it("captures a stack only for the relay's own failures (5xx, logged), not for refusals of the caller's request", () => {
    const frames = Error.stackTraceLimit;
    const refusal = new RelayError('invalid_api_key', { details: 'x' });
    const failure = new RelayError('internal_error');
    // The stack is the message line alone, with no frames; a 5xx keeps its frames, and the limit is put back.
    expect(refusal.stack?.split('\n').filter((l) => l.trim().startsWith('at '))).toEqual([]);
    expect(failure.stack?.split('\n').filter((l) => l.trim().startsWith('at ')).length).toBeGreaterThan(0);
    expect(refusal.message).toBe(CATALOGUE.invalid_api_key.message);
    expect(Error.stackTraceLimit).toBe(frames);
    expect(new Error('plain').stack?.includes('    at ')).toBe(true);
  });
});

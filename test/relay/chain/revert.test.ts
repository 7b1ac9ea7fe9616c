/** Chain refusals → the SNIP-29 error a wallet can act on, from the node's trace. */
import { describe, expect, it } from 'vitest';
import { innermostReason, revertToError } from '../../../relay/chain/revert.ts';

// Shaped like the traces devnet prints: nested calls, short strings as `0x… ('text')`.
const trace = (...reasons: string[]) =>
  reasons.map((r, i) => `${'  '.repeat(i)}Error in contract (0x${i + 1}):\n0x${Buffer.from(r).toString('hex')} ('${r}')`).join('\n');

describe('revert parsing', () => {
  it('takes the innermost meaningful short string, skipping wrappers', () => {
    expect(innermostReason(trace('PM: not allowed', 'ENTRYPOINT_FAILED'))).toBe('PM: not allowed');
    expect(innermostReason(trace('ENTRYPOINT_FAILED', 'JOB: unknown model', 'argent/multicall-failed'))).toBe('JOB: unknown model');
    expect(innermostReason(trace('ENTRYPOINT_FAILED'))).toBe('ENTRYPOINT_FAILED');
    expect(innermostReason('no short strings at all')).toBeUndefined();
  });

  it.each([
    ['Account: invalid signature', 153, 'invalid_signature'],
    ['argent/invalid-owner-sig', 153, 'invalid_signature'],
    ['SRC9: invalid signature', 153, 'invalid_signature'],
    ['argent/invalid-timestamp', 157, 'time_bounds_rejected'],
    ['SRC9: now >= execute_before', 157, 'time_bounds_rejected'],
    ['SRC9: duplicated nonce', 156, 'nonce_already_used'],
    ['PM: account blacklisted', 156, 'paymaster_refused'],
    ['CDC: not registered', 156, 'execution_reverted'],
  ])("'%s' → %i %s", (reason, code, stable) => {
    const t = trace(reason, 'ENTRYPOINT_FAILED');
    const e = revertToError(t);
    expect(e.code).toBe(code);
    expect(e.reason).toBe(stable);
    expect(e.data).toEqual({ execution_error: t, revert_reason: reason });
    expect(e.details).toMatch(/\S/);
  });

  it('reads a signature failure from the trace only when it carries no short string', () => {
    expect(revertToError('validate failed: Invalid signature for the given message').reason).toBe('invalid_signature');
    // A call's own revert text that merely mentions signatures is judged by its short string.
    expect(revertToError(`${trace('GAME: bad move')}\nnote: invalid signature elsewhere`).reason).toBe('execution_reverted');
  });
});

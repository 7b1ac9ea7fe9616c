/**
 * Turns a chain refusal (a simulation revert, an estimate error) into the
 * SNIP-29 error a wallet can act on. The full trace goes to
 * `data.execution_error` as the spec asks; `data.revert_reason` is the
 * innermost short-string reason, which is what a human reads. The trace is
 * the node's structured error data, never a starknet.js message (which
 * echoes the request).
 */
import { RelayError } from '../errors/base.ts';
import type { Reason } from '../errors/catalogue.ts';

/** Cairo traces print short strings as `0x… ('text')`; the last one is the innermost reason. */
export function innermostReason(trace: string): string | undefined {
  const all = [...trace.matchAll(/\('([^']{1,31})'\)/g)].map((m) => m[1]!);
  const meaningful = all.filter((r) => r !== 'ENTRYPOINT_FAILED' && r !== 'argent/multicall-failed');
  return meaningful.at(-1) ?? all.at(-1);
}

// Each account family spells these in its own revert strings; the match is on the decoded reason only.
const KINDS: { test: RegExp; reason: Reason; details: string; orTrace?: boolean }[] = [
  {
    test: /invalid[-_ ]?signature|invalid-owner-sig|invalid-guardian-sig/i,
    // Some validation failures carry no short string: then the trace itself is all there is.
    orTrace: true,
    reason: 'invalid_signature',
    details: 'The account rejected the signature: sign exactly the typed data returned by paymaster_buildTransaction with the account owner key.',
  },
  {
    test: /execute_before|execute_after|invalid-timestamp/i,
    reason: 'time_bounds_rejected',
    details: 'The account refused the execution window; build a new transaction.',
  },
  {
    test: /duplicated.*nonce|nonce already used/i,
    reason: 'nonce_already_used',
    details: 'This signed execution was already executed; build and sign a new one.',
  },
];

export function revertToError(trace: string, cause?: unknown): RelayError {
  const reason = innermostReason(trace);
  const data = { execution_error: trace, ...(reason ? { revert_reason: reason } : {}) };
  const kind = KINDS.find((k) => k.test.test(reason ?? (k.orTrace ? trace : '')));
  if (kind) return new RelayError(kind.reason, { details: kind.details, data, cause });
  return new RelayError(reason?.startsWith('PM: ') ? 'paymaster_refused' : 'execution_reverted', {
    details: `The calls revert on chain${reason ? ` with '${reason}'` : ''}; nothing was submitted and no gas was spent.`,
    data,
    cause,
  });
}

/**
 * Turns a chain refusal (a simulation revert, an estimate error) into the
 * SNIP-29 error a wallet can act on. The full trace goes to
 * `data.execution_error` as the spec asks; `data.revert_reason` is the
 * innermost short-string reason, which is what a human reads.
 */
import { RelayError, Snip29Code } from '../errors.ts';

/** Cairo traces print short strings as `0x… ('text')`; the last one is the innermost reason. */
export function innermostReason(trace: string): string | undefined {
  const all = [...trace.matchAll(/\('([^']{1,31})'\)/g)].map((m) => m[1]!);
  const meaningful = all.filter((r) => r !== 'ENTRYPOINT_FAILED' && r !== 'argent/multicall-failed');
  return meaningful.at(-1) ?? all.at(-1);
}

export function revertToError(trace: string, cause?: unknown): RelayError {
  const reason = innermostReason(trace);
  const text = `${reason ?? ''} ${trace}`;
  const data = { execution_error: trace, ...(reason ? { revert_reason: reason } : {}) };
  if (/invalid[-_ ]?signature|invalid-owner-sig|invalid-guardian-sig/i.test(reason ?? text)) {
    return new RelayError(Snip29Code.INVALID_SIGNATURE, 'Invalid signature', {
      reason: 'invalid_signature',
      details: 'The account rejected the signature: sign exactly the typed data returned by paymaster_buildTransaction with the account owner key.',
      data,
      cause,
    });
  }
  if (/execute_before|execute_after|invalid-timestamp/i.test(reason ?? '')) {
    return new RelayError(Snip29Code.INVALID_TIME_BOUNDS, 'Execution outside its time bounds', {
      reason: 'time_bounds_rejected',
      details: 'The account refused the execution window; build a new transaction.',
      data,
      cause,
    });
  }
  if (/duplicated.*nonce|nonce already used/i.test(reason ?? '')) {
    return new RelayError(Snip29Code.TRANSACTION_EXECUTION_ERROR, 'Outside execution nonce already used', {
      reason: 'nonce_already_used',
      details: 'This signed execution was already executed; build and sign a new one.',
      data,
      cause,
    });
  }
  return new RelayError(Snip29Code.TRANSACTION_EXECUTION_ERROR, 'Transaction would revert', {
    reason: reason?.startsWith('PM: ') ? 'paymaster_refused' : 'execution_reverted',
    details: `The calls revert on chain${reason ? ` with '${reason}'` : ''}; nothing was submitted and no gas was spent.`,
    data,
    cause,
  });
}

/** starknet.js RpcError → the underlying trace text, when the node explains a revert. */
export function traceFromRpcError(e: unknown): string | undefined {
  const err = e as { baseError?: { code?: number; data?: unknown }; message?: string };
  const data = err?.baseError?.data as { execution_error?: unknown; revert_error?: unknown } | string | undefined;
  if (data && typeof data === 'object') {
    const x = data.execution_error ?? data.revert_error;
    if (x !== undefined) return typeof x === 'string' ? x : JSON.stringify(x);
  }
  if (typeof data === 'string') return data;
  return undefined;
}

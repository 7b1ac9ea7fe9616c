/**
 * How node failures are told apart: by the JSON-RPC code the node answered
 * with, or by a typed cause, never by message text (a starknet.js RpcError
 * message echoes the request params, so any word can appear in it).
 */
import { LibraryError, RpcError } from 'starknet';
import { findCause, isRelayError, RelayError } from './base.ts';

/** Starknet JSON-RPC error codes the relay acts on (starknet-specs, starknet_api_openrpc.json). */
export const NodeCode = {
  CONTRACT_NOT_FOUND: 20,
  ENTRYPOINT_NOT_FOUND: 21,
  TXN_HASH_NOT_FOUND: 29,
  CONTRACT_ERROR: 40,
  TRANSACTION_EXECUTION_ERROR: 41,
  INVALID_TRANSACTION_NONCE: 52,
} as const;

/**
 * What a node answers addInvokeTransaction with when it did not take the transaction (Starknet JSON-RPC
 * 0.8-0.10: resources, balance, validation, version, the replacement and minimum fee rules; JSON-RPC's own
 * invalid request, method and params). Anything else (DUPLICATE_TX 59: it has it already; UNEXPECTED_ERROR 63:
 * a gateway that timed out after taking it; an internal error; a code it made up) may mean it was taken.
 */
export const SUBMISSION_REFUSED: ReadonlySet<number> = new Set([40, 41, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 64, 65, 69, -32600, -32601, -32602]);

/**
 * The node could not be reached or did not answer JSON-RPC (refused, reset,
 * a proxy's HTML error page). A LibraryError, so starknet.js rethrows it as
 * it is instead of flattening it into a plain Error with only its message.
 */
export class NodeUnreachableError extends LibraryError {
  override name = 'NodeUnreachableError';
  constructor(message: string, cause?: unknown) {
    super(message);
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}

/** The node's JSON-RPC error code, when `e` (or its cause) is the node answering with an error. */
export function nodeCodeOf(e: unknown): number | undefined {
  return findCause(e, (x): x is RpcError => x instanceof RpcError)?.baseError.code;
}

/** The node's structured error data (`execution_error`, `revert_error`), as a trace string. */
export function nodeTraceOf(e: unknown): string | undefined {
  const base = findCause(e, (x): x is RpcError => x instanceof RpcError)?.baseError as { data?: unknown } | undefined;
  const data = base?.data as { execution_error?: unknown; revert_error?: unknown } | string | undefined;
  if (typeof data === 'string') return data;
  const x = data?.execution_error ?? data?.revert_error;
  if (x === undefined) return undefined;
  return typeof x === 'string' ? x : JSON.stringify(x);
}

export const isNodeUnreachable = (e: unknown): boolean =>
  findCause(e, (x): x is NodeUnreachableError => x instanceof NodeUnreachableError) !== undefined;

/** The node took longer than the relay's deadline (the provider aborts with a TimeoutError), as opposed to refusing or failing fast. */
export const isNodeTimeout = (e: unknown): boolean =>
  findCause(e, (x): x is { name: string } => (x as { name?: unknown } | null)?.name === 'TimeoutError') !== undefined;

export const chainUnavailable = (cause: unknown) =>
  new RelayError('chain_unavailable', {
    details: 'The Starknet node did not answer as expected; nothing was executed. Retry later.',
    cause,
  });

/**
 * A node's answer that says it is failing or busy, not that the relay asked wrongly: JSON-RPC's internal error
 * and the server-error range (a hosted node's rate limit, -32005), Starknet's UNEXPECTED_ERROR (63) and
 * BLOCK_NOT_FOUND (24, a node behind the others). Any other code no step expected is the relay's bug.
 */
export function isTransientNodeError(e: unknown): boolean {
  const code = nodeCodeOf(e);
  return code !== undefined && (code === -32603 || (code <= -32000 && code >= -32099) || code === 63 || code === 24);
}

/** Wraps anything thrown into a RelayError without leaking internals to clients. */
export function toRelayError(e: unknown): RelayError {
  if (isRelayError(e)) return e;
  if (isNodeUnreachable(e) || isTransientNodeError(e)) return chainUnavailable(e);
  return new RelayError('internal_error', {
    details: 'The relay failed unexpectedly; the request was not executed. Retry later.',
    cause: e,
  });
}

/**
 * One error type for the whole relay. Every refusal the relay can produce is a
 * RelayError with a stable `reason` (machine-readable, never reworded once
 * shipped) and the JSON-RPC code it maps to. The short message is for humans;
 * `details` says what to fix; `cause` keeps the chain for logs.
 */

/** SNIP-29 error codes (shared/specs/snip-29-paymaster_api.json). */
export const Snip29Code = {
  INVALID_ADDRESS: 150,
  TOKEN_NOT_SUPPORTED: 151,
  INVALID_SIGNATURE: 153,
  MAX_AMOUNT_TOO_LOW: 154,
  CLASS_HASH_NOT_SUPPORTED: 155,
  TRANSACTION_EXECUTION_ERROR: 156,
  INVALID_TIME_BOUNDS: 157,
  INVALID_DEPLOYMENT_DATA: 158,
  INVALID_CLASS_HASH: 159,
  INVALID_ID: 160,
  UNKNOWN_ERROR: 163,
} as const;

/** JSON-RPC 2.0 codes, plus the implementation-defined server range we use. */
export const JsonRpcCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** Auth failures: the key is missing, unknown or lacks the scope. */
  UNAUTHORIZED: -32001,
  /** A sponsorship policy refused the request. */
  POLICY_REFUSED: -32002,
  /** A dependency (store, chain, relayers) could not be reached: fail closed. */
  UNAVAILABLE: -32003,
} as const;

export type ErrorCode =
  | (typeof Snip29Code)[keyof typeof Snip29Code]
  | (typeof JsonRpcCode)[keyof typeof JsonRpcCode];

export interface RelayErrorOptions {
  /** Stable, snake_case, machine-readable reason, e.g. `signature_mismatch`. */
  reason: string;
  /** What the caller should change to succeed. */
  details?: string;
  /** Extra structured data merged into the JSON-RPC `data` object. */
  data?: Record<string, unknown>;
  cause?: unknown;
  /** HTTP status when served outside JSON-RPC (admin API); JSON-RPC always answers 200. */
  httpStatus?: number;
}

export class RelayError extends Error {
  override name = 'RelayError';
  readonly code: ErrorCode;
  readonly reason: string;
  readonly details?: string;
  readonly data?: Record<string, unknown>;
  readonly httpStatus: number;

  constructor(code: ErrorCode, shortMessage: string, opts: RelayErrorOptions) {
    super(shortMessage, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.reason = opts.reason;
    this.details = opts.details;
    this.data = opts.data;
    this.httpStatus = opts.httpStatus ?? 400;
  }

  /** The JSON-RPC error object. `data.reason` is always present. */
  toJsonRpc(): { code: number; message: string; data: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      data: {
        reason: this.reason,
        ...(this.details ? { details: this.details } : {}),
        ...this.data,
      },
    };
  }

  /** Walk the cause chain, e.g. to find the chain error under a store error. */
  walk(predicate: (e: unknown) => boolean): unknown {
    let e: unknown = this;
    const seen = new Set<unknown>();
    while (e && !seen.has(e)) {
      if (predicate(e)) return e;
      seen.add(e);
      e = (e as { cause?: unknown }).cause;
    }
    return undefined;
  }
}

export const isRelayError = (e: unknown): e is RelayError => e instanceof RelayError;

/**
 * fetch() failing outright (refused, reset, timed out). Inside the core the
 * only un-wrapped fetch is the chain provider's: the store and webhooks turn
 * their own failures into errors of their own.
 */
function isNetworkFailure(e: unknown): boolean {
  for (let x = e, i = 0; x && i < 6; x = (x as { cause?: unknown }).cause, i++) {
    const err = x as { name?: string; message?: string; code?: string };
    if (err.name === 'TypeError' && /fetch failed/i.test(err.message ?? '')) return true;
    if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|UND_ERR)/.test(err.code ?? '')) return true;
  }
  return /fetch failed|ECONNREFUSED/.test(String((e as Error)?.message ?? ''));
}

export const chainUnavailable = (cause: unknown) =>
  new RelayError(JsonRpcCode.UNAVAILABLE, 'Chain unavailable', {
    reason: 'chain_unavailable',
    details: 'The Starknet node did not answer as expected; nothing was executed. Retry later.',
    cause,
    httpStatus: 503,
  });

/** Wraps anything thrown into a RelayError without leaking internals to clients. */
export function toRelayError(e: unknown): RelayError {
  if (isRelayError(e)) return e;
  if (isNetworkFailure(e)) return chainUnavailable(e);
  return new RelayError(Snip29Code.UNKNOWN_ERROR, 'Unexpected relay error', {
    reason: 'internal_error',
    details: 'The relay failed unexpectedly; the request was not executed. Retry later.',
    cause: e,
    httpStatus: 500,
  });
}

export class StoreUnavailableError extends RelayError {
  override name = 'StoreUnavailableError';
  constructor(cause?: unknown) {
    super(JsonRpcCode.UNAVAILABLE, 'State store unavailable', {
      reason: 'store_unavailable',
      details: 'Sponsorship is refused while the state store cannot be reached. Retry later.',
      cause,
      httpStatus: 503,
    });
  }
}

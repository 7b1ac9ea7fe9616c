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
  /** A sponsorship policy (or an operator safeguard) refused the request. */
  POLICY_REFUSED: -32002,
  /** A dependency (store, chain, relayers) could not be reached: fail closed. */
  UNAVAILABLE: -32003,
} as const;

export type ErrorCode =
  | (typeof Snip29Code)[keyof typeof Snip29Code]
  | (typeof JsonRpcCode)[keyof typeof JsonRpcCode];

/**
 * The message the SNIP-29 schema fixes for each of its codes (components.errors):
 * clients such as starknet.go recognise an error by code and message together.
 * (159's text is the spec's own.)
 */
export const SNIP29_MESSAGE: Record<number, string> = {
  150: 'An error occurred (INVALID_ADDRESS)',
  151: 'An error occurred (TOKEN_NOT_SUPPORTED)',
  153: 'An error occurred (INVALID_SIGNATURE)',
  154: 'An error occurred (MAX_AMOUNT_TOO_LOW)',
  155: 'An error occurred (CLASS_HASH_NOT_SUPPORTED)',
  156: 'An error occurred (TRANSACTION_EXECUTION_ERROR)',
  157: 'An error occurred (INVALID_TIME_BOUNDS)',
  158: 'An error occurred (INVALID_DEPLOYMENT_DATA)',
  159: 'An error occurred (INVALID_ADDRESS)',
  160: 'An error occurred (INVALID_ID)',
  163: 'An error occurred (UNKNOWN_ERROR)',
};

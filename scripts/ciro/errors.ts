/**
 * Every way a `ciro` command can fail, as one error type with an exit code,
 * and the classification of what the relay, the node or the network threw.
 * Scripts branch on the exit code, so each code means one thing to do:
 *
 *   1  failed: the transaction reverted on chain, or something unexpected
 *   2  usage: a bad flag or argument, missing or unsafe configuration (fix the command)
 *   3  refused: the relay said no (policy, safeguard, validation, API key); `reason` says why
 *   4  unavailable: the relay or the node cannot be reached or is not ready (retry later)
 */
import { LibraryError, RpcError } from 'starknet';

export const EXIT = { ok: 0, failed: 1, usage: 2, refused: 3, unavailable: 4 } as const;
export type ExitKind = keyof typeof EXIT;

export interface CliErrorFields {
  /** The relay's stable reason (`data.reason`), or one of ours (`usage`, `unreachable`, …). */
  reason: string;
  /** What to do about it, one sentence. */
  hint?: string;
  /** The relay's JSON-RPC code, when the relay answered. */
  code?: number;
  policy?: string | null;
  rule?: string;
  /** Seconds until a retry can succeed, when the relay says so. */
  retryAfter?: number;
  /** The relay's own `data.details` (what it observed). */
  details?: string;
  /** Extra fields of the relay's `data`, kept for --json. */
  data?: Record<string, unknown>;
  /** The command already wrote its one --json object (with ok: false); only stderr hears of the error. */
  reported?: boolean;
}

export class CliError extends Error {
  override name = 'CliError';
  readonly kind: ExitKind;
  readonly fields: CliErrorFields;
  constructor(kind: ExitKind, message: string, fields: CliErrorFields) {
    super(message);
    this.kind = kind;
    this.fields = fields;
  }
  get exitCode(): number {
    return EXIT[this.kind];
  }
}

export const usage = (message: string, hint?: string) => new CliError('usage', message, { reason: 'usage', ...(hint ? { hint } : {}) });

/**
 * Thrown by our fetch wrapper. It extends starknet's LibraryError because
 * PaymasterRpc rethrows LibraryErrors as they are and flattens anything else
 * to a bare Error(message), which would lose the fact the network failed.
 */
export class Unreachable extends LibraryError {
  override name = 'Unreachable';
  constructor(readonly what: string, readonly url: string, why: string) {
    super(`${what} at ${url} is unreachable: ${why}`);
  }
}

/**
 * A fetch that turns network failures, timeouts and non-JSON 5xx pages into
 * `Unreachable`. It calls the fetch that was global when it was made, so it
 * can itself stand in for the global one (sessionFile.ts does, for x-sessions).
 */
export function guardedFetch(what: string, timeoutMs = 30_000): typeof fetch {
  const fetch = globalThis.fetch;
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    let res: Response;
    try {
      res = await fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      const why = err.name === 'TimeoutError' ? `no answer in ${timeoutMs / 1000}s` : (err.cause?.code ?? err.cause?.message ?? err.message);
      throw new Unreachable(what, url, why);
    }
    const json = (res.headers.get('content-type') ?? '').includes('json');
    if (res.status >= 500 && !json) throw new Unreachable(what, url, `HTTP ${res.status}`);
    return res;
  };
}

// JSON-RPC codes the relay uses for its own answers (relay/errors/codes.ts).
const UNAUTHORIZED = -32001;
const UNAVAILABLE = -32003;

/** What to tell the user for reasons whose `details` alone do not say what to do next. */
const HINTS: Record<string, string> = {
  missing_api_key: 'Set CIRO_API_KEY, --api-key or api_key in your profile.',
  invalid_api_key: 'Check CIRO_API_KEY (the sponsor key <id>.<secret> your relay operator gave you).',
  wrong_key_scope: 'Use a sponsor-scoped API key for SNIP-29 calls.',
  account_not_deployed: 'Deploy the account first: ciro account deploy.',
  class_hash_not_supported: 'The relay does not sponsor this account class; see accountClassHashes in GET /v1/contracts.',
  account_class_not_supported: 'The relay does not sponsor this account class; see accountClassHashes in GET /v1/contracts.',
  execution_reverted: 'The transaction would revert on chain; nothing was sent. Check its arguments and your account state.',
  session_revoked: 'Create a new session: ciro session create.',
  session_call_not_allowed: 'The session does not cover this call; create a session that does (ciro session create --methods …).',
  session_guardian_mismatch: 'The account is not guarded by this relay; sessions need an account made with `ciro account create --argent`.',
  session_cosigner_missing: 'The relay operator has not configured a session cosigner for this tenant.',
  too_many_sessions: 'Revoke a session first: ciro session list, ciro session revoke <hash>.',
};

/** Turns anything a command threw into a CliError with an exit code and a hint. */
export function classify(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof Unreachable) {
    return new CliError('unavailable', e.message, { reason: 'unreachable', hint: `Check that ${e.what} is running and the URL is right, then retry.` });
  }
  if (e instanceof RpcError) {
    const base = e.baseError as { code: number; message: string; data?: unknown };
    // Reads go to the node; only paymaster_* answers come from the relay.
    if (!e.request.method.startsWith('paymaster_')) {
      const data = base.data === undefined ? '' : `: ${typeof base.data === 'string' ? base.data : JSON.stringify(base.data)}`;
      return new CliError('failed', `node refused ${e.request.method}: ${base.code} ${base.message}${data}`.slice(0, 800), { reason: 'node_error', code: base.code });
    }
    return fromRpc(base);
  }
  const msg = e instanceof Error ? e.message : String(e);
  // starknet.js flattens some transport failures to Error('fetch failed').
  if (/fetch failed|ECONNREFUSED|ENOTFOUND|ETIMEDOUT|socket hang up/i.test(msg)) {
    return new CliError('unavailable', `network error: ${msg}`, { reason: 'unreachable', hint: 'Check the relay and node URLs, then retry.' });
  }
  // A library's message may quote the value it refused ("expected valid private key … got <decimal>"): long numbers are left out.
  return new CliError('failed', msg.split('\n')[0]!.replace(/\d{40,}/g, '<redacted>').slice(0, 500), { reason: 'unexpected' });
}

function fromRpc(err: { code: number; message: string; data?: unknown }): CliError {
  // SNIP-29's UNKNOWN_ERROR (163) carries data as "reason: details" text.
  const data: Record<string, unknown> =
    typeof err.data === 'string' ? { reason: err.data.split(':')[0], details: err.data } : ((err.data as Record<string, unknown>) ?? {});
  return fromRelayData(err.code === UNAVAILABLE ? 'unavailable' : 'refused', err.message, data, err.code);
}

/** A refusal from the relay's REST routes (`/sessions`…): `{ error: { reason, message, details, policy, rule, retry_after } }`. */
export function restError(status: number, body: unknown): CliError {
  const error = ((body as { error?: Record<string, unknown> } | undefined)?.error ?? { reason: `http_${status}` }) as Record<string, unknown>;
  const { message, ...data } = error;
  return fromRelayData(status >= 500 ? 'unavailable' : 'refused', String(message ?? `HTTP ${status}`), data, undefined, status === 401 || status === 403);
}

function fromRelayData(kind: 'refused' | 'unavailable', message: string, data: Record<string, unknown>, code?: number, auth = code === UNAUTHORIZED): CliError {
  const { reason = 'relay_error', details, policy, rule, retry_after, ...rest } = data as Record<string, unknown> & { reason?: string };
  const retryAfter = typeof retry_after === 'number' ? retry_after : undefined;
  const fields: CliErrorFields = {
    reason: String(reason),
    ...(code !== undefined ? { code } : {}),
    ...(typeof details === 'string' ? { details } : {}),
    ...(policy !== undefined ? { policy: policy as string | null } : {}),
    ...(typeof rule === 'string' ? { rule } : {}),
    ...(retryAfter !== undefined ? { retryAfter } : {}),
    ...(Object.keys(rest).length ? { data: rest } : {}),
  };
  const hint = HINTS[fields.reason];
  if (hint) fields.hint = hint;
  else if (retryAfter !== undefined) fields.hint = `Retry after ${retryAfter}s.`;
  if (kind === 'unavailable') {
    fields.hint ??= 'The relay cannot do this right now; retry later.';
    return new CliError('unavailable', `relay unavailable: ${message}`, fields);
  }
  const who = policy ? `policy '${String(policy)}'${rule ? ` (rule ${String(rule)})` : ''}` : auth && /key|scope/.test(fields.reason) ? 'authentication' : 'the relay';
  return new CliError('refused', `refused by ${who}: ${fields.reason}`, fields);
}

/** Human rendering: the message, then the relay's details, then what to do. */
export function describe(e: CliError): string {
  const f = e.fields;
  const lines = [`error: ${e.message}`];
  if (f.details) lines.push(`  ${f.details}`);
  if (f.retryAfter !== undefined && !f.details?.includes(`${f.retryAfter}s`)) lines.push(`  retry after ${f.retryAfter}s`);
  if (f.hint && !f.details?.includes(f.hint)) lines.push(`  → ${f.hint}`);
  return lines.join('\n');
}

/** The --json rendering of a failure: one object, same keys as the fields. */
export function errorJson(e: CliError): Record<string, unknown> {
  const f = e.fields;
  return {
    ok: false,
    exit: e.exitCode,
    kind: e.kind,
    error: e.message,
    reason: f.reason,
    ...(f.code !== undefined ? { code: f.code } : {}),
    ...(f.policy !== undefined ? { policy: f.policy } : {}),
    ...(f.rule !== undefined ? { rule: f.rule } : {}),
    ...(f.retryAfter !== undefined ? { retry_after: f.retryAfter } : {}),
    ...(f.details !== undefined ? { details: f.details } : {}),
    ...(f.hint !== undefined ? { hint: f.hint } : {}),
    ...(f.data !== undefined ? { data: f.data } : {}),
  };
}

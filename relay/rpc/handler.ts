/**
 * JSON-RPC 2.0 framing for the SNIP-29 methods: single and batch requests,
 * params by name or by position, notifications. Every failure becomes a
 * JSON-RPC error object with `data.reason`; nothing a client sends can turn
 * into an HTTP 5xx.
 */
import type { RelayDeps } from '../deps.ts';
import { RelayError } from '../errors/base.ts';
import { toRelayError } from '../errors/chain.ts';
import { zodIssues } from '../../policies/index.ts';
import { invalidInput, issueReason } from '../errors/issues.ts';
import { authenticate, type CallerContext } from '../tenants/auth.ts';
import { methods } from './methods/index.ts';

type Id = string | number | null;
export interface RpcResponse {
  jsonrpc: '2.0';
  id: Id;
  result?: unknown;
  error?: { code: number; message: string; data: Record<string, unknown> | string };
}

const fail = (id: Id, e: unknown): RpcResponse => ({ jsonrpc: '2.0', id, error: toRelayError(e).toJsonRpc() });

const invalidRequest = (details: string) => new RelayError('invalid_request', { details });

function validId(v: unknown): v is Id {
  return v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

async function handleOne(deps: RelayDeps, req: unknown, apiKey: string | undefined, client: string | undefined): Promise<RpcResponse | undefined> {
  if (typeof req !== 'object' || req === null || Array.isArray(req)) {
    return fail(null, invalidRequest('Each request must be a JSON object.'));
  }
  const r = req as Record<string, unknown>;
  const isNotification = !('id' in r);
  const id: Id = validId(r.id) ? r.id : null;
  if (r.jsonrpc !== '2.0' || typeof r.method !== 'string' || (!isNotification && !validId(r.id))) {
    return fail(id, invalidRequest('Send {"jsonrpc":"2.0","method":string,"id":string|number|null,"params"?:array|object}.'));
  }
  const method = Object.hasOwn(methods, r.method) ? methods[r.method] : undefined;
  const started = performance.now();
  const record = (code: number, reason: string) => deps.metrics.rpcCall({ method: method ? r.method as string : 'other', code, reason, seconds: (performance.now() - started) / 1000 });
  try {
    if (!method) {
      throw new RelayError('method_not_found', {
        details: `Supported methods: ${Object.keys(methods).join(', ')}.`,
        data: { method: r.method },
      });
    }
    const params = mapParams(r.params, method.paramNames);
    // Keys are checked before params: an unauthenticated caller learns nothing about valid input.
    let ctx: CallerContext | undefined;
    if (method.auth) ctx = { ...(await authenticate(deps.tenants.directory, apiKey, 'sponsor')), ...(client ? { client } : {}) };
    const parsed = method.params.safeParse(params);
    if (!parsed.success) throw invalidInput(issueReason(parsed.error) ?? 'invalid_params', zodIssues(parsed.error));
    const result = await method.handler(deps, ctx, parsed.data);
    noteTrackingId(deps, result, parsed.data);
    record(0, 'ok');
    return isNotification ? undefined : { jsonrpc: '2.0', id, result };
  } catch (e) {
    const err = toRelayError(e);
    record(err.code, err.reason);
    if (err.reason === 'internal_error') deps.log('rpc.internal_error', { method: r.method, error: String(e), stack: (e as Error)?.stack });
    return isNotification ? undefined : fail(id, err);
  }
}

/** The request's tracking id (execute's answer, a lookup's param), for the log lines that follow. */
function noteTrackingId(deps: RelayDeps, result: unknown, params: unknown): void {
  const scope = deps.scopes.current();
  const id = (result as { tracking_id?: unknown } | undefined)?.tracking_id ?? (params as { tracking_id?: unknown } | undefined)?.tracking_id;
  if (scope && typeof id === 'string') scope.trackingId = id;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Liberal in what it accepts, as the reference server is: params by name, by
 * position, `null` or absent for a method without params, and a one-element
 * array wrapping the named object (what the Go SDK and AVNU's examples send).
 */
function mapParams(params: unknown, names: string[]): unknown {
  if (params === undefined || params === null) return {};
  if (Array.isArray(params) && params.length === 1 && isPlainObject(params[0])) {
    const keys = Object.keys(params[0]);
    if (keys.length > 0 && keys.every((k) => names.includes(k))) return dropNulls(params[0]);
  }
  if (Array.isArray(params)) {
    if (params.length > names.length) {
      throw new RelayError('too_many_params', {
        details: `Expected at most ${names.length} positional params (${names.join(', ')}).`,
      });
    }
    return dropNulls(Object.fromEntries(params.map((v, i) => [names[i]!, v])));
  }
  if (isPlainObject(params)) return dropNulls(params);
  throw new RelayError('params_not_structured', {
    details: 'params must be an array (by position) or an object (by name).',
  });
}

/** `null` for an optional field means "absent" to clients; inside arrays it stays, and is refused as a value. */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (!isPlainObject(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, dropNulls(x)]));
}

const MAX_DEPTH = 32;

/** Whether `v` has arrays or objects nested more than `max` deep; iterative, so depth itself can't overflow the stack. */
function deeperThan(v: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    if (d >= max) return true;
    for (const c of Array.isArray(x) ? x : Object.values(x)) stack.push([c, d + 1]);
  }
  return false;
}

/** Handles a raw body; returns the JSON response body, or undefined for notifications only. */
export async function handleRpc(deps: RelayDeps, body: string, apiKey: string | undefined, client?: string): Promise<unknown> {
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return fail(null, new RelayError('invalid_json', { details: 'The body is not valid JSON.' }));
  }
  // No SNIP-29 request nests deeper than a dozen levels; a deeper one would only make validation recurse.
  if (deeperThan(payload, MAX_DEPTH)) return fail(null, invalidRequest(`The body nests deeper than ${MAX_DEPTH} levels.`));
  if (!Array.isArray(payload)) return handleOne(deps, payload, apiKey, client);
  if (payload.length === 0) return fail(null, invalidRequest('A batch must contain at least one request.'));
  if (payload.length > deps.config.maxBatch) {
    return fail(null, new RelayError('batch_too_large', { details: `Send at most ${deps.config.maxBatch} requests per batch.` }));
  }
  const out = (await Promise.all(payload.map((p) => handleOne(deps, p, apiKey, client)))).filter((x) => x !== undefined);
  return out.length ? out : undefined;
}

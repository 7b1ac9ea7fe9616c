/**
 * JSON-RPC 2.0 framing for the SNIP-29 methods: single and batch requests,
 * params by name or by position, notifications. Every failure becomes a
 * JSON-RPC error object with `data.reason`; nothing a client sends can turn
 * into an HTTP 5xx.
 */
import type { RelayDeps } from '../deps.ts';
import { RelayError } from '../errors/base.ts';
import { nodeCodeOf, toRelayError } from '../errors/chain.ts';
import { zodIssues } from '../../policies/index.ts';
import { MAX_ISSUES } from '../../policies/issues.ts';
import { invalidInput, issueReason } from '../errors/issues.ts';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../errors/json.ts';
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

/** The caller for every item of one HTTP request: the key is hashed and looked up once, however many items need it. */
type Caller = () => Promise<CallerContext>;

/** What `method_not_found` echoes of a name the caller made up: enough to spot a typo, not a 250 KB mirror. */
const MAX_ECHOED_METHOD = 64;

async function handleOne(deps: RelayDeps, req: unknown, caller: Caller, client: string | undefined): Promise<RpcResponse | undefined> {
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
        data: { method: r.method.length > MAX_ECHOED_METHOD ? `${r.method.slice(0, MAX_ECHOED_METHOD)}…` : r.method },
      });
    }
    // Keys are checked before params are even looked at: an unauthenticated caller learns nothing about
    // valid input, and a body of junk params costs it no more than the parse.
    let ctx: CallerContext | undefined;
    if (method.auth) ctx = { ...(await caller()), ...(client ? { client } : {}) };
    const params = mapParams(r.params, method.paramNames);
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
    // A node failing is answered as the chain's; the operator still sees which code, for which method.
    else if (err.reason === 'chain_unavailable' && nodeCodeOf(e) !== undefined) deps.log('rpc.node_error', { method: r.method, nodeCode: nodeCodeOf(e), error: String(e) });
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
 * The parsed body is the handler's own, so nulls are dropped from it in place.
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
  if (isPlainObject(params)) return dropNulls(fewUnknownKeys(params, names));
  throw new RelayError('params_not_structured', {
    details: 'params must be an array (by position) or an object (by name).',
  });
}

/**
 * Every method's params are a strict object, so an unknown key is an issue,
 * and zod plus the issue mapping pay per key (18k keys: ~90 ms, no key
 * needed for isAvailable). zod reports unknown keys last, in body order,
 * and an answer shows its first 50 issues (errors/issues.ts), well under
 * MAX_ISSUES: the first MAX_ISSUES unknown keys give the same answer as all
 * of them. Null-valued keys are skipped: dropNulls would remove them anyway.
 */
function fewUnknownKeys(o: Record<string, unknown>, names: string[]): Record<string, unknown> {
  // One enumeration: for a wide object, listing its keys costs as much as parsing it did.
  const keys = Object.keys(o);
  if (keys.length <= names.length + MAX_ISSUES) return o;
  const kept: [string, unknown][] = [];
  for (const k of keys) {
    if (kept.length === MAX_ISSUES) break;
    if (o[k] !== null && !names.includes(k)) kept.push([k, o[k]]);
  }
  // Where the known ones sit makes no difference: zod reports them in the schema's order.
  for (const k of names) if (Object.hasOwn(o, k) && o[k] !== null) kept.push([k, o[k]]);
  // fromEntries defines properties, so a `__proto__` key stays a plain key as JSON.parse made it.
  return Object.fromEntries(kept);
}

/**
 * `null` for an optional field means "absent" to clients; inside arrays it
 * stays, and is refused as a value. Deletes in place rather than copying:
 * a wide body of empty objects used to cost one copy per object (11-37 ms).
 * Recursion is bounded: bodies nesting deeper than MAX_JSON_DEPTH never get here.
 */
function dropNulls<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'object' && x !== null) dropNulls(x);
    }
    return v;
  }
  const o = v as Record<string, unknown>;
  for (const k in o) {
    const x = o[k];
    if (x === null) delete o[k];
    else if (typeof x === 'object') dropNulls(x);
  }
  return v;
}


/** Handles a raw body; returns the JSON response body, or undefined for notifications only. */
export async function handleRpc(deps: RelayDeps, body: string, apiKey: string | undefined, client?: string): Promise<unknown> {
  // No SNIP-29 request nests deeper than a dozen levels; a deeper one would only make parsing and validation recurse.
  if (nestsDeeperThan(body, MAX_JSON_DEPTH)) return fail(null, invalidRequest(`The body nests deeper than ${MAX_JSON_DEPTH} levels.`));
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return fail(null, new RelayError('invalid_json', { details: 'The body is not valid JSON.' }));
  }
  let auth: Promise<CallerContext> | undefined;
  const caller: Caller = () => (auth ??= authenticate(deps.tenants.directory, apiKey, 'sponsor'));
  if (!Array.isArray(payload)) return handleOne(deps, payload, caller, client);
  if (payload.length === 0) return fail(null, invalidRequest('A batch must contain at least one request.'));
  if (payload.length > deps.config.maxBatch) {
    return fail(null, new RelayError('batch_too_large', { details: `Send at most ${deps.config.maxBatch} requests per batch.` }));
  }
  const out = (await Promise.all(payload.map((p) => handleOne(deps, p, caller, client)))).filter((x) => x !== undefined);
  return out.length ? out : undefined;
}

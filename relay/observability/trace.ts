/**
 * W3C Trace Context (traceparent) and request ids. An incoming traceparent
 * keeps its trace id: the relay's work on the request is a new span under the
 * caller's. Each outgoing call (the node, webhooks, alerts) is a child span of
 * that one, so a trace shows the wallet, the relay and the node in one tree.
 * Anything malformed is ignored and a fresh trace starts; nothing from the
 * header is echoed except the trace id, which has a fixed shape.
 */
import type { RequestScope } from '../deps.ts';

export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';
export const REQUEST_ID = 'x-request-id';

// Ids are drawn from a pool of random bytes refilled 4 KiB at a time (what Node's randomUUID does too):
// one getRandomValues call and a spread per id was the largest cost of a request's scope (bench/http.ts).
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const pool = new Uint8Array(4096);
let used = pool.length;
const hex = (bytes: number): string => {
  if (used + bytes > pool.length) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  let out = '';
  for (let i = used; i < used + bytes; i++) out += HEX[pool[i]!];
  used += bytes;
  return out;
};
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export interface TraceParent {
  traceId: string;
  parentId: string;
  flags: string;
}

/** `version-traceid-parentid-flags`; version ff, all-zero ids and uppercase hex are invalid (W3C §3.2). */
export function parseTraceparent(header: string | undefined | null): TraceParent | undefined {
  const m = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/.exec(header?.trim() ?? '');
  if (!m) return undefined;
  const [, version, traceId, parentId, flags, rest] = m;
  // Version 00 has exactly four fields; a later version may append more, which we may ignore.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || parentId === ZERO_SPAN) return undefined;
  return { traceId: traceId!, parentId: parentId!, flags: flags! };
}

export const formatTraceparent = (traceId: string, spanId: string, flags: string): string => `00-${traceId}-${spanId}-${flags}`;

export const newSpanId = (): string => hex(8);

/** A caller's request id is kept if it is short and plain; otherwise one is made. */
export function requestIdFrom(header: string | undefined | null): string {
  return header && /^[A-Za-z0-9._:-]{1,128}$/.test(header) ? header : crypto.randomUUID();
}

/** tracestate is opaque vendor data: passed on only with a valid traceparent, and only if short and printable (W3C §3.3). */
const validTraceState = (v: string | null | undefined): v is string => !!v && v.length <= 512 && /^[\x20-\x7e]+$/.test(v);

/** The scope of one request (or one background pass): the caller's trace continued, or a new one. */
export function newScope(traceparent?: string | null, requestId?: string | null, tracestate?: string | null): RequestScope {
  const parent = parseTraceparent(traceparent);
  return {
    ...(parent && validTraceState(tracestate) ? { traceState: tracestate.trim() } : {}),
    requestId: requestIdFrom(requestId),
    traceId: parent?.traceId ?? hex(16),
    spanId: newSpanId(),
    ...(parent ? { parentSpanId: parent.parentId } : {}),
    // Sampling is the caller's choice; a trace the relay starts is sampled.
    flags: parent?.flags ?? '01',
  };
}

/** The traceparent an outgoing call carries: same trace, a new child span of the current one. */
export const childTraceparent = (scope: RequestScope): string => formatTraceparent(scope.traceId, newSpanId(), scope.flags);

/** The traceparent this relay answers with: its own span. */
export const ownTraceparent = (scope: RequestScope): string => formatTraceparent(scope.traceId, scope.spanId, scope.flags);

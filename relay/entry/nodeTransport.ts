/**
 * The Node entry's HTTP transport to the Starknet node and price sources:
 * undici's `request` on one keep-alive pool, behind fetch's signature. Every
 * relayed transaction makes three node round trips on its critical path
 * (build's estimate, execute's simulation, the invoke) and settlement polls
 * more; WHATWG fetch spends ~0.35 ms of the one shared thread on each (its
 * Request, body stream and Response objects), `request` a fraction of that
 * (bench/latency.ts). Workers keep the platform's fetch.
 *
 * What fetch callers rely on is kept: the abort signal (the provider's
 * deadline), at every stage, connecting included; `redirect: 'error'`
 * (price sources; `request` never follows one, so a 3xx answers as itself
 * and the caller refuses it; a node URL that redirects is refused as not
 * JSON-RPC, where fetch followed a 307); the status; and the body read once
 * as text, at most 64 MiB. A body that fails mid-read rejects the call, as
 * a dropped connection does.
 */
import { Agent, request } from 'undici';

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** fetch's header shapes as the record `request` takes (names lower-cased, as Headers keeps them). */
function headerRecord(h: RequestInit['headers']): Record<string, string> | undefined {
  if (h === undefined) return undefined;
  const out: Record<string, string> = {};
  const pairs = h instanceof Headers ? h.entries() : Array.isArray(h) ? h : Object.entries(h);
  for (const [k, v] of pairs as Iterable<[string, string]>) out[k.toLowerCase()] = String(v);
  return out;
}

function urlOf(input: Parameters<typeof fetch>[0]): string {
  if (typeof input === 'string') return input;
  return input instanceof URL ? input.href : input.url;
}

export interface NodeTransport {
  fetch: typeof fetch;
  /** Closes the pool's idle connections (the relay's shutdown). */
  close(): Promise<void>;
}

/** A node answer larger than this is a broken or hostile node, not a block the relay asked for. */
const MAX_RESPONSE_BYTES = 64 * 2 ** 20;
const USER_AGENT = 'ciro-relay';

/**
 * Settles with `work`, or rejects with the signal's reason as soon as it aborts. undici acts on an
 * abort only once it holds a connection: a host that accepts TCP and stalls the TLS handshake would
 * otherwise keep the caller (and, at submit, a relayer lease) until the connect timeout.
 */
function abortable<T>(work: Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export function nodeTransport(): NodeTransport {
  // undici's default keep-alive (4 s idle unless the server says otherwise): a node or balancer that drops
  // idle sockets sooner without saying so would race a request onto a closing socket.
  const agent = new Agent({ maxResponseSize: MAX_RESPONSE_BYTES, connect: { timeout: 10_000 } });
  const send = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    if (init?.body !== undefined && init.body !== null && typeof init.body !== 'string') {
      throw new TypeError('nodeTransport sends string bodies only (JSON-RPC)');
    }
    const payload = (init?.body ?? null) as string | null;
    const signal = init?.signal ?? undefined;
    const read = async () => {
      const res = await request(urlOf(input), {
        method: (init?.method ?? 'GET') as 'GET',
        headers: { 'user-agent': USER_AGENT, ...headerRecord(init?.headers) },
        body: payload,
        signal,
        dispatcher: agent,
      });
      return { res, text: await res.body.text() };
    };
    const { res, text } = await abortable(read(), signal);
    const type = res.headers['content-type'];
    // Response refuses a body on the statuses that have none.
    const body = NULL_BODY.has(res.statusCode) ? null : text;
    return new Response(body, { status: res.statusCode, headers: typeof type === 'string' ? { 'content-type': type } : {} });
  }) as typeof fetch;
  let closed: Promise<void> | undefined;
  return { fetch: send, close: () => (closed ??= agent.close()) };
}

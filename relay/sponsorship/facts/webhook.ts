/**
 * The operator's approval webhook. The relay POSTs what it is about to pay
 * for, signed with HMAC-SHA256 so the receiver can tell it came from this
 * relay; the receiver answers {approve: true|false}. WebCrypto and fetch
 * only, so the code is platform-free.
 *
 * Only the outcome class is returned; whether a timeout or error lets the
 * request through (failOpen) is the evaluator's decision, not this client's.
 */
import type { WebhookVerdict } from '../../../policies/index.ts';
import type { OutsideCall } from '../../chain/snip9.ts';
import { webhookUrlRefusal } from './webhookUrl.ts';

export interface WebhookPayload {
  tenant: string;
  policy: string;
  sender: string;
  calls: OutsideCall[];
  feeMode: 'sponsored' | 'default';
  /** fri, decimal string (JSON numbers lose precision past 2^53). */
  maxFee: string;
  phase: 'build' | 'execute';
  /** An account the relayer would deploy for the sender. */
  deployment?: { classHash: string };
  /**
   * Unix seconds, equal to the x-ciro-timestamp header. Inside the body so
   * the signature covers it: receivers can reject replays of old requests.
   */
  timestamp: number;
}

export interface WebhookTarget {
  url: string;
  timeoutMs: number;
}

export interface WebhookClientOptions {
  fetch?: typeof fetch;
  /** Hosts the operator vouches for: http and internal addresses are allowed for these only. */
  allowHosts?: readonly string[];
  /** Unix seconds. */
  now?: () => number;
}

export const SIGNATURE_HEADER = 'x-ciro-signature';
export const TIMESTAMP_HEADER = 'x-ciro-timestamp';
const MAX_RESPONSE_BYTES = 4 * 1024;

const encoder = new TextEncoder();

// Return type inferred: CryptoKey is not a global type under the Node typings this repo compiles with.
function hmacKey(secret: string, usage: 'sign' | 'verify') {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

const toHex = (buf: ArrayBuffer): string => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');

/** `sha256=<hex>` of the raw body, the x-ciro-signature value. */
export async function signWebhookBody(secret: string, body: string): Promise<string> {
  return `sha256=${toHex(await crypto.subtle.sign('HMAC', await hmacKey(secret, 'sign'), encoder.encode(body)))}`;
}

/** For receivers (and tests): constant-time check of an x-ciro-signature header against the raw body. */
export async function verifyWebhookSignature(secret: string, body: string, header: string | null | undefined): Promise<boolean> {
  const m = /^sha256=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  const sig = new Uint8Array(m[1]!.match(/../g)!.map((h) => parseInt(h, 16)));
  return crypto.subtle.verify('HMAC', await hmacKey(secret, 'verify'), sig, encoder.encode(body));
}

export class WebhookClient {
  private readonly fetch: typeof fetch;
  private readonly now: () => number;

  private readonly allowHosts: readonly string[];

  constructor(opts: WebhookClientOptions = {}) {
    this.fetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.now = opts.now ?? (() => Date.now() / 1000);
    this.allowHosts = opts.allowHosts ?? [];
  }

  /** Never throws: every failure is a verdict. */
  async ask(target: WebhookTarget, secret: string, payload: Omit<WebhookPayload, 'timestamp'>): Promise<WebhookVerdict> {
    // Checked here too, not only when a policy is written: file templates and older policies pass through here.
    // A URL the relay refuses is a configuration fault, never passed by failOpen.
    if (webhookUrlRefusal(target.url, this.allowHosts) !== undefined) return 'invalid';
    const timestamp = Math.floor(this.now());
    const body = JSON.stringify({ ...payload, timestamp } satisfies WebhookPayload);
    const controller = new AbortController();
    // One deadline for connect, headers and body: a slow trickle is a timeout too.
    const timer = setTimeout(() => controller.abort(), target.timeoutMs);
    try {
      const res = await this.fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: await signWebhookBody(secret, body),
          [TIMESTAMP_HEADER]: String(timestamp),
        },
        body,
        signal: controller.signal,
        // A redirect could send the signed request somewhere the operator never configured.
        redirect: 'manual',
      });
      const text = await readCapped(res, MAX_RESPONSE_BYTES);
      if (text === undefined) return 'invalid';
      if (res.status >= 400 && res.status < 500) return 'deny';
      // A gateway's: the receiver is unreachable. Any other non-2xx (a 500 on this input, a redirect) is an answer.
      if (res.status === 502 || res.status === 503 || res.status === 504) return 'error';
      if (res.status < 200 || res.status >= 300) return 'invalid';
      return verdictOf(text);
    } catch {
      return controller.signal.aborted ? 'timeout' : 'error';
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The body, or undefined past `max` bytes: a verdict is a few bytes, and a receiver must not make us buffer more. */
async function readCapped(res: Response, max: number): Promise<string | undefined> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) all.set(c, (at += c.byteLength) - c.byteLength);
  return new TextDecoder().decode(all);
}

/** A 2xx must say what it means: anything but an explicit boolean is an error, not an approval. */
function verdictOf(text: string): WebhookVerdict {
  try {
    const json = JSON.parse(text) as { approve?: unknown };
    if (json?.approve === true) return 'approve';
    if (json?.approve === false) return 'deny';
    return 'invalid';
  } catch {
    return 'invalid';
  }
}

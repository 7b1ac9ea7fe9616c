/**
 * Structured logs: one JSON object per line, each carrying the request id,
 * the trace and span ids and, once there is one, the tracking id of the
 * request it belongs to. The core logs `deps.log(event, data)`; scopedLog adds
 * the ids, jsonLines writes the line. Secrets are kept out twice: fields named
 * like a secret are replaced, and the values of every secret the entry knows
 * (relayer keys, webhook and cosigner secrets, the operator key) are replaced
 * wherever they appear, in any spelling a felt can take.
 */
import type { Log, Scopes } from '../deps.ts';

export const REDACTED = '[redacted]';

/** Adds the current scope's ids to every event, after the event's own fields (which win where they overlap). */
export function scopedLog(sink: Log, scopes: Scopes): Log {
  return (event, data) => {
    const s = scopes.current();
    if (!s) return sink(event, data);
    const ids: Record<string, unknown> = { requestId: s.requestId, traceId: s.traceId, spanId: s.spanId, ...(s.trackingId ? { trackingId: s.trackingId } : {}) };
    const out: Record<string, unknown> = { ...data };
    for (const [k, v] of Object.entries(ids)) if (!(k in out)) out[k] = v;
    sink(event, out);
  };
}

const SECRET_FIELD = /private_?key|secret|password|passphrase|authorization|^x-paymaster-api-key$|^api_?key$|^cookie$/i;

/** Every spelling a secret may be printed in: as given, lower-case, without 0x, and a hex felt's decimal. */
export function secretSpellings(secrets: readonly string[]): string[] {
  const out = new Set<string>();
  for (const s of secrets) {
    if (!s || s.length < 8) continue;
    out.add(s);
    out.add(s.toLowerCase());
    // Lines are matched once serialised: a secret with a quote, a backslash or a control character is printed escaped.
    out.add(JSON.stringify(s).slice(1, -1));
    const m = /^0x0*([0-9a-fA-F]+)$/.exec(s);
    if (m) {
      out.add(m[1]!.toLowerCase());
      out.add('0x' + m[1]!.toLowerCase());
      out.add(BigInt(s).toString(10));
    }
    // An `<id>.<secret>` key: its secret part alone is as secret.
    const dot = s.indexOf('.');
    if (dot > 0 && s.length - dot > 8) out.add(s.slice(dot + 1));
  }
  return [...new Set([...out].map((v) => v.toLowerCase()))].filter((v) => v.length >= 8).sort((a, b) => b.length - a.length);
}

export interface JsonLinesOptions {
  /** Secret values to keep out of every line (see secretSpellings). */
  secrets?: readonly string[];
  now?: () => Date;
}

/** A Log that writes one JSON object per line: `t`, `level`, `event`, then the event's fields. */
export function jsonLines(write: (line: string) => void, opts: JsonLinesOptions = {}): Log {
  const spellings = secretSpellings(opts.secrets ?? []);
  // One pass over each line, any letter case (hex is printed both ways); longest spelling first.
  const pattern = spellings.length ? new RegExp(spellings.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'gi') : undefined;
  const now = opts.now ?? (() => new Date());
  const replacer = (key: string, value: unknown): unknown => {
    if (key && SECRET_FIELD.test(key) && value !== undefined && value !== null) return REDACTED;
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) return String(value);
    return value;
  };
  return (event, data) => {
    const level = /error|failed|invalid|unavailable/.test(event) ? 'error' : 'info';
    let line: string;
    try {
      line = JSON.stringify({ t: now().toISOString(), level, event, ...data }, replacer);
    } catch (e) {
      line = JSON.stringify({ t: now().toISOString(), level: 'error', event: 'log.unserializable', of: event, error: String(e) });
    }
    write(pattern ? line.replace(pattern, REDACTED) : line);
  };
}

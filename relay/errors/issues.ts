/**
 * Validation failures, whichever boundary found them (JSON-RPC params, admin
 * bodies, queries, policies): one path notation, `rules.allow[0].contract`,
 * and one way of pointing at an unknown key.
 */
import type { z } from 'zod';
import { RelayError } from './base.ts';
import type { Reason } from './catalogue.ts';

export interface Issue {
  path: string;
  message: string;
}

/** Dotted path with [i] for indices: `transaction.invoke.calls[0].to`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** A catalogue reason a schema attached to its own issue (`params: { reason }`), e.g. 150 for an address. */
export function issueReason(error: z.ZodError): Reason | undefined {
  for (const i of error.issues) {
    const r = (i as { params?: { reason?: Reason } }).params?.reason;
    if (r) return r;
  }
  return undefined;
}

export function zodIssues(error: z.ZodError, prefix?: string): Issue[] {
  const at = (p: readonly PropertyKey[]) => formatPath(prefix ? [prefix, ...p] : p);
  return error.issues.flatMap((i) =>
    // Point at the unknown key itself, so a typo reads as one.
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ path: at([...i.path, k]), message: `unknown field '${k}'` }))
      : [{ path: at(i.path), message: i.message }],
  );
}

/** A refusal naming every offending input, first one in `data.path`. */
export function invalidInput(reason: Reason, issues: Issue[]): RelayError {
  return new RelayError(reason, {
    details: issues.slice(0, 5).map((i) => `${i.path || '(body)'}: ${i.message}`).join('; '),
    data: { path: issues[0]?.path ?? '', issues: issues.slice(0, 50) },
  });
}

/** Another tenant's resource is refused exactly like an unknown one, so ids cannot be probed. */
export function notFound(kind: 'policy' | 'policy_version' | 'key', id: string): RelayError {
  return new RelayError(`${kind}_not_found`, { details: `No ${kind.replace('_', ' ')} '${id}' for this tenant.` });
}

/**
 * Validation failures as refusals, whichever boundary found them (JSON-RPC
 * params, admin bodies and queries). Paths and unknown keys are reported the
 * way the policy model reports them (policies/issues.ts): one notation.
 */
import type { z } from 'zod';
import type { Issue } from '../../policies/index.ts';
import { RelayError } from './base.ts';
import type { Reason } from './catalogue.ts';

/** A catalogue reason a schema attached to its own issue (`params: { reason }`), e.g. 150 for an address. */
export function issueReason(error: z.ZodError): Reason | undefined {
  for (const i of error.issues) {
    const r = (i as { params?: { reason?: Reason } }).params?.reason;
    if (r) return r;
  }
  return undefined;
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

/**
 * How a zod failure is reported, wherever input is validated (a policy here,
 * the relay's params, admin bodies and queries): one path notation,
 * `rules.allow[0].contract`, and unknown keys named as the typo they are.
 */
import type { z } from 'zod';

export interface Issue {
  /** Dotted path with [i] for indices, e.g. `rules.allow[0].contract`. */
  path: string;
  message: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** Issues mapped at most: a body of 60,000 bad felts has as many, and answers show the first 50. */
export const MAX_ISSUES = 200;

/** The issues with their paths (under `prefix` when given), the first MAX_ISSUES; an unknown key points at the key itself. */
export function zodIssues(error: z.ZodError, prefix?: string): Issue[] {
  const at = (p: readonly PropertyKey[]) => formatPath(prefix ? [prefix, ...p] : p);
  return error.issues.slice(0, MAX_ISSUES).flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ path: at([...i.path, k]), message: `unknown field '${k}'` }))
      : [{ path: at(i.path), message: i.message }],
  );
}

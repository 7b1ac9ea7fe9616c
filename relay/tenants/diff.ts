/**
 * A JSON diff for the audit log: what changed between two versions of a
 * policy, as RFC 6902-style operations with JSON Pointer paths. Arrays are
 * compared position by position; a reordered list shows as replacements,
 * which is what a reviewer should see anyway since order can matter
 * (priority, first-match rules).
 */

export type DiffOp =
  | { op: 'add'; path: string; value: unknown }
  | { op: 'remove'; path: string; from: unknown }
  | { op: 'replace'; path: string; from: unknown; value: unknown };

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Differences from `a` to `b`; null or undefined on either side means "no document" (create, delete). */
export function jsonDiff(a: unknown, b: unknown): DiffOp[] {
  const out: DiffOp[] = [];
  walk(normalize(a), normalize(b), '', out);
  return out;
}

function walk(a: Json | undefined, b: Json | undefined, path: string, out: DiffOp[]): void {
  if (a === undefined && b === undefined) return;
  if (a === undefined) return void out.push({ op: 'add', path, value: b });
  if (b === undefined) return void out.push({ op: 'remove', path, from: a });
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], `${path}/${i}`, out);
    return;
  }
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) walk(own(a, k), own(b, k), `${path}/${escape(k)}`, out);
    return;
  }
  if (!same(a, b)) out.push({ op: 'replace', path, from: a, value: b });
}

const isObject = (v: Json): v is { [k: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: { [k: string]: Json }, k: string): Json | undefined => (Object.hasOwn(o, k) ? o[k] : undefined);
const escape = (k: string): string => k.replaceAll('~', '~0').replaceAll('/', '~1');

function same(a: Json, b: Json): boolean {
  // Different kinds (object vs array vs scalar) are one replacement, not a recursion.
  return typeof a !== 'object' || a === null ? a === b : JSON.stringify(a) === JSON.stringify(b);
}

/** A JSON round trip: drops undefined fields and turns bigints into strings, as the stored form has them. */
function normalize(v: unknown): Json | undefined {
  if (v === undefined || v === null) return undefined;
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))) as Json;
}

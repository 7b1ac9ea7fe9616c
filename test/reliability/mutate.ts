/**
 * How the hostile-input suite breaks a valid request: pick one place in it
 * (any value, at any depth, the root included) and put a hostile value there,
 * or repeat one of its keys with another value in the JSON text (which a
 * JavaScript object can't hold). fast-check chooses the place and the value.
 */
import fc from 'fast-check';

type Path = (string | number)[];

function paths(v: unknown, at: Path = []): Path[] {
  const here = [at];
  if (Array.isArray(v)) return here.concat(...v.map((x, i) => paths(x, [...at, i])));
  if (v && typeof v === 'object') return here.concat(...Object.entries(v).map(([k, x]) => paths(x, [...at, k])));
  return here;
}

/** `template` with the value at its `at`-th place (modulo their number) replaced by `value`. */
export function mutate(template: object, at: number, value: unknown): unknown {
  const all = paths(template);
  const path = all[at % all.length]!;
  if (path.length === 0) return value;
  const copy = structuredClone(template) as Record<string | number, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
  return copy;
}

/** The JSON of `template` with its `at`-th key (modulo their number) given twice, the first time as a hostile felt. */
export function withDuplicateKey(template: object, at: number): string {
  const text = JSON.stringify(template);
  const keys = [...text.matchAll(/"([a-z_]+)":/g)];
  if (keys.length === 0) return text;
  const m = keys[at % keys.length]!;
  return `${text.slice(0, m.index)}"${m[1]}":"0x${'f'.repeat(64)}",${text.slice(m.index)}`;
}

const nested = (depth: number): unknown => Array.from({ length: depth }).reduce<unknown>((inner) => [inner], []);

/** Values a careless parser trips on. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything(),
  fc.constantFrom(
    null,
    true,
    -1,
    1e308,
    Number.MAX_SAFE_INTEGER + 2,
    '',
    '0x',
    '0x-1',
    `0x${'f'.repeat(65)}`,
    `0x1${'0'.repeat(64)}`,
    '1'.repeat(400),
    '𝔠𝔦𝔯𝔬\u0000\u202e',
    { __proto__: { polluted: true } },
    { constructor: { prototype: { polluted: true } } },
  ),
  fc.integer({ min: 1, max: 3_000 }).map(nested),
  fc.integer({ min: 1_000, max: 20_000 }).map((n) => Array(n).fill('0x1')),
  fc.string({ unit: 'grapheme', maxLength: 64 }),
  fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }).map((b) => `0x${b.toString(16)}`),
);

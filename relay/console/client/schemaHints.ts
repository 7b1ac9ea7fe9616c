/**
 * What the policy JSON Schema says about a place in the document: the
 * schema node at a JSON path (through properties, items and anyOf/oneOf
 * branches), and from it the editor's completions and hint panel. The
 * schema is policies/policy.schema.json, the one the admin API publishes.
 */
import schemaJson from '../../../policies/policy.schema.json';

export type Segment = string | number;
export interface SchemaNode {
  type?: string | string[];
  description?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  default?: unknown;
}

export const POLICY_SCHEMA = schemaJson as unknown as SchemaNode;

const branches = (n: SchemaNode): SchemaNode[] => [n, ...(n.anyOf ?? []), ...(n.oneOf ?? [])];

function step(node: SchemaNode, seg: Segment): SchemaNode | undefined {
  for (const b of branches(node)) {
    if (typeof seg === 'string' && b.properties?.[seg]) return b.properties[seg];
    if (typeof seg === 'number' && b.items) return b.items;
    if (typeof seg === 'string' && typeof b.additionalProperties === 'object') return b.additionalProperties;
  }
  return undefined;
}

export function schemaAt(path: Segment[], root: SchemaNode = POLICY_SCHEMA): SchemaNode | undefined {
  let node: SchemaNode | undefined = root;
  for (const seg of path) {
    node = node && step(node, seg);
    if (!node) return undefined;
  }
  return node;
}

/** Every property an object at this node may have, over all its branches. */
export function propertiesOf(node: SchemaNode): [string, SchemaNode, boolean][] {
  const out = new Map<string, [SchemaNode, boolean]>();
  for (const b of branches(node)) {
    for (const [k, v] of Object.entries(b.properties ?? {})) if (!out.has(k)) out.set(k, [v, b.required?.includes(k) ?? false]);
  }
  return [...out].map(([k, [v, req]]) => [k, v, req]);
}

/** The literal values a node admits (enums, consts, booleans), as JSON text. */
export function valuesOf(node: SchemaNode): string[] {
  const vals = new Set<string>();
  for (const b of branches(node)) {
    for (const e of b.enum ?? []) vals.add(JSON.stringify(e));
    if (b.const !== undefined) vals.add(JSON.stringify(b.const));
    if (b.type === 'boolean') ['true', 'false'].forEach((v) => vals.add(v));
  }
  return [...vals];
}

/** A one-line summary: type, bounds, pattern. */
export function describeType(node: SchemaNode): string {
  const types = new Set<string>();
  for (const b of branches(node)) {
    if (b.type) (Array.isArray(b.type) ? b.type : [b.type]).forEach((t) => types.add(t));
    if (b.const !== undefined) types.add(`const ${JSON.stringify(b.const)}`);
    if (b.enum) types.add(`one of ${b.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  }
  const bits = [[...types].join(' | ') || 'any'];
  if (node.minLength !== undefined || node.maxLength !== undefined) bits.push(`length ${node.minLength ?? 0}–${node.maxLength ?? '∞'}`);
  if (node.minimum !== undefined || node.maximum !== undefined) bits.push(`range ${node.minimum ?? '−∞'}–${node.maximum ?? '∞'}`);
  if (node.maxItems !== undefined) bits.push(`at most ${node.maxItems} items`);
  if (node.pattern) bits.push(`pattern ${node.pattern}`);
  if (node.default !== undefined) bits.push(`default ${JSON.stringify(node.default)}`);
  return bits.join('; ');
}

/**
 * Loads the file policies (templates) from a folder. Node only: the core
 * takes parsed policies through createDeps(). Synchronous on purpose: it runs
 * once at boot, and a bad file must stop the relay before it serves anything.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Policy } from '../../policies/index.ts';
import { parsePolicyOrThrow, PolicyLoadError } from '../tenants/templates.ts';

/**
 * Every `*.json` in `dir` (not recursive), in name order. Throws
 * PolicyLoadError naming the file and the path of its first issue: invalid
 * JSON, a schema violation, or an id already used by an earlier file.
 */
export function loadPolicyFiles(dir: string): Policy[] {
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => e.name)
    .sort();
  const seen = new Map<string, string>();
  const out: Policy[] = [];
  for (const name of names) {
    const file = join(dir, name);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new PolicyLoadError(file, [{ path: '', message: `invalid JSON: ${(e as Error).message}` }]);
    }
    const policy = parsePolicyOrThrow(raw, file);
    const other = seen.get(policy.id);
    if (other !== undefined) {
      throw new PolicyLoadError(file, [{ path: 'id', message: `policy id '${policy.id}' is already used by ${other}` }]);
    }
    seen.set(policy.id, file);
    out.push(policy);
  }
  return out;
}

/**
 * SRC-5 interface ids (SNIP-5, ../shared/specs/snip-5.md) derived from a compiled
 * Sierra ABI, so the `I..._ID` constants in contracts/src never have to be
 * trusted as magic numbers.
 *
 * SNIP-5: an interface id is the XOR of the starknet_keccak of each function's
 * extended signature `name(param_types)->return_type` (no `->` when nothing is
 * returned; `self` is not a parameter). Core types keep their short name
 * (`felt252`, `u64`, `ContractAddress`, `ClassHash`, `Array<T>`), snapshots
 * keep their `@`, and whatever the ABI spells out as a struct is written as
 * the tuple of its members, an enum as `E(variants)`. So `u256` is
 * `(u128,u128)`, `bool` is `E((),())`, `Span<felt252>` is `(@Array<felt252>)`
 * and, in Cairo 2.16, `ByteArray` is `(Array<bytes31>,felt252,BoundedInt<0,30>)`.
 *
 * Print every interface of the built contracts with
 * `node_modules/.bin/tsx test/contracts/src5.ts` (after `npm run contracts:build`).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hash } from 'starknet';
import { CIRO_CONTRACTS, loadArtifact, type ArtifactName } from '../../scripts/local/artifacts.ts';
import { repoRoot } from '../../scripts/local/toolchain.ts';

interface AbiParam {
  name?: string;
  type: string;
}
interface AbiFunction {
  type: 'function';
  name: string;
  inputs: AbiParam[];
  outputs: AbiParam[];
}
type AbiEntry =
  | { type: 'impl'; name: string; interface_name: string }
  | { type: 'interface'; name: string; items: AbiFunction[] }
  | { type: 'struct'; name: string; members: AbiParam[] }
  | { type: 'enum'; name: string; variants: AbiParam[] }
  | { type: string; name: string };

/** Splits `a, b<c, d>, (e, f)` at the commas that are not nested. */
function splitTopLevel(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i];
    if (ch === '(' || ch === '<') depth++;
    else if (ch === ')' || ch === '>') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(list.slice(start, i));
      start = i + 1;
    }
  }
  const last = list.slice(start).trim();
  if (last) out.push(last);
  return out.map((s) => s.trim());
}

/** One ABI type in SNIP-5 signature form; structs and enums are looked up in the ABI. */
export function snip5Type(type: string, abi: AbiEntry[]): string {
  const t = type.trim();
  if (t.startsWith('@')) return `@${snip5Type(t.slice(1), abi)}`;
  if (t.startsWith('(')) return `(${splitTopLevel(t.slice(1, -1)).map((e) => snip5Type(e, abi)).join(',')})`;
  const def = abi.find((e) => e.name === t && (e.type === 'struct' || e.type === 'enum'));
  if (def && 'members' in def) return `(${def.members.map((m) => snip5Type(m.type, abi)).join(',')})`;
  if (def && 'variants' in def) return `E(${def.variants.map((v) => snip5Type(v.type, abi)).join(',')})`;
  // Other corelib types keep their short name, generic ones with their (rendered) arguments:
  // `core::array::Array::<core::felt252>` is `Array<felt252>`, and in Cairo 2.16 ByteArray's
  // length member is `BoundedInt<0,30>`.
  const generic = /^(.*?)::<(.*)>$/.exec(t);
  if (generic) {
    const args = splitTopLevel(generic[2]!).map((a) => snip5Type(a, abi));
    return `${generic[1]!.split('::').pop()}<${args.join(',')}>`;
  }
  return t.split('::').pop()!;
}

export function extendedSignature(fn: AbiFunction, abi: AbiEntry[]): string {
  const params = fn.inputs.map((p) => snip5Type(p.type, abi)).join(',');
  const ret = fn.outputs.length ? `->${snip5Type(fn.outputs[0]!.type, abi)}` : '';
  return `${fn.name}(${params})${ret}`;
}

/** XOR of starknet_keccak over the extended signatures, as a 0x-prefixed hex string. */
export function interfaceId(signatures: string[]): string {
  const id = signatures.reduce((acc, sig) => acc ^ hash.starknetKeccak(sig), 0n);
  return `0x${id.toString(16)}`;
}

export interface AbiInterface {
  /** Cairo path of the trait, e.g. `ciro::pausable::IPausable`. */
  name: string;
  signatures: string[];
  id: string;
}

/** Every interface a contract embeds (its `impl` entries), with signatures and SRC-5 id. */
export function abiInterfaces(contract: ArtifactName): AbiInterface[] {
  const abi = loadArtifact(contract).sierra.abi as unknown as AbiEntry[];
  return abi
    .filter((e): e is { type: 'impl'; name: string; interface_name: string } => e.type === 'impl')
    .map((impl) => {
      const iface = abi.find((e) => e.type === 'interface' && e.name === impl.interface_name);
      if (!iface || !('items' in iface)) throw new Error(`${contract}: no interface ${impl.interface_name}`);
      const signatures = iface.items.map((fn) => extendedSignature(fn, abi));
      return { name: impl.interface_name, signatures, id: interfaceId(signatures) };
    });
}

/** `pub const I..._ID: felt252 = 0x...;` constants declared anywhere under contracts/src. */
export function cairoInterfaceIds(): Map<string, string> {
  const ids = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.cairo')) {
        const src = readFileSync(path, 'utf8');
        for (const m of src.matchAll(/pub const (I\w+_ID): felt252 =\s*(0x[0-9a-fA-F]+);/g)) {
          ids.set(m[1]!, `0x${BigInt(m[2]!).toString(16)}`);
        }
      }
    }
  };
  walk(join(repoRoot, 'contracts', 'src'));
  return ids;
}

/** The constant that holds each interface's id (trait path -> constant name). */
export const ID_CONSTANTS: Record<string, string> = {
  'ciro::src5::ISRC5': 'ISRC5_ID',
  'ciro::access::IAccessControl': 'IACCESS_CONTROL_ID',
  'ciro::upgrade::IUpgradeable': 'IUPGRADEABLE_ID',
  'ciro::pausable::IPausable': 'IPAUSABLE_ID',
  'ciro::token::IERC20': 'IERC20_ID',
  'ciro::token::IERC20Camel': 'IERC20_CAMEL_ID',
  'ciro::token::IMintable': 'IMINTABLE_ID',
  'ciro::cdc_pool::interface::ICdcPool': 'ICDC_POOL_ID',
  'ciro::cdc_pool::interface::IPoolJobs': 'IPOOL_JOBS_ID',
  'ciro::job_mgr::interface::IJobMgr': 'IJOB_MGR_ID',
  'ciro::job_mgr::interface::IJobDeadlines': 'IJOB_DEADLINES_ID',
  'ciro::paymaster::interface::IPaymaster': 'IPAYMASTER_ID',
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const contract of CIRO_CONTRACTS) {
    for (const iface of abiInterfaces(contract)) {
      console.log(`${contract} ${iface.name} (${ID_CONSTANTS[iface.name] ?? '?'}) = ${iface.id}`);
      for (const sig of iface.signatures) console.log(`  ${sig}`);
    }
  }
}

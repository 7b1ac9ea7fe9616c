/**
 * The allowlist: every call in the request must be granted by some allow
 * entry (contract, selector and calldata constraints together). One
 * unsponsorable call refuses the whole multicall, because the relay pays for
 * the transaction as a unit.
 */
import { parseFelt } from '../primitives.ts';
import type { AllowEntry, CalldataConstraint } from '../schema.ts';
import { selectorOf, type ContractResolver } from '../selectors.ts';
import type { PolicyCall, Verdict } from '../types.ts';
import { deny, pass, type EvalContext } from './context.ts';

const U128 = 2n ** 128n;

export function checkAllow(ctx: EvalContext): Verdict[] {
  const entries = ctx.policy.rules.allow;
  if (entries === undefined) return [];
  const calls = ctx.request.calls;
  // A deploy-only request has no calls: rules.deployments alone decides it.
  if (calls.length === 0 && ctx.request.deployment !== undefined) return [];
  // An allowlist must never approve by vacuity: "no calls" is not "only allowed calls".
  if (calls.length === 0) return [deny('allow', 'no_calls', 'the request has no calls')];

  for (const [i, call] of calls.entries()) {
    const refused = checkCall(call, i, entries, ctx.resolve);
    if (refused) return [refused];
  }
  return [pass('allow', `${calls.length} call(s) allowed`)];
}

function checkCall(call: PolicyCall, i: number, entries: AllowEntry[], resolve: ContractResolver): Verdict | undefined {
  const to = resolve(call.to);
  const onContract = to === undefined ? [] : entries.filter((e) => resolve(e.contract) === to);
  if (onContract.length === 0) {
    const unresolved = entries.map((e) => e.contract).filter((c) => resolve(c) === undefined);
    const note = unresolved.length ? ` (not in the deployment manifest: ${[...new Set(unresolved)].join(', ')})` : '';
    return deny('allow', 'contract_not_allowed', `call ${i} targets ${call.to}, which no allow entry names${note}`);
  }

  const selector = parseFelt(call.selector);
  const onSelector = onContract.filter((e) => e.selectors.some((s) => selector !== undefined && selectorOf(s) === selector));
  const label = call.entrypoint ?? call.selector;
  if (onSelector.length === 0) {
    return deny('allow', 'selector_not_allowed', `call ${i}: ${label} is not allowed on ${onContract[0]!.contract}`);
  }

  // Entries are alternatives: the call passes if any one entry's constraints all hold.
  let firstFailure: string | undefined;
  for (const entry of onSelector) {
    const failure = (entry.calldata ?? []).map((c) => checkConstraint(c, call.calldata, resolve)).find((f) => f);
    if (failure === undefined) return undefined;
    firstFailure ??= failure;
  }
  return deny('allow', 'calldata_constraint', `call ${i} (${label}): ${firstFailure}`);
}

/** Returns why the constraint fails, or undefined when it holds. */
export function checkConstraint(c: CalldataConstraint, calldata: readonly string[], resolve: ContractResolver): string | undefined {
  const at = c.type === 'u256' ? `calldata[${c.index}..${c.index + 1}] (u256)` : `calldata[${c.index}]`;
  const value = readValue(c, calldata);
  if (value === undefined) return `${at} is missing or not a valid ${c.type}`;

  if (c.equals !== undefined) {
    const expected = expectedValue(c.equals, resolve);
    if (expected === undefined) return `${at} must equal ${c.equals}, which is not in the deployment manifest`;
    if (value !== expected) return `${at} is ${value}, must equal ${c.equals}`;
  }
  if (c.min !== undefined && value < BigInt(c.min)) return `${at} is ${value}, below the minimum ${c.min}`;
  if (c.max !== undefined && value > BigInt(c.max)) return `${at} is ${value}, above the maximum ${c.max}`;
  return undefined;
}

function readValue(c: CalldataConstraint, calldata: readonly string[]): bigint | undefined {
  const low = felt(calldata[c.index]);
  if (c.type === 'felt') return low;
  const high = felt(calldata[c.index + 1]);
  // Each u256 half is a u128 in Cairo's serialisation; larger halves are a malformed amount.
  if (low === undefined || high === undefined || low >= U128 || high >= U128) return undefined;
  return (high << 128n) + low;
}

const felt = (s: string | undefined) => (s === undefined ? undefined : parseFelt(s));

function expectedValue(equals: string, resolve: ContractResolver): bigint | undefined {
  if (/^[0-9]/.test(equals)) return BigInt(equals);
  const address = resolve(equals);
  return address === undefined ? undefined : BigInt(address);
}

/** A deployment is sponsored only by a policy naming its class; a request without one is not this rule's business. */
export function checkDeployments(ctx: EvalContext): Verdict[] {
  const d = ctx.request.deployment;
  if (d === undefined) return [];
  const rule = ctx.policy.rules.deployments;
  if (rule === undefined) return [deny('deployments', 'deployment_not_allowed', 'the policy does not sponsor account deployments')];
  const cls = parseFelt(d.classHash);
  const accepted = (ctx.facts.accountClasses ?? []).map(parseFelt);
  const ok = cls !== undefined && rule.classHashes.some((c) => (c === 'accepted' ? accepted.includes(cls) : parseFelt(c) === cls));
  return ok
    ? [pass('deployments', `class ${d.classHash} may be deployed`)]
    : [deny('deployments', 'deployment_not_allowed', `class ${d.classHash} is not one the policy deploys`)];
}

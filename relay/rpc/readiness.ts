/**
 * Is the relay ready to sponsor: the store answers, the node answers, some
 * relayer is funded, and the simulation account, when one is configured, is a
 * relayer the Paymaster accepts (else every execute is refused 'PM: not
 * relayer' in simulation: closed, but the operator should see why). Anyone
 * may ask (paymaster_isAvailable, GET /health) without a key, so the answer is
 * computed at most once per READY_TTL_MS per instance: asking can't be turned
 * into load on the node or the store.
 */
import type { RelayDeps } from '../deps.ts';
import { isRelayer } from '../chain/paymaster.ts';

export interface Readiness {
  ok: boolean;
  store: boolean;
  chain: boolean;
  relayers: { total: number; available: number };
  /** Present when config.simulator is set: whether the Paymaster has it as a relayer. */
  simulator?: boolean;
}

const READY_TTL_MS = 2_000;
const cache = new WeakMap<RelayDeps, { at: number; value: Promise<Readiness> }>();

export function readiness(deps: RelayDeps): Promise<Readiness> {
  const hit = cache.get(deps);
  if (hit && Date.now() - hit.at < READY_TTL_MS) return hit.value;
  const value = probe(deps);
  cache.set(deps, { at: Date.now(), value });
  return value;
}

async function probe(deps: RelayDeps): Promise<Readiness> {
  const sim = deps.config.simulator;
  const [store, chain, relayers, simulator] = await Promise.all([
    deps.store.ping().then(() => true, () => false),
    deps.provider.getBlockNumber().then(() => true, () => false),
    deps.relayers.status().catch(() => []),
    sim === undefined ? undefined : isRelayer(deps.provider, deps.config.manifest.contracts.paymaster.address, sim).catch(() => false),
  ]);
  // Balances are the operator's business: only how many relayers can pay is public.
  const available = relayers.filter((r) => r.inRotation).length;
  const ok = store && chain && available > 0 && simulator !== false;
  return { ok, store, chain, relayers: { total: deps.relayers.size, available }, ...(simulator === undefined ? {} : { simulator }) };
}

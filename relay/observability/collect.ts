/**
 * What /metrics reads when it is scraped rather than counts as it goes:
 * relayer balances and rotation, whether the store and the node answer, and
 * how many tracking records are open. Each read is bounded in time, and one
 * that fails leaves its gauge out (or at 0 for up) instead of failing the
 * scrape: metrics matter most while something is down.
 */
import type { RelayDeps } from '../deps.ts';
import { Keys } from '../store/keys.ts';

const SCRAPE_READ_MS = 2_000;

function within<T>(p: Promise<T>, ms = SCRAPE_READ_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

export async function collectGauges(deps: RelayDeps): Promise<void> {
  const { metrics } = deps;
  const [store, chain, relayers, active, dropped] = await Promise.allSettled([
    within(deps.store.ping()),
    within(deps.provider.getBlockNumber()),
    within(deps.relayers.status()),
    within(deps.store.members(Keys.trackingActive)),
    within(deps.store.members(Keys.trackingDropped)),
  ]);
  metrics.up('store', store.status === 'fulfilled');
  metrics.up('chain', chain.status === 'fulfilled');
  if (relayers.status === 'fulfilled') {
    for (const r of relayers.value) metrics.relayer({ address: r.address, balanceFri: r.balance === null ? null : BigInt(r.balance), available: r.inRotation });
  }
  if (active.status === 'fulfilled') metrics.trackingOpen('active', active.value.length);
  if (dropped.status === 'fulfilled') metrics.trackingOpen('dropped', dropped.value.length);
}

/**
 * The tip the relayer's transaction carries: what the client asked for in
 * `fee_mode.tip` (SNIP-29: "slow" | "normal" | "fast" | {custom}), "normal"
 * when it asked for nothing. Levels read the market from recent blocks; an
 * operator can pin one figure for every level (a devnet has no market). A tip
 * is the relayer's money, so it is capped and counted in the worst-case fee;
 * a sponsored one's custom figure, at the fast level.
 */
import type { FeeMode } from '../chain/snip29.ts';
import type { RelayDeps } from '../deps.ts';
import { chainUnavailable } from '../errors/chain.ts';

export async function resolveTip(deps: RelayDeps, feeMode: FeeMode): Promise<bigint> {
  const asked = feeMode.tip ?? 'normal';
  if (typeof asked !== 'object') return level(deps, asked);
  const custom = BigInt(asked.custom);
  // A sponsored transaction's tip is the sponsor's money, and its key is public: a client may ask for
  // speed, up to the market's fast level, but not name a figure (up to maxTip, ~10x a heartbeat's fee).
  return feeMode.mode === 'sponsored' ? min(custom, await level(deps, 'fast')) : min(custom, BigInt(deps.config.maxTip));
}

async function level(deps: RelayDeps, asked: 'slow' | 'normal' | 'fast'): Promise<bigint> {
  const { relayerTip, maxTip } = deps.config;
  const cap = BigInt(maxTip);
  if (relayerTip !== 'market' && relayerTip !== 'recommended') return min(BigInt(relayerTip), cap);
  let market;
  try {
    market = await deps.provider.getEstimateTip('latest');
  } catch (e) {
    throw chainUnavailable(e);
  }
  const tip = asked === 'slow' ? market.minTip : asked === 'fast' ? market.p90Tip : market.recommendedTip;
  return min(tip, cap);
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);

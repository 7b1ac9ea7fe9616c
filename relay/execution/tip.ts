/**
 * The tip the relayer's transaction carries: what the client asked for in
 * `fee_mode.tip` (SNIP-29: "slow" | "normal" | "fast" | {custom}), "normal"
 * when it asked for nothing. Levels read the market from recent blocks; an
 * operator can pin one figure for every level (a devnet has no market). A tip
 * is the relayer's money, so it is capped and counted in the worst-case fee.
 */
import type { FeeMode } from '../chain/snip29.ts';
import type { RelayDeps } from '../deps.ts';
import { chainUnavailable } from '../errors/chain.ts';

export async function resolveTip(deps: RelayDeps, feeMode: FeeMode): Promise<bigint> {
  const { relayerTip, maxTip } = deps.config;
  const asked = feeMode.tip ?? 'normal';
  const cap = BigInt(maxTip);
  if (typeof asked === 'object') return min(BigInt(asked.custom), cap);
  if (relayerTip !== 'market' && relayerTip !== 'recommended') return min(BigInt(relayerTip), cap);
  let market;
  try {
    market = await deps.provider.getEstimateTip('latest');
  } catch (e) {
    throw chainUnavailable(e);
  }
  const level = asked === 'slow' ? market.minTip : asked === 'fast' ? market.p90Tip : market.recommendedTip;
  return min(level, cap);
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);

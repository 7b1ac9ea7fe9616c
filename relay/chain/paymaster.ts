/**
 * The Paymaster contract's pause switch, as the relay sees it. Sponsored
 * invokes already stop at simulation while it is paused ('PM: paused'), but
 * deployments go through the UDC and never touch the Paymaster, so the relay
 * must ask. The answer is kept a few seconds per instance: a pause is an
 * operator action, and a few seconds of lag cost at most a few refusals' worth
 * of node calls, never gas (execute re-simulates every invoke).
 */
import type { RpcProvider } from 'starknet';
import { RelayError } from '../errors/base.ts';
import { chainUnavailable } from '../errors/chain.ts';

const FRESH_MS = 5_000;

export class PaymasterState {
  private cached?: { paused: boolean; at: number };
  private pending?: Promise<boolean>;

  constructor(
    private readonly provider: Pick<RpcProvider, 'callContract'>,
    private readonly address: string,
    private readonly nowMs: () => number = () => Date.now(),
  ) {}

  async paused(): Promise<boolean> {
    if (this.cached && this.nowMs() - this.cached.at < FRESH_MS) return this.cached.paused;
    // Concurrent requests share one read.
    this.pending ??= this.read().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Refuses while the operator has paused the Paymaster; a pause that can't be read refuses too (fail closed). */
  async assertActive(): Promise<void> {
    let paused: boolean;
    try {
      paused = await this.paused();
    } catch (e) {
      throw chainUnavailable(e);
    }
    if (paused) {
      throw new RelayError('paymaster_paused', { details: 'The operator has paused sponsorship on the Paymaster contract; retry later.' });
    }
  }

  private async read(): Promise<boolean> {
    const res = await this.provider.callContract({ contractAddress: this.address, entrypoint: 'is_paused', calldata: [] });
    const paused = BigInt(res[0] ?? 0) !== 0n;
    this.cached = { paused, at: this.nowMs() };
    return paused;
  }
}

/**
 * How many more relayed transactions the Paymaster will accept from `account`
 * this period, as its consume_quota() would count at `now` (chain seconds): the
 * account's own allowance, else its tier's maximum, minus what it used in a
 * period still running. A period that has ended counts as reset, which it is
 * by the time a transaction sent now executes (chain time only moves on).
 */
export async function accountQuotaLeft(provider: Pick<RpcProvider, 'callContract'>, paymaster: string, account: string, now: number): Promise<bigint> {
  // AccountUsage's Serde: tier, allowance_override (Option: 0 then the value for Some, 1 for None), period_start, txs_in_period, total.
  const usage = (await provider.callContract({ contractAddress: paymaster, entrypoint: 'get_account', calldata: [account] })).map(BigInt);
  const [tier, variant] = [usage[0]!, usage[1]!];
  const override = variant === 0n ? usage[2]! : undefined;
  const [periodStart, used] = variant === 0n ? [usage[3]!, usage[4]!] : [usage[2]!, usage[3]!];
  // TierConfig's Serde: max_txs_per_period, period_seconds.
  const [tierMax, period] = (await provider.callContract({ contractAddress: paymaster, entrypoint: 'get_tier', calldata: [tier.toString()] })).map(BigInt);
  const max = override ?? tierMax!;
  const usedNow = BigInt(now) - periodStart >= period! ? 0n : used;
  return max > usedNow ? max - usedNow : 0n;
}

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
 * this period: its quota_left view, which counts with consume_quota's own
 * rule (the account's allowance, else its tier's maximum, minus what it used
 * in a period still running), so the relay keeps no copy of that rule.
 */
export async function accountQuotaLeft(provider: Pick<RpcProvider, 'callContract'>, paymaster: string, account: string): Promise<bigint> {
  // `latest`, not pre_confirmed: transactions not yet accepted are still held by the relay (quotaHold.ts),
  // and those it has settled are accepted, so each is counted exactly once.
  const [left] = await provider.callContract({ contractAddress: paymaster, entrypoint: 'quota_left', calldata: [account] }, 'latest');
  return BigInt(left!);
}

/** Whether the Paymaster accepts `address` as a relayer (its is_relayer view). */
export async function isRelayer(provider: Pick<RpcProvider, 'callContract'>, paymaster: string, address: string): Promise<boolean> {
  const [yes] = await provider.callContract({ contractAddress: paymaster, entrypoint: 'is_relayer', calldata: [address] });
  return BigInt(yes ?? 0) !== 0n;
}

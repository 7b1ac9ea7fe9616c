/**
 * An RpcProvider tuned for a local devnet: receipts are polled every 100 ms
 * instead of starknet.js's default 5 s, and tips are zero (devnet has no fee
 * market, so sampling recent blocks for a tip only costs time).
 */
import { RpcProvider, type RpcProviderOptions } from 'starknet';

type WaitArgs = Parameters<RpcProvider['waitForTransaction']>;

export class LocalProvider extends RpcProvider {
  constructor(options: RpcProviderOptions) {
    super(options);
  }

  override waitForTransaction(txHash: WaitArgs[0], options?: WaitArgs[1]) {
    return super.waitForTransaction(txHash, { retryInterval: 100, ...options });
  }

  override async getEstimateTip(): Promise<Awaited<ReturnType<RpcProvider['getEstimateTip']>>> {
    return { minTip: 0n, maxTip: 0n, averageTip: 0n, medianTip: 0n, modeTip: 0n, recommendedTip: 0n, p90Tip: 0n, p95Tip: 0n } as never;
  }
}

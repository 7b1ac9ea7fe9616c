/**
 * accountQuotaLeft() counts as the Paymaster's consume_quota() does, from the
 * Serde encodings of get_account and get_tier (pure decoding and arithmetic:
 * the provider here only answers those two calls; the devnet side is
 * test/security/account-quota.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { accountQuotaLeft } from '../../../relay/chain/paymaster.ts';

const TIERS: Record<string, [number, number]> = { '0': [1000, 86_400], '3': [5, 60] };

/** A Paymaster with one account: [tier, allowance (undefined = None), period_start, txs_in_period]. */
function paymaster(tier: number, allowance: number | undefined, periodStart: number, used: number) {
  const option = allowance === undefined ? [1] : [0, allowance];
  return {
    callContract: async ({ entrypoint, calldata }: { entrypoint: string; calldata?: unknown }) => {
      if (entrypoint === 'get_account') return [tier, ...option, periodStart, used, 42].map((n) => `0x${n.toString(16)}`);
      if (entrypoint === 'get_tier') return TIERS[String((calldata as string[])[0])]!.map((n) => `0x${n.toString(16)}`);
      throw new Error(`unexpected ${entrypoint}`);
    },
  };
}
const left = (pm: ReturnType<typeof paymaster>, now: number) => accountQuotaLeft(pm as never, '0xpm', '0xa11ce', now);

describe("what the Paymaster's quota has left", () => {
  it("uses the tier's maximum when the account has no allowance of its own", async () => {
    expect(await left(paymaster(0, undefined, 1_000, 998), 2_000)).toBe(2n);
    expect(await left(paymaster(3, undefined, 1_000, 2), 1_030)).toBe(3n);
  });

  it("uses the account's allowance over its tier, an allowance of 0 included", async () => {
    expect(await left(paymaster(0, 7, 1_000, 3), 2_000)).toBe(4n);
    expect(await left(paymaster(0, 0, 1_000, 0), 2_000)).toBe(0n);
  });

  it('counts a period that has ended as reset, and one still running as used', async () => {
    expect(await left(paymaster(3, undefined, 1_000, 5), 1_059)).toBe(0n);
    expect(await left(paymaster(3, undefined, 1_000, 5), 1_060)).toBe(5n);
  });

  it('never goes below zero when the tier was lowered under what was used', async () => {
    expect(await left(paymaster(3, undefined, 1_000, 9), 1_010)).toBe(0n);
  });
});

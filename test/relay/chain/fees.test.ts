/** Fee arithmetic: every division rounds up, margins are what the relay signs for, quotes are exact. */
import { describe, expect, it } from 'vitest';
import { ceilPct, gasTokens, quote, strkToToken, withMargins, type Priced } from '../../../relay/chain/fees.ts';
import { parseConfig } from '../../../relay/config.ts';
import { MANIFEST } from '../admin/helpers.ts';

const CIRO: Priced = { symbol: 'CIRO', address: '0x333', decimals: 18, priceInStrk: 5n * 10n ** 17n };
const USDC: Priced = { symbol: 'USDC', address: '0x666', decimals: 6, priceInStrk: 3n * 10n ** 18n };

describe('fee arithmetic', () => {
  it('converts fri to a gas token, rounding up so the relay never undercharges', () => {
    // 0.5 STRK per CIRO: 1 fri costs 2 CIRO wei.
    expect(strkToToken(1n, CIRO)).toBe(2n);
    expect(strkToToken(10n ** 18n, CIRO)).toBe(2n * 10n ** 18n);
    // 3 STRK per USDC, 6 decimals: 1 STRK is 333333.33… micro-USDC, charged as 333334.
    expect(strkToToken(10n ** 18n, USDC)).toBe(333_334n);
    expect(strkToToken(3n * 10n ** 18n, USDC)).toBe(1_000_000n);
    expect(strkToToken(0n, USDC)).toBe(0n);
  });

  it('rounds percentages up, exactly, even past 2^64', () => {
    expect(ceilPct(100n, 150n)).toBe(150n);
    expect(ceilPct(1n, 150n)).toBe(2n);
    expect(ceilPct(3n, 110n)).toBe(4n);
    expect(ceilPct(2n ** 100n, 130n)).toBe((2n ** 100n * 130n + 99n) / 100n);
  });

  it('quotes estimated and suggested fees in STRK and the gas token, as hex', () => {
    const q = quote(1_000n, CIRO, 150);
    expect(q).toEqual({
      gas_token_price_in_strk: '0x6f05b59d3b20000',
      estimated_fee_in_strk: '0x3e8',
      estimated_fee_in_gas_token: '0x7d0',
      suggested_max_fee_in_strk: '0x5dc',
      suggested_max_fee_in_gas_token: '0xbb8',
    });
    // A multiplier that leaves a fraction rounds the suggestion up.
    expect(BigInt(quote(1n, CIRO, 150).suggested_max_fee_in_strk)).toBe(2n);
  });

  it('bounds a simulation by amount ×1.3 and price ×1.5, and maxFee is their product summed', () => {
    const raw = {
      l1_gas: { max_amount: 0n, max_price_per_unit: 10n },
      l2_gas: { max_amount: 1_000_001n, max_price_per_unit: 3n },
      l1_data_gas: { max_amount: 128n, max_price_per_unit: 7n },
    };
    const { bounds, maxFee } = withMargins(raw);
    expect(bounds.l2_gas).toEqual({ max_amount: 1_300_002n, max_price_per_unit: 5n });
    expect(bounds.l1_data_gas).toEqual({ max_amount: 167n, max_price_per_unit: 11n });
    expect(bounds.l1_gas).toEqual({ max_amount: 0n, max_price_per_unit: 15n });
    expect(maxFee).toBe(1_300_002n * 5n + 167n * 11n);
  });

  it('offers only gas tokens the manifest knows the address of', () => {
    const config = parseConfig({
      rpcUrl: 'http://127.0.0.1:9',
      manifest: MANIFEST,
      relayers: [{ address: '0x1', privateKey: '0x2' }],
      gasTokens: { STRK: { priceInStrk: '1000000000000000000' }, GHOST: { priceInStrk: '1' } },
    });
    expect(gasTokens(config)).toEqual([{ symbol: 'STRK', address: MANIFEST.tokens.STRK.address, decimals: 18 }]);
  });
});

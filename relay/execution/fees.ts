/**
 * Fee quotes in STRK and in the user's gas token. Prices are config (the
 * relay's own price list), so a quote is reproducible and auditable; token
 * amounts round up so the relay never undercharges by rounding.
 */
import { num } from 'starknet';

export interface GasToken {
  symbol: string;
  address: string;
  decimals: number;
  /** Price of one whole token, in fri. */
  priceInStrk: bigint;
}

export interface FeeQuote {
  gas_token_price_in_strk: string;
  estimated_fee_in_strk: string;
  estimated_fee_in_gas_token: string;
  suggested_max_fee_in_strk: string;
  suggested_max_fee_in_gas_token: string;
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

export function strkToToken(feeFri: bigint, token: GasToken): bigint {
  return ceilDiv(feeFri * 10n ** BigInt(token.decimals), token.priceInStrk);
}

export function quote(estimatedFri: bigint, token: GasToken, multiplierPct: number): FeeQuote {
  const maxFri = ceilDiv(estimatedFri * BigInt(multiplierPct), 100n);
  return {
    gas_token_price_in_strk: num.toHex(token.priceInStrk),
    estimated_fee_in_strk: num.toHex(estimatedFri),
    estimated_fee_in_gas_token: num.toHex(strkToToken(estimatedFri, token)),
    suggested_max_fee_in_strk: num.toHex(maxFri),
    suggested_max_fee_in_gas_token: num.toHex(strkToToken(maxFri, token)),
  };
}

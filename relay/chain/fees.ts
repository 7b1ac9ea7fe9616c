/**
 * Fee arithmetic: quotes in STRK and in the user's gas token, and the margins
 * the relay puts on a simulation before it signs. Prices are config (the
 * relay's own price list), so a quote is reproducible and auditable. Every
 * division rounds up: the relay never undercharges or under-bounds by rounding.
 */
import type { Config } from '../config.ts';
import { RelayError } from '../errors/base.ts';
import { toHex } from './felt.ts';

export interface GasToken {
  symbol: string;
  address: string;
  decimals: number;
}

/** A token with the price a quote or a payment check uses: fri per whole token. */
export interface Priced extends GasToken {
  priceInStrk: bigint;
}

export interface FeeQuote {
  gas_token_price_in_strk: string;
  estimated_fee_in_strk: string;
  estimated_fee_in_gas_token: string;
  suggested_max_fee_in_strk: string;
  suggested_max_fee_in_gas_token: string;
}

export const STRK_PRICE = 10n ** 18n;

/** The configured gas tokens that the manifest knows the address of. */
export function gasTokens(config: Config): GasToken[] {
  return Object.keys(config.gasTokens).flatMap((symbol) => {
    const t = config.manifest.tokens[symbol];
    return t ? [{ symbol, address: t.address, decimals: t.decimals }] : [];
  });
}

export function findGasToken(config: Config, address: string): GasToken | undefined {
  const a = BigInt(address);
  return gasTokens(config).find((t) => BigInt(t.address) === a);
}

/** STRK itself, to quote sponsored transactions in (its price is 1 STRK by definition). */
export function strkToken(config: Config): Priced {
  const strk = config.manifest.tokens.STRK;
  return { symbol: 'STRK', address: strk?.address ?? '0x0', decimals: strk?.decimals ?? 18, priceInStrk: STRK_PRICE };
}

export const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
export const ceilPct = (v: bigint, pct: bigint) => ceilDiv(v * pct, 100n);

export function strkToToken(feeFri: bigint, token: Priced): bigint {
  return ceilDiv(feeFri * 10n ** BigInt(token.decimals), token.priceInStrk);
}

/** What an amount of the token is worth in fri, rounded down (what it covers, never more). */
export function tokenToStrk(amount: bigint, token: Priced): bigint {
  return (amount * token.priceInStrk) / 10n ** BigInt(token.decimals);
}

export function quote(estimatedFri: bigint, token: Priced, multiplierPct: number): FeeQuote {
  const maxFri = ceilPct(estimatedFri, BigInt(multiplierPct));
  return {
    gas_token_price_in_strk: toHex(token.priceInStrk),
    estimated_fee_in_strk: toHex(estimatedFri),
    estimated_fee_in_gas_token: toHex(strkToToken(estimatedFri, token)),
    suggested_max_fee_in_strk: toHex(maxFri),
    suggested_max_fee_in_gas_token: toHex(strkToToken(maxFri, token)),
  };
}

export type Resource = 'l1_gas' | 'l2_gas' | 'l1_data_gas';
export type ResourceBounds = Record<Resource, { max_amount: bigint; max_price_per_unit: bigint }>;

/**
 * Amounts vary a little between simulation and inclusion, and prices can move
 * a block: the relayer's bounds are the simulation's raw consumption plus
 * these margins (the provider is built without starknet.js's own overhead).
 */
export const AMOUNT_MARGIN_PCT = 130n;
export const PRICE_MARGIN_PCT = 150n;
/** In default mode the user's payment must cover the simulated fee plus this margin. */
export const FEE_COVER_PCT = 110n;

export function withMargins(raw: ResourceBounds): { bounds: ResourceBounds; maxFee: bigint } {
  const bound = (r: ResourceBounds[Resource]) => ({
    max_amount: ceilPct(r.max_amount, AMOUNT_MARGIN_PCT),
    max_price_per_unit: ceilPct(r.max_price_per_unit, PRICE_MARGIN_PCT),
  });
  const bounds = { l1_gas: bound(raw.l1_gas), l2_gas: bound(raw.l2_gas), l1_data_gas: bound(raw.l1_data_gas) };
  const maxFee = Object.values(bounds).reduce((sum, r) => sum + r.max_amount * r.max_price_per_unit, 0n);
  return { bounds, maxFee };
}

/** One relayed transaction may use at most `cap` L2 gas, whatever a policy would pay for. */
export function checkL2Gas(l2Gas: bigint, cap: number): void {
  if (l2Gas > BigInt(cap)) {
    throw new RelayError('gas_limit_exceeded', {
      details: `The transaction needs ${l2Gas} L2 gas; this relay sponsors at most ${cap} per transaction. Split the calls.`,
      // 156 carries `execution_error` (SNIP-29): here, why nothing was executed.
      data: { execution_error: `L2 gas ${l2Gas} exceeds the relay's cap of ${cap} per transaction`, l2_gas: l2Gas.toString(), max_l2_gas: cap },
    });
  }
}

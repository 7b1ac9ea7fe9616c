/**
 * Gas-token prices for default fee mode, from the sources the operator lists
 * per token, tried in order: an on-chain oracle with Pragma's ABI, an HTTP
 * JSON endpoint, a fixed figure. Each reading has a staleness bound; a token
 * none of whose sources has a fresh price can't be paid with until one does
 * (sponsored mode never needs a price). Readings are kept a few seconds per
 * instance, so a burst of quotes costs one oracle call.
 */
import { shortString, type RpcProvider } from 'starknet';
import type { Config, PriceSource } from '../config.ts';
import { RelayError } from '../errors/base.ts';
import { STRK_PRICE, type GasToken, type Priced } from './fees.ts';

export interface PricedToken extends Priced {
  /** Which source gave it: `pragma`, `http` or `fixed`. */
  source: PriceSource['kind'];
}

interface Reading {
  priceInStrk: bigint;
  /** Unix seconds the price was published at (fixed prices: now). */
  at: number;
}

const KEEP_MS = 5_000;

/** `"0.5"` STRK → 5 × 10^17 fri, exactly (no float on the way). */
export function strkToFri(value: string | number): bigint | undefined {
  const m = /^(\d+)(?:\.(\d{1,18}))?$/.exec(String(value).trim());
  if (!m) return undefined;
  return BigInt(m[1]!) * STRK_PRICE + BigInt((m[2] ?? '').padEnd(18, '0') || '0');
}

export class PriceBook {
  private readonly kept = new Map<string, { reading: Reading; until: number }>();

  constructor(
    private readonly config: Config,
    private readonly provider: Pick<RpcProvider, 'callContract'>,
    private readonly fetchImpl: typeof fetch = (i, init) => globalThis.fetch(i, init),
    private readonly nowMs: () => number = () => Date.now(),
  ) {}

  /** The token's price from the first source with a fresh one; refuses (fail closed) when none has. */
  async price(token: GasToken): Promise<PricedToken> {
    const sources = this.config.gasTokens[token.symbol]?.sources ?? [];
    const now = this.nowMs() / 1000;
    for (const [i, src] of sources.entries()) {
      const reading = await this.read(`${token.symbol}/${i}`, src).catch(() => undefined);
      if (reading && reading.priceInStrk > 0n && now - reading.at <= maxAge(src)) return { ...token, priceInStrk: reading.priceInStrk, source: src.kind };
    }
    throw new RelayError('price_unavailable', {
      details: `No source has a fresh ${token.symbol} price; pay in another token or ask for sponsored mode, or retry later.`,
      data: { gas_token: token.address },
    });
  }

  private async read(key: string, src: PriceSource): Promise<Reading> {
    if (src.kind === 'fixed') return { priceInStrk: BigInt(src.priceInStrk), at: this.nowMs() / 1000 };
    const hit = this.kept.get(key);
    if (hit && hit.until > this.nowMs()) return hit.reading;
    const reading = src.kind === 'pragma' ? await this.pragma(src) : await this.http(src);
    this.kept.set(key, { reading, until: this.nowMs() + KEEP_MS });
    return reading;
  }

  /** `get_data_median(DataType::SpotEntry(pair))` → [price, decimals, last_updated_timestamp, …]. */
  private async pragma(src: Extract<PriceSource, { kind: 'pragma' }>): Promise<Reading> {
    const oracle = this.config.manifest.oracles.pragma?.address;
    if (!oracle) throw new Error('the manifest names no Pragma oracle');
    const res = await this.provider.callContract({
      contractAddress: oracle,
      entrypoint: 'get_data_median',
      calldata: ['0', shortString.encodeShortString(src.pair)],
    });
    const [price, decimals, at] = res.map((x) => BigInt(x));
    if (price === undefined || decimals === undefined || at === undefined || decimals > 36n) throw new Error('unexpected oracle answer');
    return { priceInStrk: (price * STRK_PRICE) / 10n ** decimals, at: Number(at) };
  }

  /** A JSON endpoint giving STRK per token at `field`, and its publication time (unix s) at `timestampField`. */
  private async http(src: Extract<PriceSource, { kind: 'http' }>): Promise<Reading> {
    const res = await this.fetchImpl(src.url, { signal: AbortSignal.timeout(src.timeoutMs), redirect: 'error' });
    if (!res.ok) throw new Error(`price endpoint answered ${res.status}`);
    const body = (await res.json()) as unknown;
    const price = strkToFri(pick(body, src.field) as string);
    if (price === undefined) throw new Error(`no price at ${src.field}`);
    const at = src.timestampField === undefined ? this.nowMs() / 1000 : Number(pick(body, src.timestampField));
    if (!Number.isFinite(at)) throw new Error(`no timestamp at ${src.timestampField}`);
    return { priceInStrk: price, at };
  }
}

const maxAge = (src: PriceSource) => (src.kind === 'fixed' ? Infinity : src.maxAgeSeconds);

function pick(body: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), body);
}

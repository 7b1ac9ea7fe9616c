/**
 * Gas-token prices from the sources an operator lists, in order, each with a
 * staleness bound: a real local HTTP price server (stopped to force the
 * fallback), fixed figures, and the refusal when nothing fresh is left.
 * The on-chain oracle source is exercised on devnet (test/relay/execution/prices-e2e).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PriceBook, strkToFri } from '../../../relay/chain/prices.ts';
import { parseConfig } from '../../../relay/config.ts';
import { RelayError } from '../../../relay/errors/base.ts';
import { MANIFEST } from '../admin/helpers.ts';

const CIRO = { symbol: 'CIRO', address: MANIFEST.contracts.ciro_token.address, decimals: 18 };
const feed = { price: '0.5' as string | number, at: Math.floor(Date.now() / 1000), served: 0 };
let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((_req, res) => {
    feed.served++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { ciro_strk: feed.price, updated: feed.at } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/price`;
});
afterAll(() => server?.close());

function book(sources: unknown[], clock = { ms: Date.now() }) {
  const config = parseConfig({
    rpcUrl: 'http://127.0.0.1:9',
    manifest: { ...MANIFEST, tokens: { ...MANIFEST.tokens, CIRO: { address: CIRO.address, decimals: 18 } } },
    relayers: [{ address: '0x1', privateKey: '0x2' }],
    gasTokens: { CIRO: { sources } },
  });
  const unreachable = { callContract: async () => Promise.reject(new Error('no node')) };
  return new PriceBook(config, unreachable, undefined, () => clock.ms);
}
const http = { kind: 'http', url: '', field: 'data.ciro_strk', timestampField: 'data.updated', maxAgeSeconds: 60 };

describe('price sources', () => {
  it('converts decimal STRK prices to fri exactly', () => {
    expect(strkToFri('0.5')).toBe(5n * 10n ** 17n);
    expect(strkToFri(2)).toBe(2n * 10n ** 18n);
    expect(strkToFri('0.000000000000000001')).toBe(1n);
    expect(strkToFri('1e3')).toBeUndefined();
  });

  it('reads an HTTP source, keeps it a few seconds, and says which source priced the token', async () => {
    const clock = { ms: Date.now() };
    const b = book([{ ...http, url }], clock);
    feed.price = '0.5';
    feed.at = Math.floor(clock.ms / 1000);
    const served = feed.served;
    expect(await b.price(CIRO)).toMatchObject({ priceInStrk: 5n * 10n ** 17n, source: 'http' });
    feed.price = '0.75';
    expect((await b.price(CIRO)).priceInStrk).toBe(5n * 10n ** 17n);
    expect(feed.served).toBe(served + 1);
    clock.ms += 6_000;
    feed.at = Math.floor(clock.ms / 1000);
    expect((await b.price(CIRO)).priceInStrk).toBe(75n * 10n ** 16n);
  });

  it('skips a stale price and a stopped server for the next source, and refuses when nothing fresh is left', async () => {
    const clock = { ms: Date.now() };
    feed.at = Math.floor(clock.ms / 1000) - 120;
    const withFallback = book([{ ...http, url }, { kind: 'fixed', priceInStrk: '400000000000000000' }], clock);
    expect(await withFallback.price(CIRO)).toMatchObject({ priceInStrk: 4n * 10n ** 17n, source: 'fixed' });
    const onlyHttp = book([{ ...http, url }], clock);
    const stale = await onlyHttp.price(CIRO).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(RelayError);
    expect(stale).toMatchObject({ reason: 'price_unavailable', code: -32003 });
    const dead = book([{ ...http, url: 'http://127.0.0.1:9/price' }, { kind: 'pragma', pair: 'CIRO/STRK' }], clock);
    await expect(dead.price(CIRO)).rejects.toMatchObject({ reason: 'price_unavailable' });
  });
});

/**
 * The mock Pragma oracle the local stack deploys (contracts/src/mocks/pragma.cairo),
 * read the way the relay reads Pragma: through an ABI written from Pragma's
 * own (not our compiled one), and as raw calldata. Only the owner moves prices.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CairoCustomEnum, Contract, shortString, type Abi } from 'starknet';
import { CIRO_STRK_PAIR, CIRO_STRK_PRICE, PRAGMA_DECIMALS } from '../../scripts/local/deploy.ts';
import { contractAt, expectFields, expectTxRevert, none, oneEvent, populate, send, useCiroChain } from '../helpers/contracts.ts';

/** Pragma's consumer ABI for `get_data_median`, written from Pragma's (its type paths, not ours). */
const PRAGMA_ABI = JSON.parse(readFileSync(new URL('./pragma-abi.json', import.meta.url), 'utf8')) as Abi;

const suite = useCiroChain({ relayerCount: 1 });
let pragma: Contract;
let mock: Contract;
const pair = shortString.encodeShortString(CIRO_STRK_PAIR);
const spot = (p: string) => new CairoCustomEnum({ SpotEntry: p, FutureEntry: undefined, GenericEntry: undefined });
const median = (p: string) => pragma.call('get_data_median', [spot(p)]) as Promise<Record<string, unknown>>;

beforeAll(() => {
  const oracle = suite.chain.manifest.oracles.pragma!;
  pragma = new Contract({ abi: PRAGMA_ABI, address: oracle.address, providerOrAccount: suite.chain.provider });
  mock = contractAt(suite.chain.provider, 'MockPragma', oracle.address);
});

describe('mock Pragma oracle on the local stack', () => {
  it('is in the manifest as oracles.pragma, at a contract of that class', async () => {
    const oracle = suite.chain.manifest.oracles.pragma!;
    expect(BigInt(await suite.chain.provider.getClassHashAt(oracle.address))).toBe(BigInt(oracle.classHash));
    expect(BigInt((await mock.call('owner')) as bigint)).toBe(BigInt(suite.admin.address));
  });

  it('serves the seeded CIRO/STRK spot price (0.5 STRK, 8 decimals, published at deploy) through Pragma\'s ABI', async () => {
    const latest = BigInt((await suite.chain.provider.getBlock('latest')).timestamp);
    const res = await median(pair);
    expect(res).toMatchObject({ price: CIRO_STRK_PRICE, decimals: BigInt(PRAGMA_DECIMALS), num_sources_aggregated: 1n });
    expect(res.price).toBe(50_000_000n);
    const at = res.last_updated_timestamp as bigint;
    expect(at > latest - 600n && at <= latest).toBe(true);
    expect(res.expiration_timestamp).toEqual(none());
  });

  it('answers the relay\'s raw call (SpotEntry = variant 0) with price, decimals, timestamp, sources, None = 1', async () => {
    const raw = await suite.chain.provider.callContract({ contractAddress: pragma.address, entrypoint: 'get_data_median', calldata: ['0', pair] });
    const [price, decimals, , sources, option] = raw.map((x) => BigInt(x));
    expect([price, decimals, sources, option, BigInt(raw.length)]).toEqual([CIRO_STRK_PRICE, 8n, 1n, 1n, 5n]);
  });

  it('reads a pair nobody set as all zero', async () => {
    expect(await median(shortString.encodeShortString('BTC/STRK'))).toMatchObject({ price: 0n, num_sources_aggregated: 0n, last_updated_timestamp: 0n });
  });

  it("only the owner sets prices ('ORACLE: not owner'); a new price reads back at once", async () => {
    const stranger = suite.chain.client;
    const args = [pair, 75_000_000n, 8, 1_700_000_000];
    await expectTxRevert(stranger.account, populate(mock, 'set_price', args), 'ORACLE: not owner');
    const r = await send(suite.admin.account, populate(mock, 'set_price', args));
    expectFields(oneEvent(mock, r, 'PriceSet'), { pair_id: pair, price: 75_000_000n, decimals: 8n, timestamp: 1_700_000_000n });
    expect(await median(pair)).toMatchObject({ price: 75_000_000n, decimals: 8n, last_updated_timestamp: 1_700_000_000n });
  });
});

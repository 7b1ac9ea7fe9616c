/**
 * ChainReputationSource against a tiny real JSON-RPC server answering
 * starknet_call like a node would for CdcPool.get_reputation: caching,
 * failure and timeout behaviour, and the gate denying when it is unknown.
 * (The on-chain end-to-end reputation test runs against devnet elsewhere.)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RpcProvider } from 'starknet';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { selectorOf } from '../../../policies/index.ts';
import { StoreUnavailableError } from '../../../relay/errors/base.ts';
import { ChainReputationSource } from '../../../relay/sponsorship/facts/reputation.ts';
import { MemoryStore } from '../../../relay/store/memory.ts';
import { CONTRACTS, makeGate, policy, refused, request, sel, T0 } from './helpers.ts';

const POOL = CONTRACTS.cdc_pool;
const GET_REPUTATION = '0x' + selectorOf('get_reputation')!.toString(16);

/** Worker (normalised hex) -> what the node answers for get_reputation. */
const chain: Record<string, { result?: string[]; error?: boolean; delayMs?: number }> = {
  '0xa11ce': { result: ['0x1f4'] }, // 500
  '0xb0b': { result: ['0x64'] }, // 100
  '0xbad': { error: true },
  '0x5': { result: ['0x1'], delayMs: 1_500 },
  '0x2f': { result: ['0x1', '0x2'] },
  '0xbig': { result: ['0x100000000'] },
};
let calls: { contract: string; selector: string; calldata: string[] }[] = [];
let server: Server;
let provider: RpcProvider;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const { id, method, params } = JSON.parse(raw);
    const reply = (body: object) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, ...body }));
    if (method === 'starknet_specVersion') return reply({ result: '0.9.0' });
    if (method !== 'starknet_call') return reply({ error: { code: -32601, message: 'Method not found' } });
    const { contract_address, entry_point_selector, calldata } = params.request;
    calls.push({ contract: BigInt(contract_address).toString(16), selector: entry_point_selector, calldata });
    const worker = calldata[0] === '0xbig' ? '0xbig' : '0x' + BigInt(calldata[0]).toString(16);
    const answer = BigInt(contract_address) === BigInt(POOL) && BigInt(entry_point_selector) === BigInt(GET_REPUTATION) ? chain[worker] : undefined;
    const send = () =>
      answer?.result ? reply({ result: answer.result }) : reply({ error: { code: 40, message: 'Contract error', data: { revert_error: 'no such worker' } } });
    if (answer?.delayMs) setTimeout(send, answer.delayMs).unref();
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  provider = new RpcProvider({ nodeUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, specVersion: '0.9.0' });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  calls = [];
});

function source(store = new MemoryStore(), clock = { now: T0 }, timeoutMs = 300) {
  return { src: new ChainReputationSource({ provider, store, cdcPool: POOL, timeoutMs, now: () => clock.now }), store, clock };
}

describe('ChainReputationSource', () => {
  it('reads get_reputation(worker) from the CDC Pool', async () => {
    const { src } = source();
    expect(await src.get('0x0000a11ce', { maxAgeSeconds: 0 })).toBe(500);
    expect(calls).toEqual([{ contract: POOL.slice(2), selector: GET_REPUTATION, calldata: ['0xa11ce'] }]);
  });

  it('caches in the store for maxAgeSeconds, shared by relay instances', async () => {
    const store = new MemoryStore();
    const clock = { now: T0 };
    const a = source(store, clock).src;
    const b = source(store, clock).src;
    expect(await a.get('0xa11ce', { maxAgeSeconds: 300 })).toBe(500);
    clock.now = T0 + 299;
    expect(await b.get('0xa11ce', { maxAgeSeconds: 300 })).toBe(500);
    expect(calls).toHaveLength(1);
    // A stricter policy does not accept a value that is too old for it.
    expect(await b.get('0xa11ce', { maxAgeSeconds: 60 })).toBe(500);
    expect(calls).toHaveLength(2);
    // That read refreshed the cache at T0 + 299; it serves until T0 + 599.
    clock.now = T0 + 598;
    expect(await a.get('0xa11ce', { maxAgeSeconds: 300 })).toBe(500);
    expect(calls).toHaveLength(2);
    clock.now = T0 + 599;
    expect(await a.get('0xa11ce', { maxAgeSeconds: 300 })).toBe(500);
    expect(calls).toHaveLength(3);
  });

  it('reads the chain every time when maxAgeSeconds is 0, and once for concurrent requests', async () => {
    const { src } = source();
    await src.get('0xb0b', { maxAgeSeconds: 0 });
    await src.get('0xb0b', { maxAgeSeconds: 0 });
    expect(calls).toHaveLength(2);
    const many = await Promise.all(Array.from({ length: 10 }, () => src.get('0xb0b', { maxAgeSeconds: 30 })));
    expect(many).toEqual(Array(10).fill(100));
    expect(calls).toHaveLength(3);
  });

  it('returns undefined on a contract error and does not cache the failure', async () => {
    const { src } = source();
    expect(await src.get('0xbad', { maxAgeSeconds: 300 })).toBeUndefined();
    expect(await src.get('0xbad', { maxAgeSeconds: 300 })).toBeUndefined();
    expect(calls).toHaveLength(2);
  });

  it('returns undefined when the node is too slow or answers something that is not a u32', async () => {
    const { src } = source();
    const started = Date.now();
    expect(await src.get('0x5', { maxAgeSeconds: 300 })).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1_200);
    expect(await src.get('0x2f', { maxAgeSeconds: 300 })).toBeUndefined();
    expect(await src.get('0xbig', { maxAgeSeconds: 300 })).toBeUndefined();
    expect(await src.get('not-an-address', { maxAgeSeconds: 300 })).toBeUndefined();
  });

  it('returns undefined when the node is unreachable', async () => {
    const dead = new RpcProvider({ nodeUrl: 'http://127.0.0.1:9/', specVersion: '0.9.0' });
    const src = new ChainReputationSource({ provider: dead, store: new MemoryStore(), cdcPool: POOL, timeoutMs: 500 });
    expect(await src.get('0xa11ce', { maxAgeSeconds: 300 })).toBeUndefined();
  });

  it('propagates a store outage instead of guessing', async () => {
    const { src, store } = source();
    await store.close();
    await expect(src.get('0xa11ce', { maxAgeSeconds: 300 })).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});

describe('the sponsorship gate with on-chain reputation', () => {
  it('sponsors a reputable worker and refuses unknown or low reputation', async () => {
    const store = new MemoryStore();
    const rewards = policy({
      id: 'worker-rewards',
      rules: { allow: [{ contract: 'cdc_pool', selectors: ['heartbeat'] }], reputation: { minReputation: 300, cacheTtlSeconds: 60 } },
    });
    const k = makeGate(store, [rewards], { reputation: source(store).src });
    const heartbeat = (sender: string) => request({ tenant: k.tenant, sender, calls: [{ to: POOL, selector: sel('heartbeat'), calldata: [] }] });
    await expect(k.check(heartbeat('0xa11ce'))).resolves.toMatchObject({ policy: 'worker-rewards' });
    await refused(k.check(heartbeat('0xb0b')), 'reputation_too_low', 'reputation', 'worker-rewards');
    await refused(k.check(heartbeat('0xbad')), 'reputation_unknown', 'reputation', 'worker-rewards');
  });
});

/**
 * Hostile input against a relay on devnet, through its real app: thousands of
 * requests that fast-check derives from valid SNIP-29 requests by breaking
 * one part of each (wrong types, overflowing felts, huge arrays, deep nesting,
 * unicode, duplicated keys, garbage bodies), then hand-written adversarial
 * cases. Every answer must be a typed error or a result: no 5xx, no internal
 * error, the relay still serving, memory bounded. HOSTILE_RUNS sets the count.
 */
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTypedData } from '../../relay/chain/snip9.ts';
import { JsonRpcCode, Snip29Code } from '../../relay/errors/codes.ts';
import { checkAnswer } from './answers.ts';
import { heartbeatCall, useRelayStack, type RelayStack } from '../helpers/relay.ts';
import { buildSigned, report } from '../security/helpers.ts';
import { hostileValue, mutate, withDuplicateKey } from './mutate.ts';

const RUNS = Number(process.env.HOSTILE_RUNS ?? 10_000);

const stack = useRelayStack({ tenants: { other: ['worker-rewards'] } });
const seen = { requests: 0, results: 0, byCode: new Map<number, number>(), statuses: new Map<number, number>() };
const rss = { before: process.memoryUsage().rss, after: 0 };
// Live heap after a full collection: RSS alone mostly shows V8 keeping what it once grew to.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const liveHeap = () => (gc(), process.memoryUsage().heapUsed);
const heap = { warm: 0, end: 0 };
afterAll(() => {
  rss.after = process.memoryUsage().rss;
  const codes = [...seen.byCode].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c}×${n}`).join(' ');
  report('hostile input', `${seen.requests} requests, ${seen.results} results, codes ${codes}; RSS ${mb(rss.before)} → ${mb(rss.after)} MB; live heap after the first half ${mb(heap.warm)} MB, after the second ${mb(heap.end)} MB`);
  // Bounded, not exact: the memory store keeps every fuzzed sender's counters until their windows end.
  expect(rss.after).toBeLessThan(1.5 * 2 ** 30);
});
const mb = (n: number) => Math.round(n / 2 ** 20);

/** Posts a raw body and checks the answer is well-formed and typed; returns the parsed body. */
async function send(s: RelayStack, body: string, key = s.apiKey): Promise<any> {
  const res = await s.relay.app.request('/', { method: 'POST', headers: { 'content-type': 'application/json', 'x-paymaster-api-key': key }, body });
  seen.requests++;
  seen.statuses.set(res.status, (seen.statuses.get(res.status) ?? 0) + 1);
  expect(res.status, body.slice(0, 300)).toBeLessThan(500);
  const text = await res.text();
  if (res.status === 204 || text === '') return undefined; // a notification
  const parsed = JSON.parse(text);
  for (const r of Array.isArray(parsed) ? parsed : [parsed]) tally(r, body);
  return parsed;
}

function tally(r: any, body: string): void {
  const code = checkAnswer(r, body);
  if (code === undefined) seen.results++;
  else seen.byCode.set(code, (seen.byCode.get(code) ?? 0) + 1);
}

const signedShape = (s: RelayStack) =>
  buildTypedData(s.chain.manifest.chainId, { caller: '0x414e595f43414c4c4552', nonce: '0x1', executeAfter: 1, executeBefore: 4_000_000_000, calls: [heartbeatCall(s)] });

/** Valid requests of every method: what the mutations start from. */
function templates(s: RelayStack): object[] {
  const worker = s.chain.demo!.worker.address;
  const invoke = { type: 'invoke', invoke: { user_address: worker, calls: [heartbeatCall(s)] } };
  const parameters = { version: '0x1', fee_mode: { mode: 'sponsored' } };
  const rpc = (method: string, params?: unknown) => ({ jsonrpc: '2.0', id: 1, method, ...(params === undefined ? {} : { params }) });
  return [
    rpc('paymaster_buildTransaction', { transaction: invoke, parameters }),
    rpc('paymaster_buildTransaction', [{ transaction: invoke, parameters: { ...parameters, fee_mode: { mode: 'default', gas_token: s.chain.manifest.contracts.ciro_token.address, tip: { custom: 5 } } } }]),
    rpc('paymaster_buildTransaction', {
      transaction: { type: 'deploy', deployment: { address: '0x1234', class_hash: s.chain.manifest.accountClassHashes[0], salt: '0x1', calldata: ['0x2'], version: 1 } },
      parameters,
    }),
    rpc('paymaster_executeTransaction', {
      transaction: { type: 'invoke', invoke: { user_address: worker, typed_data: { types: {}, primaryType: 'OutsideExecution', domain: {}, message: {} }, signature: ['0x1', '0x2'] } },
      parameters,
    }),
    // A well-formed signed execution, so mutations land on every felt of the typed data too.
    rpc('paymaster_executeTransaction', {
      transaction: { type: 'invoke', invoke: { user_address: worker, typed_data: signedShape(s), signature: ['0x1', '0x2'] } },
      parameters,
    }),
    rpc('paymaster_trackingIdToLatestHash', { tracking_id: '0x1' }),
    rpc('paymaster_getSupportedTokens'),
    rpc('paymaster_isAvailable', null),
  ];
}

describe('hostile input (fast-check, through the real app, on devnet)', () => {
  it(`answers ${RUNS} mutated requests with typed errors or results, never a 5xx`, async () => {
    const s = stack();
    const base = templates(s);
    const request = fc.oneof(
      { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...base), fc.nat(), hostileValue).map(([t, at, v]) => JSON.stringify(mutate(t, at, v)) ?? 'undefined') },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...base), fc.nat()).map(([t, at]) => withDuplicateKey(t, at)) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
      { weight: 1, arbitrary: fc.array(fc.constantFrom(...base), { maxLength: 30 }).map((b) => JSON.stringify(b)) },
    );
    // Two halves, the live heap measured after each: the second half must not keep what it allocated.
    const half = Math.ceil(RUNS / 2);
    await fc.assert(fc.asyncProperty(request, async (body) => void (await send(s, body))), { numRuns: half });
    heap.warm = liveHeap();
    await fc.assert(fc.asyncProperty(request, async (body) => void (await send(s, body))), { numRuns: RUNS - half });
    heap.end = liveHeap();
    expect((await send(s, JSON.stringify(base.at(-1)))).result).toBe(true);
    // What the memory store legitimately keeps per fuzzed sender (rate-limit windows) is small; a leak of requests is not.
    expect(heap.end - heap.warm).toBeLessThan(48 * 2 ** 20);
  }, 900_000);

  it('refuses deep nesting, huge arrays and overflowing felts without falling over', async () => {
    const s = stack();
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const huge = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'paymaster_buildTransaction', params: { transaction: { type: 'invoke', invoke: { user_address: '0x1', calls: Array(50_000).fill({ to: '0x1', selector: '0x1', calldata: [] }) } } } });
    const overflow = JSON.stringify(mutate(templates(s)[0]!, 3, `0x${'f'.repeat(70)}`));
    for (const body of [deep, `{"jsonrpc":"2.0","id":1,"method":"paymaster_isAvailable","params":${deep}}`, huge, overflow]) await send(s, body);

    // Bad felts filling a body: one issue, at the first (each once cost an issue object; 40k of them, 200-300 ms of CPU).
    const worker = s.chain.demo!.worker.address;
    const calls = Array(8).fill({ ...heartbeatCall(s), calldata: Array(400).fill('zz') });
    const badBuild = await send(s, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'paymaster_buildTransaction', params: { transaction: { type: 'invoke', invoke: { user_address: worker, calls } }, parameters: { version: '0x1', fee_mode: { mode: 'sponsored' } } } }));
    expect(badBuild.error.data.issues).toEqual([{ path: 'transaction.invoke.calls[0].calldata[0]', message: 'expected a 0x-prefixed hex felt' }]);
    // A bad felt anywhere in signed typed data is the client's mistake (typed_data_invalid), never the relay failing.
    const typed = signedShape(s) as any;
    for (const [field, value] of [['Caller', 'zz'], ['Nonce', '0xzz'], ['Execute Before', 'soon']] as const) {
      const body = { jsonrpc: '2.0', id: 1, method: 'paymaster_executeTransaction', params: { transaction: { type: 'invoke', invoke: { user_address: worker, typed_data: { ...typed, message: { ...typed.message, [field]: value } }, signature: ['0x1'] } }, parameters: { version: '0x1', fee_mode: { mode: 'sponsored' } } } };
      const answer = await send(s, JSON.stringify(body));
      expect(answer.error.code, field).toBe(JsonRpcCode.INVALID_PARAMS);
      expect(answer.error.data.reason, field).toBe('typed_data_invalid');
    }
  });

  it("refuses another tenant's key, expired and future windows, and a replayed signature by their reasons", async () => {
    const s = stack();
    const [build] = templates(s) as any[];
    const other = await send(s, JSON.stringify(build), s.keys.other!);
    expect(other.error?.data?.reason ?? 'allowed').not.toBe('internal_error');
    const expired = await send(s, JSON.stringify({ ...build, params: { ...build.params, parameters: { ...build.params.parameters, time_bounds: { execute_after: 1, execute_before: 2 } } } }));
    expect(expired.error.code).toBe(Snip29Code.INVALID_TIME_BOUNDS);
    const future = await send(s, JSON.stringify({ ...build, params: { ...build.params, parameters: { ...build.params.parameters, time_bounds: { execute_after: 4_000_000_000, execute_before: 4_000_000_100 } } } }));
    expect(future.error.code).toBe(Snip29Code.INVALID_TIME_BOUNDS);

    // A replayed signed execution is the same request: the same transaction, never a second one.
    const signed = await buildSigned(s, s.chain.demo!.worker, [heartbeatCall(s)]);
    const execute = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'paymaster_executeTransaction', params: signed.params });
    const [first, again] = [await send(s, execute), await send(s, execute)];
    expect(first.result.transaction_hash).toMatch(/^0x/);
    expect(again.result).toEqual(first.result);
  });
});

/**
 * The reliability suite's faults that apply to the Worker entry, on local
 * workerd (`wrangler dev`, state in Durable Objects) against devnet, over real
 * HTTP:
 * - hostile input: fast-check mutations of valid SNIP-29 requests (the Node
 *   suite's generator, test/reliability/mutate.ts) answered with typed errors
 *   or results, never a 5xx, the Worker still serving;
 * - devnet frozen (SIGSTOP): every answer a typed `chain_unavailable` within
 *   the node timeout, and sponsorship back once the chain answers again.
 * The Redis and relay-kill faults have no Worker counterpart: Durable
 * Objects are the platform's, and a Worker holds no state to lose.
 */
import fc from 'fast-check';
import { hash } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../relay/tenants/auth.ts';
import type { EdgeRelay } from '../../scripts/edge.ts';
import { startLocalChain, type LocalChain } from '../../scripts/local/chain.ts';
import { startChainEdge } from '../helpers/edge.ts';
import { checkAnswer } from '../reliability/answers.ts';
import { hostileValue, mutate, withDuplicateKey } from '../reliability/mutate.ts';
import { report } from '../reliability/fixtures.ts';
import { sign, sponsored } from '../security/helpers.ts';

const RUNS = Number(process.env.EDGE_HOSTILE_RUNS ?? 1_000);
const RPC_TIMEOUT_MS = 2_000;
/** Every answer, even a chain_unavailable one, is due well within this; a hang fails on the body that caused it. */
const ANSWER_MS = Number(process.env.EDGE_ANSWER_MS ?? 30_000);
let chain: LocalChain;
let edge: EdgeRelay;
let apiKey: string;

beforeAll(async () => {
  chain = await startLocalChain({ seed: true });
  const key = await newApiKey('test');
  apiKey = key.key;
  edge = await startChainEdge(chain, {
    rpcTimeoutMs: RPC_TIMEOUT_MS,
    nodeWork: { perApiKeyPerMinute: 0, perClientPerMinute: 0, perSenderPerMinute: 0, refusalsPerApiKeyPerHour: 0, refusalsPerClientPerHour: 0, refusalsPerSenderPerHour: 0 },
    tenants: [{ id: 'test', name: 'Test', apiKeys: [{ id: 'test', secretHash: key.secretHash, scope: 'sponsor' }], policies: ['worker-rewards'] }],
  });
}, 300_000);
afterAll(async () => {
  chain?.devnet.proc.kill('SIGCONT');
  await edge?.stop();
  await chain?.stop();
});

/**
 * What a request that got no answer leaves to go on: whether the Worker still answers a health check (one
 * request wedged, or all of it), and what wrangler printed last (the Worker's own logs among it).
 */
async function noAnswer(body: string, cause: unknown): Promise<Error> {
  const health = await fetch(new URL('/health', edge.url), { signal: AbortSignal.timeout(10_000) }).then(
    (r) => `GET /health answered ${r.status}`,
    (e: unknown) => `GET /health did not answer either (${String(e)})`,
  );
  const tail = edge.output().split('\n').slice(-40).join('\n');
  return new Error(`no answer within ${ANSWER_MS} ms to ${body.slice(0, 300)}\n${health}\nwrangler's last lines:\n${tail}`, { cause });
}

const statuses = new Map<number, number>();
/** The first request that went unanswered: shrinking against a Worker that may be wedged tells nothing, so every later send fails with it at once. */
let unanswered: Error | undefined;
/** Posts a raw body to the Worker; every answer must be typed. Returns the parsed body (undefined for a notification). */
async function send(body: string): Promise<any> {
  if (unanswered) throw unanswered;
  // Bounded, so a hang fails on the request that caused it, not on the suite's timeout.
  const signal = AbortSignal.timeout(ANSWER_MS);
  let res: Response;
  let text: string;
  try {
    res = await fetch(edge.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-paymaster-api-key': apiKey }, body, signal });
    text = await res.text();
  } catch (e) {
    throw (unanswered = await noAnswer(body, e));
  }
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  expect(res.status, body.slice(0, 300)).toBeLessThan(500);
  if (res.status === 204 || text === '') return undefined;
  const parsed = JSON.parse(text);
  for (const r of Array.isArray(parsed) ? parsed : [parsed]) checkAnswer(r, body);
  return parsed;
}

const heartbeat = () => ({ to: chain.manifest.contracts.cdc_pool.address, selector: hash.getSelectorFromName('heartbeat'), calldata: [] });
const rpc = (method: string, params?: unknown) => ({ jsonrpc: '2.0', id: 1, method, ...(params === undefined ? {} : { params }) });
const buildOf = (calls: unknown[]) => rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: chain.demo!.worker.address, calls } }, parameters: sponsored });

describe('the Worker entry under faults (wrangler dev, Durable Objects)', () => {
  it(`answers ${RUNS} mutated requests with typed errors or results, never a 5xx`, async () => {
    const worker = chain.demo!.worker.address;
    const base = [
      buildOf([heartbeat()]),
      rpc('paymaster_executeTransaction', {
        transaction: { type: 'invoke', invoke: { user_address: worker, typed_data: { types: {}, primaryType: 'OutsideExecution', domain: {}, message: {} }, signature: ['0x1', '0x2'] } },
        parameters: sponsored,
      }),
      rpc('paymaster_trackingIdToLatestHash', { tracking_id: '0x1' }),
      rpc('paymaster_getSupportedTokens'),
      rpc('paymaster_isAvailable', null),
    ];
    const request = fc.oneof(
      { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...base), fc.nat(), hostileValue).map(([t, at, v]) => JSON.stringify(mutate(t, at, v)) ?? 'undefined') },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...base), fc.nat()).map(([t, at]) => withDuplicateKey(t, at)) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    );
    await fc.assert(fc.asyncProperty(request, async (body) => void (await send(body))), { numRuns: RUNS });
    // Still serving, and still sponsoring.
    expect((await send(JSON.stringify(rpc('paymaster_isAvailable')))).result).toBe(true);
    expect((await send(JSON.stringify(buildOf([heartbeat()])))).result.typed_data).toBeDefined();
    report('edge hostile input', `${RUNS} requests on workerd; statuses ${[...statuses].map(([k, v]) => `${k}×${v}`).join(' ')}`);
  }, 600_000);

  it('devnet frozen: typed chain_unavailable within the node timeout, sponsorship back after it answers', async () => {
    const w = chain.demo!.worker;
    chain.devnet.proc.kill('SIGSTOP');
    const outage: { ms: number; reason?: string }[] = [];
    try {
      // A shape not built before, so build must ask the node (a sponsored build reuses a kept estimate).
      for (let i = 1; i <= 3; i++) {
        const t0 = Date.now();
        const r = await send(JSON.stringify(buildOf(Array.from({ length: i + 1 }, heartbeat))));
        outage.push({ ms: Date.now() - t0, reason: r.error?.data?.reason });
      }
    } finally {
      chain.devnet.proc.kill('SIGCONT');
    }
    const backAt = Date.now();
    let hashOut: string | undefined;
    while (!hashOut && Date.now() < backAt + 60_000) {
      const built = await send(JSON.stringify(buildOf([heartbeat()])));
      const td = built.result?.typed_data;
      if (td) {
        const signed = { transaction: { type: 'invoke', invoke: { user_address: w.address, typed_data: td, signature: sign(td, w) } }, parameters: sponsored };
        hashOut = (await send(JSON.stringify(rpc('paymaster_executeTransaction', signed)))).result?.transaction_hash;
      }
      if (!hashOut) await new Promise((r) => setTimeout(r, 500));
    }
    report('edge devnet frozen', `${outage.length} builds while frozen: ${outage.map((o) => `${o.reason} in ${o.ms} ms`).join(', ')}; sponsored again ${Date.now() - backAt} ms after resume`);
    expect(outage.map((o) => o.reason)).toEqual(['chain_unavailable', 'chain_unavailable', 'chain_unavailable']);
    // Build's node calls run one after another; the first to time out ends the request.
    for (const o of outage) expect(o.ms).toBeLessThan(2 * RPC_TIMEOUT_MS + 1_000);
    expect(hashOut).toMatch(/^0x/);
    expect((await chain.provider.waitForTransaction(hashOut!)).isSuccess()).toBe(true);
  }, 180_000);
});

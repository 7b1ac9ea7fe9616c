/**
 * Hostile input against the session routes on devnet, through the real app:
 * fast-check breaks one part of each valid request (authorise, the keyless
 * x-sessions co-signer, revoke, the listing) with the values the JSON-RPC
 * suite uses, or repeats a key. The co-signer endpoint takes no key, so what
 * it parses is anyone's to send: a flooded typed-data `types` once made it
 * answer 500. Every answer must be a typed refusal or a result: no 5xx, a
 * stable `error.reason`, x-sessions' `status` beside it on the co-signer
 * routes. HOSTILE_SESSION_RUNS sets the count.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTypedData } from '../../relay/chain/snip9.ts';
import { report } from '../security/helpers.ts';
import { startSessionStack, type SessionStack } from '../relay/sessions/helpers.ts';
import { hostileValue, mutate, withDuplicateKey } from './mutate.ts';

const RUNS = Number(process.env.HOSTILE_SESSION_RUNS ?? 3_000);
let st: SessionStack;
beforeAll(async () => {
  st = await startSessionStack();
}, 300_000);
afterAll(async () => st?.stop());

interface Template {
  method: 'GET' | 'POST';
  path: string;
  keyed: boolean;
  body?: object;
}

function templates(): Template[] {
  const account = st.s.chain.demo!.worker.address;
  const pool = st.s.chain.manifest.contracts.cdc_pool.address;
  // Within the longest session a policy allows, so mutations of the rest reach the deeper checks.
  const session = { expires_at: Math.floor(Date.now() / 1000) + 3_600, allowed_methods: [{ 'Contract Address': pool, selector: 'heartbeat' }], metadata: '{"projectID":"ciro-workers"}', session_key_guid: '0x1234' };
  const typed = buildTypedData(st.s.chain.manifest.chainId, { caller: '0x414e595f43414c4c4552', nonce: '0x1', executeAfter: 1, executeBefore: 4_000_000_000, calls: [{ to: pool, selector: '0x1', calldata: ['0x1'] }] });
  const sessionPart = { sessionHash: '0x5', sessionAuthorisation: ['0x1', '0x2'], cacheAuthorisation: false, sessionSignature: { type: 'StarknetKey', signer: { publicKey: '0x3', r: '0x4', s: '0x5' } } };
  return [
    { method: 'POST', path: '/sessions/authorize', keyed: true, body: { address: account, session, ownerSignature: ['0x1', '0x2'] } },
    { method: 'POST', path: '/sessions/argent/cosigner/signSessionEFO', keyed: false, body: { session: sessionPart, message: { type: 'eip712', accountAddress: account, chain: 'starknet', message: typed } } },
    { method: 'POST', path: '/sessions/0x5/revoke', keyed: true, body: { signature: ['0x1', '0x2'], onchain: { typedData: typed, signature: ['0x1', '0x2'] } } },
    { method: 'GET', path: `/sessions?account=${account}`, keyed: true },
  ];
}

const seen = { requests: 0, statuses: new Map<number, number>(), reasons: new Map<string, number>() };

async function send(t: Template, body: string | undefined, path = t.path): Promise<void> {
  const res = await st.s.relay.app.request(path, {
    method: t.method,
    headers: { 'content-type': 'application/json', ...(t.keyed ? { 'x-paymaster-api-key': st.key } : {}) },
    ...(body === undefined ? {} : { body }),
  });
  seen.requests++;
  seen.statuses.set(res.status, (seen.statuses.get(res.status) ?? 0) + 1);
  const what = `${t.method} ${path} ${String(body).slice(0, 300)}`;
  expect(res.status, what).toBeLessThan(500);
  const answer = JSON.parse(await res.text());
  if (res.status < 300) return;
  expect(typeof answer.error?.reason, what).toBe('string');
  expect(answer.error.reason, what).not.toBe('internal_error');
  if (path.includes('/argent/')) expect(answer.status, what).toBe(answer.error.reason);
  seen.reasons.set(answer.error.reason, (seen.reasons.get(answer.error.reason) ?? 0) + 1);
}

describe('hostile input at the session routes (fast-check, through the real app, on devnet)', () => {
  it(`answers ${RUNS} mutated requests with typed refusals or results, never a 5xx`, async () => {
    const base = templates();
    const posts = base.filter((t) => t.body);
    const request = fc.oneof(
      { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...posts), fc.nat(), hostileValue).map(([t, at, v]) => ({ t, body: JSON.stringify(mutate(t.body!, at, v)) ?? 'undefined' })) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...posts), fc.nat()).map(([t, at]) => ({ t, body: withDuplicateKey(t.body!, at) })) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...posts), fc.string({ unit: 'binary', maxLength: 200 })).map(([t, body]) => ({ t, body })) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...base), fc.string({ maxLength: 80 })).map(([t, junk]) => ({ t, body: t.body && JSON.stringify(t.body), path: t.path.replace('0x5', encodeURIComponent(junk) || '%20').replace(/account=[^&]*/, `account=${encodeURIComponent(junk)}`) })) },
    );
    await fc.assert(fc.asyncProperty(request, async ({ t, body, path }: { t: Template; body: string | undefined; path?: string }) => send(t, body, path)), { numRuns: RUNS });
    // The unbroken requests still get their ordinary answers.
    for (const t of base) await send(t, t.body && JSON.stringify(t.body));
    const top = [...seen.reasons].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([r, n]) => `${r}×${n}`).join(' ');
    report('hostile session input', `${seen.requests} requests; statuses ${[...seen.statuses].map(([s, n]) => `${s}×${n}`).join(' ')}; reasons ${top}`);
    expect(seen.statuses.get(400) ?? 0).toBeGreaterThan(RUNS / 4);
  }, 900_000);
});

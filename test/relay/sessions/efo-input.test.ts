/**
 * The co-signer endpoint takes no key (x-sessions calls it with the session's
 * own signatures), so what it parses is anyone's to send. A typed data whose
 * `types` was a 256 KiB record of malformed entries made ~100k zod issues
 * (~150 ms of CPU), and past ~120k zod threw a RangeError: HTTP 500 and a
 * stack trace in the log for every request. The definitions are now compared
 * with SNIP-9 v2's as they come: one issue per wrong type, a typed 400.
 * And the endpoint reads no more than a legal body weighs, refusing a deep
 * one by its text before parsing it (130k levels cost ~10 ms to parse).
 */
import { describe, expect, it } from 'vitest';
import { buildTypedData, OutsideExecutionTypedData } from '../../../relay/chain/snip9.ts';
import { FELT_PRIME } from '../../../policies/primitives.ts';
import { MAX_SESSION_CALLDATA, MAX_SESSION_CALLS } from '../../../relay/sessions/cosign.ts';
import { COSIGNER_BODY_BYTES } from '../../../relay/sessions/routes.ts';
import { AuthorizeBodySchema } from '../../../relay/sessions/schemas.ts';
import { MemoryStore } from '../../../relay/store/memory.ts';
import { makeApp, makeConfig, MANIFEST } from '../admin/helpers.ts';

const typed = buildTypedData(MANIFEST.chainId, { caller: '0x1', nonce: '0x2', executeAfter: 1, executeBefore: 4_000_000_000, calls: [{ to: '0x222', selector: '0x1', calldata: [] }] });
const flooded = (n: number) => ({ ...typed, types: { ...typed.types, X: Array(n).fill(1) } });
const EFO = '/sessions/argent/cosigner/signSessionEFO';
const efo = (message: unknown, sessionAuthorisation: string[] = []) => ({
  session: { sessionHash: '0x1', sessionAuthorisation, sessionSignature: { type: 'StarknetKey', signer: { publicKey: '0x1', r: '0x2', s: '0x3' } } },
  message: { type: 'eip712', accountAddress: '0xa11ce', chain: 'starknet', message },
});

describe('typed data type definitions', () => {
  it('are compared with v2, not parsed entry by entry: a flood is a few issues, never a throw', () => {
    expect(OutsideExecutionTypedData.safeParse(typed).success).toBe(true);
    const r = OutsideExecutionTypedData.safeParse(flooded(130_000));
    expect(r.error!.issues.map((i) => i.message)).toEqual(['unexpected extra types']);
    const wrong = OutsideExecutionTypedData.safeParse({ ...typed, types: { ...typed.types, Call: [{ name: 'To', type: 'felt' }] } });
    expect(wrong.error!.issues.map((i) => i.path.join('.'))).toEqual(['types.Call']);
    for (const types of [null, [], 'x', { StarknetDomain: 7 }]) expect(OutsideExecutionTypedData.safeParse({ ...typed, types }).success).toBe(false);
  });

  it('flooded at the keyless co-signer endpoint: a typed 400 within its body limit, a 413 past it, never a 500', async () => {
    const { config } = await makeConfig();
    const { app } = makeApp(config, new MemoryStore());
    const post = (body: string) => app.request(EFO, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const res = await post(JSON.stringify(efo(flooded(20_000))));
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('unexpected extra types');
    const big = await post(JSON.stringify(efo(flooded(125_000))));
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ status: 'body_too_large' });
  });

  it('reads no more than a legal body can weigh, and refuses a deep one by its text', async () => {
    const { config } = await makeConfig();
    const { app } = makeApp(config, new MemoryStore());
    const post = (body: string) => app.request(EFO, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    // At every limit the co-signer takes, each felt spelt in decimal (the longest spelling): under the limit, so judged on what it says.
    const felt = (FELT_PRIME - 1n).toString();
    const calls = Array.from({ length: MAX_SESSION_CALLS }, (_, i) => ({ to: felt, selector: felt, calldata: Array(i < MAX_SESSION_CALLS - 1 ? 16 : MAX_SESSION_CALLDATA - 16 * (MAX_SESSION_CALLS - 1)).fill(felt) }));
    const legal = efo(buildTypedData(MANIFEST.chainId, { caller: felt, nonce: felt, executeAfter: 1, executeBefore: 4_000_000_000, calls }), Array(64).fill(felt));
    const text = JSON.stringify(legal);
    expect(text.length).toBeLessThan(COSIGNER_BODY_BYTES);
    expect(text.length).toBeGreaterThan(COSIGNER_BODY_BYTES / 2);
    expect((await post(text)).status).not.toBe(413);
    const deep = await post('['.repeat(20_000) + ']'.repeat(20_000));
    expect(deep.status).toBe(400);
    expect(await deep.json()).toMatchObject({ status: 'invalid_json', error: { details: expect.stringMatching(/nests deeper/) } });
  });

  it('a session names each method once: a repeated one is one more Merkle leaf to hash, allowing nothing', () => {
    const m = { 'Contract Address': '0x111', selector: 'heartbeat' };
    const body = (methods: object[]) => ({ address: '0xa11ce', session: { expires_at: 2_000_000_000, allowed_methods: methods, metadata: '{}', session_key_guid: '0x1' }, ownerSignature: ['0x1', '0x2'] });
    expect(AuthorizeBodySchema.safeParse(body([m, { ...m, selector: 'claim_rewards' }])).success).toBe(true);
    expect(AuthorizeBodySchema.safeParse(body([m, { ...m, 'Contract Address': '0x0111' }])).error?.issues.map((i) => i.message)).toEqual(['each method at most once']);
  });
});

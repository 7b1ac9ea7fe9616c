/**
 * The co-signer endpoint takes no key (x-sessions calls it with the session's
 * own signatures), so what it parses is anyone's to send. A typed data whose
 * `types` was a 256 KiB record of malformed entries made ~100k zod issues
 * (~150 ms of CPU), and past ~120k zod threw a RangeError: HTTP 500 and a
 * stack trace in the log for every request. The definitions are now compared
 * with SNIP-9 v2's as they come: one issue per wrong type, a typed 400.
 */
import { describe, expect, it } from 'vitest';
import { buildTypedData, OutsideExecutionTypedData } from '../../../relay/chain/snip9.ts';
import { AuthorizeBodySchema } from '../../../relay/sessions/schemas.ts';
import { MemoryStore } from '../../../relay/store/memory.ts';
import { makeApp, makeConfig, MANIFEST } from '../admin/helpers.ts';

const typed = buildTypedData(MANIFEST.chainId, { caller: '0x1', nonce: '0x2', executeAfter: 1, executeBefore: 4_000_000_000, calls: [{ to: '0x222', selector: '0x1', calldata: [] }] });
const flooded = (n: number) => ({ ...typed, types: { ...typed.types, X: Array(n).fill(1) } });

describe('typed data type definitions', () => {
  it('are compared with v2, not parsed entry by entry: a flood is a few issues, never a throw', () => {
    expect(OutsideExecutionTypedData.safeParse(typed).success).toBe(true);
    const r = OutsideExecutionTypedData.safeParse(flooded(130_000));
    expect(r.error!.issues.map((i) => i.message)).toEqual(['unexpected extra types']);
    const wrong = OutsideExecutionTypedData.safeParse({ ...typed, types: { ...typed.types, Call: [{ name: 'To', type: 'felt' }] } });
    expect(wrong.error!.issues.map((i) => i.path.join('.'))).toEqual(['types.Call']);
    for (const types of [null, [], 'x', { StarknetDomain: 7 }]) expect(OutsideExecutionTypedData.safeParse({ ...typed, types }).success).toBe(false);
  });

  it('flooded at the keyless co-signer endpoint: a typed 400, not a 500', async () => {
    const { config } = await makeConfig();
    const { app } = makeApp(config, new MemoryStore());
    const session = { sessionHash: '0x1', sessionAuthorisation: [], sessionSignature: { type: 'StarknetKey', signer: { publicKey: '0x1', r: '0x2', s: '0x3' } } };
    const body = { session, message: { type: 'eip712', accountAddress: '0xa11ce', chain: 'starknet', message: flooded(125_000) } };
    const res = await app.request('/sessions/argent/cosigner/signSessionEFO', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('unexpected extra types');
  });

  it('a session names each method once: a repeated one is one more Merkle leaf to hash, allowing nothing', () => {
    const m = { 'Contract Address': '0x111', selector: 'heartbeat' };
    const body = (methods: object[]) => ({ address: '0xa11ce', session: { expires_at: 2_000_000_000, allowed_methods: methods, metadata: '{}', session_key_guid: '0x1' }, ownerSignature: ['0x1', '0x2'] });
    expect(AuthorizeBodySchema.safeParse(body([m, { ...m, selector: 'claim_rewards' }])).success).toBe(true);
    expect(AuthorizeBodySchema.safeParse(body([m, { ...m, 'Contract Address': '0x0111' }])).error?.issues.map((i) => i.message)).toEqual(['each method at most once']);
  });
});

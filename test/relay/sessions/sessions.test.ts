/**
 * The session-key promise on devnet: an Argent 0.4.0 account whose guardian
 * is the relay's cosigner key is deployed sponsored and holds 0 STRK; its
 * owner authorises an x-sessions session for CDC Pool heartbeat and
 * claim_rewards; a worker holding only the session key runs both through the
 * relay, sponsored, the relay co-signing each as guardian. Then the session
 * API: listing, the revocation typed data, owner and admin revocation.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shortString, stark, typedData, type TypedData } from 'starknet';
import { createApp } from '../../../relay/app.ts';
import { createDeps } from '../../../relay/createDeps.ts';
import { listen } from '../../../relay/entry/node.ts';
import { loadPolicyFiles } from '../../../relay/entry/policyFiles.ts';
import { repoRoot } from '../../../scripts/local/toolchain.ts';
import { balanceOf, STRK } from '../../helpers/relay.ts';
import { call, CIRO, u256 } from '../../../scripts/local/seed.ts';
import { executeAndWait } from '../../../scripts/local/accounts.ts';
import { MAX_SESSIONS_PER_ACCOUNT } from '../../../relay/sessions/records.ts';
import { MAX_SESSION_CALLS } from '../../../relay/sessions/cosign.ts';
import { deployArgent, makeSession, ownerExecute, refusal, sessionExecute, sponsored, startSessionStack, type ArgentAccount, type Made, type SessionStack } from './helpers.ts';

let st: SessionStack;
let worker: ArgentAccount;
let made: Made;
beforeAll(async () => {
  // Far more authorisations from this one network than the daily quota's hourly share allows: that quota has its own test (test/security/session-quota.test.ts).
  st = await startSessionStack({ sessionQuota: { perApiKeyPerDay: 0, perClientPerHour: 0 } });
  worker = await deployArgent(st);
  await ownerExecute(st, worker, [call(pool(), 'register_worker', [1])]);
}, 300_000);
afterAll(async () => st?.stop());

const pool = () => st.s.chain.manifest.contracts.cdc_pool.address;
const provider = () => st.s.chain.provider;
const read = async (entrypoint: string, calldata: string[] = []) => (await provider().callContract({ contractAddress: pool(), entrypoint, calldata }))[0]!;

describe('a worker on an Argent account, under a session key, with 0 STRK', () => {
  it('deployed sponsored, with the relay as guardian (GET /sessions/guardian)', async () => {
    const g = await st.http('GET', '/sessions/guardian');
    expect(g).toMatchObject({ status: 200, body: { tenant: 'test', argentSessionServiceBaseUrl: `${st.url}/sessions/argent` } });
    expect(BigInt(g.body.guardian)).toBe(BigInt(st.guardian));
    const [guardian] = await provider().callContract({ contractAddress: worker.address, entrypoint: 'get_guardian' });
    expect(BigInt(guardian!)).toBe(BigInt(st.guardian));
    expect(await balanceOf(provider(), STRK, worker.address)).toBe(0n);
  });

  it('authorises a session for heartbeat and claim_rewards: the relay adds its guardian signature', async () => {
    made = await makeSession(st, worker);
    expect(made.authorize.status).toBe(201);
    const v = made.authorize.body;
    expect(v).toMatchObject({ account: worker.address, status: 'active', policy: 'worker-sessions', expiresAt: made.request.offchainSession.expires_at });
    expect(BigInt(v.sessionHash)).toBe(BigInt(typedData.getMessageHash(made.request.sessionTypedData as never, worker.address)));
    // Owner and guardian: the account itself accepts the pair for the session hash.
    expect(v.authorisationSignature).toHaveLength(4);
    const [valid] = await provider().callContract({ contractAddress: worker.address, entrypoint: 'is_valid_signature', calldata: [v.sessionHash, '4', ...v.authorisationSignature] });
    expect(BigInt(valid!)).toBe(0x56414c4944n);
    // The same session again is the same record, not a second one.
    const again = await st.http('POST', '/sessions/authorize', { address: worker.address, session: made.request.offchainSession, ownerSignature: v.authorisationSignature.slice(0, 2) });
    expect(again).toMatchObject({ status: 200, body: { sessionHash: v.sessionHash } });
  });

  it('runs heartbeat through the relay under the session, sponsored', async () => {
    expect(BigInt((await provider().callContract({ contractAddress: pool(), entrypoint: 'get_worker', calldata: [worker.address] }))[8]!)).toBe(0n);
    const r = await sessionExecute(st, made, [call(pool(), 'heartbeat')]);
    const receipt = await provider().waitForTransaction(r.transaction_hash);
    expect(receipt.isSuccess()).toBe(true);
    // WorkerInfo: registered, capabilities, staked (u256), pending_unstake (u256), unstake_available_at, reputation, last_heartbeat, …
    const info = await provider().callContract({ contractAddress: pool(), entrypoint: 'get_worker', calldata: [worker.address] });
    expect(BigInt(info[8]!)).toBeGreaterThan(0n);
    expect(await balanceOf(provider(), STRK, worker.address)).toBe(0n);
  });

  it('runs claim_rewards under the session: the reward arrives, still 0 STRK', async () => {
    const deployer = st.s.chain.deployer;
    const token = st.s.chain.manifest.contracts.ciro_token.address;
    await executeAndWait(deployer.account, [
      call(pool(), 'grant_role', [shortString.encodeShortString('JOB_MANAGER_ROLE'), deployer.address]),
      call(token, 'approve', [pool(), ...u256(7n * CIRO)]),
      call(pool(), 'credit_reward', [worker.address, ...u256(7n * CIRO)]),
    ]);
    expect(BigInt(await read('pending_rewards', [worker.address]))).toBe(7n * CIRO);
    const r = await sessionExecute(st, made, [call(pool(), 'claim_rewards')]);
    expect((await provider().waitForTransaction(r.transaction_hash)).isSuccess()).toBe(true);
    expect(await balanceOf(provider(), token, worker.address)).toBe(7n * CIRO);
    expect(BigInt(await read('pending_rewards', [worker.address]))).toBe(0n);
    expect(await balanceOf(provider(), STRK, worker.address)).toBe(0n);
  });
});

describe('the session API', () => {
  it('lists the account\'s sessions, and reads one, for sponsor and admin keys of the tenant only', async () => {
    const list = await st.http('GET', `/sessions?account=${worker.address}`);
    expect(list.status).toBe(200);
    expect(list.body.sessions.map((x: { sessionHash: string }) => x.sessionHash)).toEqual([made.authorize.body.sessionHash]);
    expect((await st.http('GET', `/sessions/${made.authorize.body.sessionHash}`, undefined, st.adminKey)).body.status).toBe('active');
    expect((await st.http('GET', `/sessions?account=${worker.address}`, undefined, null)).body.error.reason).toBe('missing_api_key');
    expect((await st.http('GET', '/sessions?account=0xzz')).body.error).toMatchObject({ reason: 'invalid_request', path: 'query.account' });
  });

  it("answers what it does not know, another tenant's sessions and a tenant without a cosigner alike: refused with their reasons", async () => {
    const hash = made.authorize.body.sessionHash;
    const other = st.s.keys.other!;
    expect(await st.http('GET', `/sessions/${hash}`, undefined, other)).toMatchObject({ status: 404, body: { error: { reason: 'session_unknown' } } });
    expect((await st.http('GET', `/sessions?account=${worker.address}`, undefined, other)).body.sessions).toEqual([]);
    expect((await st.http('DELETE', `/sessions/0x123`, undefined, st.adminKey)).body.error.reason).toBe('session_unknown');
    expect(await st.http('GET', '/sessions/guardian', undefined, other)).toMatchObject({ status: 503, body: { error: { reason: 'session_cosigner_missing' } } });
    expect((await makeSession(st, worker, { key: other })).authorize.body.error.reason).toBe('session_cosigner_missing');
    // x-sessions hashes selector names into its Merkle leaves: a hex selector could never be proven.
    const bad = { address: worker.address, session: { ...made.request.offchainSession, allowed_methods: [{ 'Contract Address': pool(), selector: '0x1234' }] }, ownerSignature: ['0x1', '0x2'] };
    expect((await st.http('POST', '/sessions/authorize', bad)).body.error).toMatchObject({ reason: 'invalid_request', path: 'session.allowed_methods[0].selector' });
  });

  it('a sponsor key alone never revokes: the owner signs the revocation typed data', async () => {
    const m = await makeSession(st, worker, { methods: ['heartbeat'] });
    const hash = m.authorize.body.sessionHash;
    const rev = await st.http('GET', `/sessions/${hash}/revocation`);
    expect(rev.body.typedData).toMatchObject({ primaryType: 'Revoke Session', message: { 'Session Hash': hash } });
    // The owner's signature of another session's revocation does not revoke this one.
    const forged = stark.formatSignature(await worker.owner.signMessage({ ...rev.body.typedData, message: { 'Session Hash': '0x1' } }));
    expect((await st.http('POST', `/sessions/${hash}/revoke`, { signature: forged })).body.error.reason).toBe('invalid_signature');
    expect((await st.http('DELETE', `/sessions/${hash}`)).body.error.reason).toBe('wrong_key_scope');
    const signature = stark.formatSignature(await worker.owner.signMessage(rev.body.typedData));
    const done = await st.http('POST', `/sessions/${hash}/revoke`, { signature });
    expect(done).toMatchObject({ status: 200, body: { sessionHash: hash, status: 'revoked', revokedBy: 'owner' } });
    expect(await refusal(sessionExecute(st, m, [call(pool(), 'heartbeat')]))).toBe('session_revoked');
  });

  it('the owner revokes on chain too, sponsored through SNIP-29: the account itself refuses the session after', async () => {
    const m = await makeSession(st, worker);
    const hash = m.authorize.body.sessionHash;
    const calls = [{ contractAddress: worker.address, entrypoint: 'revoke_session', calldata: [hash] }];
    const built = await st.paymaster.buildTransaction({ type: 'invoke', invoke: { userAddress: worker.address, calls } }, sponsored);
    if (built.type !== 'invoke') throw new Error('expected an invoke');
    const signature = stark.formatSignature(await worker.owner.signMessage(built.typed_data));
    // The guardian co-signs that one call only: anything else in its place is refused.
    const other = await st.paymaster.buildTransaction({ type: 'invoke', invoke: { userAddress: worker.address, calls: [call(pool(), 'heartbeat')] } }, sponsored);
    const wrong = await st.http('POST', `/sessions/${hash}/revoke`, { onchain: { typedData: (other as { typed_data: unknown }).typed_data, signature } });
    expect(wrong.body.error.reason).toBe('session_call_not_allowed');
    const res = await st.http('POST', `/sessions/${hash}/revoke`, { onchain: { typedData: built.typed_data, signature } });
    expect(res).toMatchObject({ status: 200, body: { sessionHash: hash, status: 'revoked', revokedBy: 'owner', onchain: { transaction_hash: expect.stringMatching(/^0x/) } } });
    expect((await provider().waitForTransaction(res.body.onchain.transaction_hash)).isSuccess()).toBe(true);
    const [revoked] = await provider().callContract({ contractAddress: worker.address, entrypoint: 'is_session_revoked', calldata: [hash] });
    expect(BigInt(revoked!)).toBe(1n);
    expect(await balanceOf(provider(), STRK, worker.address)).toBe(0n);
  });

  it('a tenant admin revokes with DELETE /sessions/{hash}; the relay refuses to co-sign at once', async () => {
    const m = await makeSession(st, worker);
    const hash = m.authorize.body.sessionHash;
    const done = await st.http('DELETE', `/sessions/${hash}`, undefined, st.adminKey);
    expect(done).toMatchObject({ status: 200, body: { status: 'revoked', revokedBy: 'admin:test-admin' } });
    expect(await refusal(sessionExecute(st, m, [call(pool(), 'heartbeat')]))).toBe('session_revoked');
    // A revoked session cannot be authorised again under the same hash.
    const again = await st.http('POST', '/sessions/authorize', { address: worker.address, session: m.request.offchainSession, ownerSignature: m.authorize.body.authorisationSignature.slice(0, 2) });
    expect(again).toMatchObject({ status: 403, body: { error: { reason: 'session_revoked', rule: 'sessions', session: hash } } });
  });

  it('a revocation through one instance stops co-signing on another sharing the store, at the next request', async () => {
    const m = await makeSession(st, worker);
    // A second relay instance: its own deps and app, the same Store (as two processes on one Redis).
    const { relay } = st.s;
    const deps = createDeps({ config: relay.deps.config, store: relay.deps.store, templates: loadPolicyFiles(join(repoRoot, 'policies', 'examples')), secrets: { 'test/SESSION_COSIGNER': st.cosignerKey } });
    const other = await listen({ ...relay, deps, app: createApp(deps) }, 0);
    try {
      const viaOther = { ...st, url: other.url };
      const r = await sessionExecute(viaOther, m, [call(pool(), 'heartbeat')]);
      expect((await provider().waitForTransaction(r.transaction_hash)).isSuccess()).toBe(true);
      expect((await st.http('DELETE', `/sessions/${m.authorize.body.sessionHash}`, undefined, st.adminKey)).status).toBe(200);
      expect(await refusal(sessionExecute(viaOther, m, [call(pool(), 'heartbeat')]))).toBe('session_revoked');
    } finally {
      await new Promise((done) => other.server.close(done));
    }
  });

  it('refuses, before hashing anything, a chain id out of range and calldata past the cap; non-ASCII metadata is a typed 400', async () => {
    const m = await makeSession(st, worker, { methods: ['heartbeat'] });
    // The body x-sessions sends the cosigner, captured from a real session transaction.
    let efo: any;
    const real = globalThis.fetch;
    globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      if (String(input).endsWith('/signSessionEFO')) efo = JSON.parse(String(init?.body));
      return real(input, init);
    }) as typeof fetch;
    try {
      await sessionExecute(st, m, [call(pool(), 'heartbeat')]);
    } finally {
      globalThis.fetch = real;
    }
    const cosign = (body: unknown) => st.http('POST', '/sessions/argent/cosigner/signSessionEFO', body, null);
    const far = structuredClone(efo);
    far.message.message.domain.chainId = `0x${'f'.repeat(63)}`;
    expect(await cosign(far)).toMatchObject({ status: 400, body: { error: { reason: 'invalid_request' } } });
    const heavy = structuredClone(efo);
    heavy.message.message.message.Calls[0].Calldata = Array.from({ length: 1100 }, (_, i) => `0x${i.toString(16)}`);
    expect(await cosign(heavy)).toMatchObject({ status: 413, body: { error: { reason: 'session_calldata_too_large' } } });
    // Each call is hashed too: more than MAX_SESSION_CALLS of them is refused before the hash as well.
    const many = structuredClone(efo);
    many.message.message.message.Calls = Array.from({ length: MAX_SESSION_CALLS + 1 }, () => structuredClone(efo.message.message.message.Calls[0]));
    expect(await cosign(many)).toMatchObject({ status: 413, body: { error: { reason: 'session_calldata_too_large', details: expect.stringContaining(`at most ${MAX_SESSION_CALLS} calls`) } } });
    // é: a Cairo short string can't hold it, and the session hash used to throw on it (a 500).
    const accented = { address: worker.address, session: { ...m.request.offchainSession, metadata: '{"projectID":"ciro-workers","n":"\u00e9"}' }, ownerSignature: ['0x1', '0x2'] };
    expect((await st.http('POST', '/sessions/authorize', accented)).body.error).toMatchObject({ reason: 'invalid_request', path: 'session.metadata' });
  });

  it("keeps a co-signature's window to a default build's, so a revoked session's co-signatures expire soon", async () => {
    const m = await makeSession(st, worker, { methods: ['heartbeat'] });
    const now = Number((await provider().getBlock('latest')).timestamp);
    const long = { ...sponsored, timeBounds: { executeAfter: now - 60, executeBefore: now + 2 * 3600 } };
    expect(await refusal(sessionExecute(st, m, [call(pool(), 'heartbeat')], m.sessionKey, long))).toBe('time_bounds_too_long');
    const r = await sessionExecute(st, m, [call(pool(), 'heartbeat')]);
    expect((await provider().waitForTransaction(r.transaction_hash)).isSuccess()).toBe(true);
  });

  it('revoking the sponsor key that authorised a session ends its co-signing', async () => {
    const created = await st.http('POST', '/v1/keys', { scope: 'sponsor', name: 'game build 7' }, st.adminKey);
    expect(created.status).toBe(201);
    const m = await makeSession(st, worker, { methods: ['heartbeat'], key: created.body.key });
    expect(m.authorize.status).toBe(201);
    expect((await st.http('DELETE', `/v1/keys/${created.body.id}`, undefined, st.adminKey)).status).toBe(200);
    expect(await refusal(sessionExecute(st, m, [call(pool(), 'heartbeat')]))).toBe('invalid_api_key');
  });

  it(`caps the sessions an account has stored at ${MAX_SESSIONS_PER_ACCOUNT}, revoked ones included`, async () => {
    const fresh = await deployArgent(st);
    const made = [];
    for (let i = 0; i < MAX_SESSIONS_PER_ACCOUNT; i++) made.push(await makeSession(st, fresh, { methods: ['heartbeat'], seconds: 600 + i }));
    expect(made.map((m) => m.authorize.status)).toEqual(Array(MAX_SESSIONS_PER_ACCOUNT).fill(201));
    expect((await st.http('DELETE', `/sessions/${made[0]!.authorize.body.sessionHash}`, undefined, st.adminKey)).status).toBe(200);
    // A revoked session is still stored (a week past its expiry): it keeps its place.
    expect((await makeSession(st, fresh, { methods: ['heartbeat'], seconds: 900 })).authorize.body.error.reason).toBe('too_many_sessions');
    // At the cap, a new session is refused before the node and the hash; one the account already has is answered as before.
    const again = made[1]!;
    const ownerSignature = stark.formatSignature(await fresh.owner.signMessage(again.request.sessionTypedData as TypedData));
    const same = await st.http('POST', '/sessions/authorize', { address: fresh.address, session: again.request.offchainSession, ownerSignature });
    expect(same).toMatchObject({ status: 200, body: { sessionHash: again.authorize.body.sessionHash } });
  }, 120_000);
});

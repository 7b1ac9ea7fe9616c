/**
 * Attacks on the relay as session cosigner, on devnet, each refused with its
 * stable reason, and the relayers spending nothing on any of them. The
 * attacker has the public sponsor key, knows every session hash (they are on
 * chain) and the cosigner routes (they need no key); what they lack is
 * whatever the refusal names.
 */
import * as xs from '@argent/x-sessions';
import { Account, ec, shortString, stark } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { increaseTime } from '../../scripts/local/devnet.ts';
import { executeAndWait } from '../../scripts/local/accounts.ts';
import { call, CIRO, u256 } from '../../scripts/local/seed.ts';
import { deployArgent, makeSession, ownerExecute, refusal, sessionExecute, sponsored, startSessionStack, type ArgentAccount, type Made, type SessionStack } from '../relay/sessions/helpers.ts';
import { relayerLedger, report } from './helpers.ts';

let st: SessionStack;
let worker: ArgentAccount;
let made: Made;
beforeAll(async () => {
  st = await startSessionStack();
  worker = await deployArgent(st);
  await ownerExecute(st, worker, [call(pool(), 'register_worker', [1])]);
  // Rewards to claim, so claim_rewards builds (a build simulates; with nothing pending it would revert).
  const { deployer, manifest } = st.s.chain;
  await executeAndWait(deployer.account, [
    call(pool(), 'grant_role', [shortString.encodeShortString('JOB_MANAGER_ROLE'), deployer.address]),
    call(manifest.contracts.ciro_token.address, 'approve', [pool(), ...u256(CIRO)]),
    call(pool(), 'credit_reward', [worker.address, ...u256(CIRO)]),
  ]);
  made = await makeSession(st, worker, { methods: ['heartbeat'] });
}, 300_000);
afterAll(async () => st?.stop());

const pool = () => st.s.chain.manifest.contracts.cdc_pool.address;
const heartbeat = () => [call(pool(), 'heartbeat')];

describe('sessions the policy does not allow are never co-authorised', () => {
  it.each([
    ['longer than maxDurationSeconds (7 days)', { seconds: 8 * 86_400 }, 'session_too_long'],
    ['a method the sessions rule does not name', { methods: ['heartbeat', 'stake'] }, 'session_method_not_allowed'],
    ["another dapp's projectID", { projectID: 'elsewhere' }, 'session_metadata_mismatch'],
  ])('%s', async (_name, o, reason) => {
    const m = await makeSession(st, worker, o);
    expect(m.authorize).toMatchObject({ status: 403, body: { error: { reason, policy: 'worker-sessions', rule: 'sessions' } } });
  });

  it("an account whose guardian is not the tenant's cosigner", async () => {
    const other = await deployArgent(st, ec.starkCurve.getStarkKey(stark.randomAddress()));
    expect((await makeSession(st, other)).authorize.body.error.reason).toBe('session_guardian_mismatch');
  });

  it('a session signed by someone other than the owner', async () => {
    const impostor = new Account({ provider: st.s.chain.provider, address: worker.address, signer: stark.randomAddress() });
    expect((await makeSession(st, { ...worker, owner: impostor })).authorize.body.error.reason).toBe('invalid_signature');
  });
});

describe('session transactions the relay will not co-sign', () => {
  it('a call outside the session: claim_rewards under a heartbeat-only session', async () => {
    const before = await relayerLedger(st.s);
    expect(await refusal(sessionExecute(st, made, [call(pool(), 'claim_rewards')]))).toBe('session_call_not_allowed');
    expect(await relayerLedger(st.s)).toEqual(before);
  });

  it('a wrong session key: another key pair, or the right public key with another private key', async () => {
    const privateKey = stark.randomAddress();
    const stranger = { privateKey, publicKey: ec.starkCurve.getStarkKey(privateKey) };
    expect(await refusal(sessionExecute(st, made, heartbeat(), stranger))).toBe('session_key_mismatch');
    expect(await refusal(sessionExecute(st, made, heartbeat(), { ...made.sessionKey, privateKey }))).toBe('invalid_signature');
  });

  it('a session the relay never authorised', async () => {
    const forged = { ...made.session!, metadata: '{"projectID":"ciro-workers","txFees":[],"x":1}' };
    expect(await refusal(sessionExecute(st, { ...made, session: forged }, heartbeat()))).toBe('session_unknown');
  });

  it('ANY_CALLER: an outside execution anyone could submit, outside the gate', async () => {
    const p = xs.createOutsideExecutionTypedData({ session: made.session!, sessionKey: made.sessionKey, calls: heartbeat(), argentSessionServiceUrl: `${st.url}/sessions/argent`, outsideExecutionParams: { version: '2' } as never });
    expect(await refusal(p)).toBe('caller_not_paymaster');
  });

  it("a plain invoke (the account's own gas, no gate): signSession is refused", async () => {
    const account = await xs.buildSessionAccount({ session: made.session!, sessionKey: made.sessionKey, provider: st.s.chain.provider, argentSessionServiceBaseUrl: `${st.url}/sessions/argent` });
    expect(await refusal(account.execute(heartbeat(), { resourceBounds: { l1_gas: { max_amount: 0n, max_price_per_unit: 0n }, l2_gas: { max_amount: 0n, max_price_per_unit: 0n }, l1_data_gas: { max_amount: 0n, max_price_per_unit: 0n } } } as never))).toBe('session_requires_paymaster');
  });

  it('a replayed nonce: the same execution lands once; a new message under a used nonce is not co-signed', async () => {
    const before = await relayerLedger(st.s);
    const first = await sessionExecute(st, made, heartbeat());
    expect((await st.s.chain.provider.waitForTransaction(first.transaction_hash)).isSuccess()).toBe(true);
    expect(await first.execute()).toMatchObject({ tracking_id: first.tracking_id, transaction_hash: first.transaction_hash });
    // Same nonce, another message (a later deadline): x-sessions would happily sign it; the relay will not.
    const reused = structuredClone(first.typedData) as unknown as { message: Record<string, string> };
    reused.message['Execute Before'] = '0x' + (BigInt(reused.message['Execute Before']!) - 1n).toString(16);
    const again = xs.signOutsideExecution({ session: made.session!, sessionKey: made.sessionKey, outsideExecutionTypedData: reused as never, argentSessionServiceUrl: `${st.url}/sessions/argent`, calls: heartbeat() });
    expect(await refusal(again)).toBe('nonce_already_used');
    const after = await relayerLedger(st.s);
    expect(after.txs - before.txs).toBe(1n);
    report('session replays', `${after.txs - before.txs} transaction for 3 attempts`);
  });

  it("the gate decides the co-signature: after a policy change, the gate's own -32002 refusal reaches x-sessions", async () => {
    const both = await makeSession(st, worker);
    const calls = [call(pool(), 'claim_rewards')];
    const built = await st.paymaster.buildTransaction({ type: 'invoke', invoke: { userAddress: worker.address, calls } }, sponsored);
    if (built.type !== 'invoke') throw new Error('expected an invoke');
    expect((await st.http('PUT', '/v1/policies/worker-sessions', narrowedPolicy(), st.adminKey)).status).toBe(200);
    try {
      const sign = () => xs.signOutsideExecution({ session: both.session!, sessionKey: both.sessionKey, outsideExecutionTypedData: built.typed_data as never, argentSessionServiceUrl: `${st.url}/sessions/argent`, calls });
      expect(await refusal(sign())).toBe('selector_not_allowed');
      const raw = await fetch(`${st.url}/sessions/argent/cosigner/signSessionEFO`, { method: 'POST', body: '{}' });
      expect(raw.status).toBe(400);
      expect(await raw.json()).toMatchObject({ status: 'invalid_request', error: { reason: 'invalid_request' } });
    } finally {
      await st.http('DELETE', '/v1/policies/worker-sessions', undefined, st.adminKey);
    }
  });

  it("a co-signature whose window outlasts the session: held past the session's end, it would revert on relayer gas", async () => {
    const short = await makeSession(st, worker, { seconds: 300 });
    const expiresAt = Number(short.request.offchainSession.expires_at);
    const before = await relayerLedger(st.s);
    // A default build's window (30 min) ends after the session: refused before the co-signature.
    expect(await refusal(sessionExecute(st, short, heartbeat()))).toBe('time_bounds_past_session');
    expect(await relayerLedger(st.s)).toEqual(before);
    // One ending by the session's expiry is co-signed and relayed.
    const now = Number((await st.s.chain.provider.getBlock('latest')).timestamp);
    const r = await sessionExecute(st, short, heartbeat(), short.sessionKey, { ...sponsored, timeBounds: { executeAfter: now - 60, executeBefore: expiresAt } });
    expect((await st.s.chain.provider.waitForTransaction(r.transaction_hash)).isSuccess()).toBe(true);
  });

  it('an expired session (devnet_increaseTime past its expiry)', async () => {
    const short = await makeSession(st, worker, { seconds: 120 });
    await increaseTime(st.s.chain.devnet.url, 300);
    const before = await relayerLedger(st.s);
    expect(await refusal(sessionExecute(st, short, heartbeat()))).toBe('session_expired');
    expect(await relayerLedger(st.s)).toEqual(before);
  });
});

function narrowedPolicy() {
  return {
    schemaVersion: 1,
    id: 'worker-sessions',
    name: 'Worker session keys, heartbeat only',
    enabled: true,
    priority: 90,
    rules: {
      allow: [{ contract: 'cdc_pool', selectors: ['heartbeat'] }],
      sessions: { methods: [{ contract: 'cdc_pool', selectors: ['heartbeat', 'claim_rewards'] }], maxDurationSeconds: 604_800 },
    },
  };
}

/**
 * Low-Medium (sessions audit): the only bound on stored session records was
 * 32 per account, and anyone can deploy accounts whose guardian is the
 * tenant's cosigner (its public key is served to any sponsor key), each one
 * buying 32 more records of up to ~3 KB, kept up to two weeks: the Store,
 * shared by every tenant, could be filled from one public key. Now session
 * authorisations count against a daily quota per API key and client
 * network, shared like the deployment quota (sponsorship/dailyQuota.ts):
 * networks that authorise often take at most half of the key's day, and a
 * user from elsewhere is still served until the key's day is used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIGHT_PER_NETWORK } from '../../relay/sponsorship/dailyQuota.ts';
import { deployArgent, makeSession, startSessionStack, type SessionStack } from '../relay/sessions/helpers.ts';
import { relayerLedger, report } from './helpers.ts';

const PER_KEY = 6;
let st: SessionStack;
beforeAll(async () => {
  st = await startSessionStack({ clientIpHeader: 'x-forwarded-for', sessionQuota: { perApiKeyPerDay: PER_KEY, perClientPerHour: 0 } });
}, 300_000);
afterAll(async () => st?.stop());

const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

describe('session records from new accounts', () => {
  it("are bounded by the key's daily quota, not by the number of accounts; a user elsewhere is still served", async () => {
    const [a, b, user, late] = [await deployArgent(st), await deployArgent(st), await deployArgent(st), await deployArgent(st)];
    const before = await relayerLedger(st.s);
    // One network, two fresh accounts (each far from its cap of 32): light for 2, then half the key's day (3).
    const got: number[] = [];
    for (const acct of [a, b]) for (let i = 0; i < 3; i++) got.push((await makeSession(st, acct, from('203.0.113.7'))).authorize.status);
    expect(got.filter((s) => s === 201)).toHaveLength(LIGHT_PER_NETWORK + PER_KEY / 2);
    const refused = await makeSession(st, b, from('203.0.113.7'));
    expect(refused.authorize.status).toBe(429);
    expect(refused.authorize.body.error.reason).toBe('session_quota_exhausted');
    expect(refused.authorize.body.error.retry_after).toBeGreaterThan(0);
    // A user from another network gets the key's last one; then the key's day is used, for everyone.
    expect((await makeSession(st, user, from('198.51.100.9'))).authorize.status).toBe(201);
    const after = await makeSession(st, late, from('198.51.100.10'));
    expect(after.authorize.body.error?.reason).toBe('session_quota_exhausted');
    const spent = before.strk - (await relayerLedger(st.s)).strk;
    report('session records from self-deployed accounts', `${got.filter((s) => s === 201).length} stored from one network over 2 accounts, then 429 session_quota_exhausted; a user elsewhere: 201; relayers spent ${spent} fri on authorisations`);
    expect(spent).toBe(0n);
  }, 300_000);
});

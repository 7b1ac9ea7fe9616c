/**
 * High if it worked: an account that upgrades itself after the relay has
 * seen its class. Execute judges a deployed account's class from the build's
 * cache (an hour) rather than asking the node again; what stops a class that
 * could run hidden calls on relayer gas is the Paymaster, which checks the
 * account's class on chain in every relayed execution, and execute simulates
 * that before sending. The attacker builds and signs (its allowed class now
 * cached), upgrades itself to a class the Paymaster does not allow (the CIRO
 * token's), then asks for the execution: refused in simulation, nothing sent.
 */
import { hash } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeAndWait } from '../../scripts/local/accounts.ts';
import { call, u256 } from '../../scripts/local/seed.ts';
import { Keys } from '../../relay/store/keys.ts';
import { startRelayStack, STRK, type RelayStack } from '../helpers/relay.ts';
import { attackerAccount, buildSigned, relayerLedger, report } from './helpers.ts';

let s: RelayStack;
beforeAll(async () => {
  s = await startRelayStack({});
}, 300_000);
afterAll(async () => s?.stop());

describe('an account that changes its class between build and execute', () => {
  it('is refused by the Paymaster in simulation: nothing sent, no gas spent', async () => {
    const c = s.chain.manifest.contracts;
    const attacker = await attackerAccount(s);
    const allowed = s.chain.manifest.accountClassHashes[0]!;
    const approve = { to: c.ciro_token.address, selector: hash.getSelectorFromName('approve'), calldata: [c.job_mgr.address, '0x1', '0x0'] };
    const { params } = await buildSigned(s, attacker, [approve]);
    expect(BigInt((await s.relay.deps.store.get(Keys.accountClass(attacker.address)))!)).toBe(BigInt(allowed));

    // The attacker pays its own upgrade: to a class that is not an account the Paymaster allows.
    await executeAndWait(s.chain.deployer.account, call(STRK, 'transfer', [attacker.address, ...u256(10n ** 18n)]));
    const tokenClass = await s.chain.provider.getClassHashAt(c.ciro_token.address);
    await executeAndWait(attacker.account, call(attacker.address, 'upgrade', [tokenClass]));
    expect(BigInt(await s.chain.provider.getClassHashAt(attacker.address))).toBe(BigInt(tokenClass));

    const before = await relayerLedger(s);
    const res = await s.rpc('paymaster_executeTransaction', params);
    const after = await relayerLedger(s);
    report('account upgraded after build', `refused as ${res.body.error?.data?.reason} ('${res.body.error?.data?.revert_reason}'); relayers sent ${after.txs - before.txs}, spent ${before.strk - after.strk} fri`);
    // The relay's own check passed on the cached (allowed) class; the Paymaster's did not.
    expect(BigInt((await s.relay.deps.store.get(Keys.accountClass(attacker.address)))!)).toBe(BigInt(allowed));
    expect(res.body.error?.data).toMatchObject({ reason: 'paymaster_refused', revert_reason: 'PM: account class not allowed' });
    expect(after).toEqual(before);
  }, 180_000);
});

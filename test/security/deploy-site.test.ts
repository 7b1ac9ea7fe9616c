/**
 * Medium (deploy-quota audit): the key's daily deployment quota was one
 * count for everyone, so strangers with the public key could use it up from
 * a few networks, or from one IPv6 /48 rotating its /64s (each a fresh
 * client for the hourly quota), and every new user of the dapp was refused
 * until 00:00 UTC. Now networks that deploy often share half of the key's
 * day, and a /48 is one site for lightness (and has an hourly quota of its
 * own, test/relay/sponsorship/deploy-quota.test.ts): the /48 is stopped at
 * its light allowance plus that half, and a user from elsewhere is served.
 */
import { ec, hash, stark } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIGHT_PER_SITE } from '../../relay/sponsorship/dailyQuota.ts';
import { startRelayStack, type RelayStack } from '../helpers/relay.ts';
import { relayerLedger, report, sponsored } from './helpers.ts';

const PER_KEY = 20;
// An hour's quota per /64, and four times that per /48: above what the day's share lets the /48 have here.
const PER_CLIENT = 5;
let s: RelayStack;
beforeAll(async () => {
  s = await startRelayStack({ config: { clientIpHeader: 'x-forwarded-for', deployQuota: { perApiKeyPerDay: PER_KEY, perClientPerHour: PER_CLIENT } } });
}, 300_000);
afterAll(async () => s?.stop());

function freshDeployment() {
  const pk = ec.starkCurve.getStarkKey(stark.randomAddress());
  const classHash = s.chain.manifest.accountClassHashes[0]!;
  return { address: hash.calculateContractAddressFromHash(pk, classHash, [pk], 0), class_hash: classHash, salt: pk, calldata: [pk], version: 1 };
}
const deploy = async (ip: string) => {
  const r = await s.rpc('paymaster_executeTransaction', { transaction: { type: 'deploy', deployment: freshDeployment() }, parameters: sponsored }, { 'x-forwarded-for': ip });
  return (r.body.error?.data?.reason as string | undefined) ?? 'relayed';
};

describe('deploy quota against one IPv6 /48 rotating its /64s', () => {
  it("can't take the key's whole day: a user from elsewhere is still served", async () => {
    const before = await relayerLedger(s);
    const got: string[] = [];
    // Each /64 until its hourly quota refuses, then the next one, until the site is refused outright.
    for (let net = 1; net < 40; net++) {
      const here = [await deploy(`2001:db8:aa:${net.toString(16)}::1`), await deploy(`2001:db8:aa:${net.toString(16)}::2`)];
      got.push(...here);
      if (here.every((r) => r !== 'relayed')) break;
    }
    const landed = got.filter((r) => r === 'relayed').length;
    expect(new Set(got.filter((r) => r !== 'relayed'))).toEqual(new Set(['deploy_quota_exhausted']));
    // Light while the site has fewer than LIGHT_PER_SITE, then half the key's day, and no more.
    expect(landed).toBe(LIGHT_PER_SITE + PER_KEY / 2);
    const user = await deploy('198.51.100.9');
    const other = await deploy('2001:db8:bb:1::1');
    await new Promise((r) => setTimeout(r, 2_000));
    const after = await relayerLedger(s);
    report('deploy quota vs one /48 rotating /64s', `${landed} of ${PER_KEY} a day relayed from the /48 (${before.strk - after.strk} fri), then refused; a user from 198.51.100.9: ${user}, from another /48: ${other}`);
    expect(user).toBe('relayed');
    expect(other).toBe('relayed');
  }, 300_000);
});

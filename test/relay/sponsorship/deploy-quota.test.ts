/**
 * Operator quotas on account deployments: a fresh salt is a fresh sender, so
 * only per-key and per-client-network counts bound a loop of signature-free
 * deploys. On memory and a real redis-server.
 */
import { describe, expect, it } from 'vitest';
import { clientAddress, clientNetwork, clientSite, isInternalPeer } from '../../../relay/sponsorship/clientNetwork.ts';
import { LIGHT_PER_NETWORK, LIGHT_PER_SITE, SITE_HOURLY_CLIENTS } from '../../../relay/sponsorship/dailyQuota.ts';
import { dayOf, Keys } from '../../../relay/store/keys.ts';
import { makeGate, policy, refused, request, T0, useStoreBackends } from './helpers.ts';

const ACCOUNT = '0x5b4b537eaa2399e3aa99c4e2e0208ebd6c71bc1467938cd52c798c601e43564';
const deployer = policy({ id: 'onboarding', rules: { deployments: { classHashes: [ACCOUNT] } } });

describe('client networks', () => {
  it('keys IPv4 by address and IPv6 by its /64, and ignores what is not an address', () => {
    expect(clientNetwork('203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('2001:db8:1:2:aaaa::1')).toBe('v6-2001-db8-1-2');
    expect(clientNetwork('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('v6-2001-db8-1-2');
    expect(clientNetwork('2001:db8::1')).toBe('v6-2001-db8-0-0');
    expect(clientNetwork('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(clientNetwork('203.0.113.7:5678')).toBe('203.0.113.7');
    expect(clientNetwork('[2001:db8:1:2::1]:443')).toBe('v6-2001-db8-1-2');
    expect(clientNetwork('[::ffff:203.0.113.7]')).toBe('203.0.113.7');
    // IPv6 forms that carry an IPv4 client: 6to4 (any /64 under 2002:cb00:7107::/48), NAT64, Teredo.
    expect(clientNetwork('2002:cb00:7107:1::1')).toBe('203.0.113.7');
    expect(clientNetwork('2002:cb00:7107:ffff::2')).toBe('203.0.113.7');
    expect(clientNetwork('64:ff9b::cb00:7107')).toBe('203.0.113.7');
    expect(clientNetwork('2001:0:4136:e378:8000:63bf:34ff:8ef8')).toBe('203.0.113.7');
    expect(clientNetwork('not an ip')).toBeUndefined();
    // Only dotted quads: `inet_aton` spellings would give one host several keys.
    expect(clientNetwork('127.1')).toBeUndefined();
    expect(clientNetwork('0x7f.0.0.1')).toBeUndefined();
    expect(clientNetwork(undefined)).toBeUndefined();
  });

  it("an IPv6 client's site is its /48; IPv4 clients, and IPv6 forms carrying one, have none", () => {
    expect(clientSite('2001:db8:1:2::1')).toBe('v6s-2001-db8-1');
    expect(clientSite('[2001:db8:1:ffff::9]:443')).toBe('v6s-2001-db8-1');
    for (const v of ['203.0.113.7', '2002:cb00:7107:1::1', '::ffff:203.0.113.7', 'junk', undefined]) expect(clientSite(v)).toBeUndefined();
  });

  it('tells an internal peer (a proxy, a balancer) from a public one', () => {
    for (const v of ['127.0.0.1', '10.0.0.5', '192.168.1.2', '100.64.0.1', '::1', 'fd00::1', '::ffff:10.1.2.3', '[::1]:8080']) expect(isInternalPeer(v), v).toBe(true);
    for (const v of ['203.0.113.7', '2001:db8::1', '8.8.8.8', 'junk', undefined]) expect(isInternalPeer(v), String(v)).toBe(false);
  });
});

describe('client address behind proxies', () => {
  const PEER = '10.0.0.5';
  it('reads the proxy header from the right, and falls back to the socket peer when it names no address', () => {
    expect(clientAddress('203.0.113.7', 1, PEER)).toBe('203.0.113.7');
    // What the client wrote itself stays to the left of what the proxy appended.
    expect(clientAddress('1.1.1.1, 2001:db8::1, 203.0.113.7', 1, PEER)).toBe('203.0.113.7');
    expect(clientAddress('1.1.1.1, 203.0.113.7, 198.51.100.9', 2, PEER)).toBe('203.0.113.7');
    expect(clientAddress(undefined, 1, PEER)).toBe(PEER);
    expect(clientAddress('unknown', 1, PEER)).toBe(PEER);
    expect(clientAddress('203.0.113.7', 2, PEER)).toBe(PEER);
    expect(clientAddress(undefined, 1, undefined)).toBeUndefined();
  });
});

describe.each(useStoreBackends())('deploy quotas on $name', ({ fresh }) => {
  it('stops a loop of deploys from fresh addresses at the per-key quota, at build and at execute', async () => {
    const k = makeGate(await fresh(), [deployer], { deployQuota: { perApiKeyPerDay: 3, perClientPerHour: 0 } });
    const deploy = (i: number, phase: 'build' | 'execute' = 'execute') =>
      k.check(request({ tenant: k.tenant, sender: '0x' + (0xd000 + i).toString(16), calls: [], deployment: { classHash: ACCOUNT }, phase }));
    for (let i = 0; i < 3; i++) await deploy(i);
    const e = await refused(deploy(3), 'deploy_quota_exhausted');
    expect(e.data?.retry_after).toBe(86_400 - (T0 % 86_400));
    await refused(deploy(4, 'build'), 'deploy_quota_exhausted');
    // Another key of the same tenant has its own quota; the next day starts afresh.
    await expect(k.check(request({ tenant: k.tenant, apiKeyId: 'key2', sender: '0xd100', calls: [], deployment: { classHash: ACCOUNT } }))).resolves.toMatchObject({ policy: 'onboarding' });
    k.clock.now = T0 + 86_400;
    await expect(deploy(5)).resolves.toMatchObject({ policy: 'onboarding' });
  });

  it('counts per client network across keys, and gives a deploy back when it never lands', async () => {
    const k = makeGate(await fresh(), [deployer], { deployQuota: { perApiKeyPerDay: 0, perClientPerHour: 2 } });
    const deploy = (i: number, client: string) =>
      k.check(request({ tenant: k.tenant, apiKeyId: `key${i}`, client, sender: '0x' + (0xe000 + i).toString(16), calls: [], deployment: { classHash: ACCOUNT } }));
    const first = await deploy(0, '2001:db8:1:2::10');
    await deploy(1, '2001:db8:1:2::11');
    await refused(deploy(2, '2001:db8:1:2:ffff::1'), 'deploy_quota_exhausted');
    await expect(deploy(3, '2001:db8:1:3::1')).resolves.toBeDefined();
    await k.gate.release(first);
    await expect(deploy(4, '2001:db8:1:2::12')).resolves.toBeDefined();
  });

  it("keeps half of the key's day for networks that deploy rarely: a busy one is stopped there, new users still get the rest", async () => {
    const k = makeGate(await fresh(), [deployer], { deployQuota: { perApiKeyPerDay: 8, perClientPerHour: 0 } });
    let n = 0;
    const deploy = (client: string) => k.check(request({ tenant: k.tenant, client, sender: '0x' + (0xf000 + n++).toString(16), calls: [], deployment: { classHash: ACCOUNT } }));
    // Two light, then four of the heavy share (half of 8): the fifth from the same network is refused, at build too.
    for (let i = 0; i < LIGHT_PER_NETWORK + 4; i++) await deploy('203.0.113.7');
    const busy = await refused(deploy('203.0.113.7'), 'deploy_quota_exhausted');
    expect(busy.details).toContain('kept for networks that use it rarely');
    await refused(k.gate.decide(request({ tenant: k.tenant, client: '203.0.113.7', sender: '0xf999', calls: [], deployment: { classHash: ACCOUNT }, phase: 'build' })).then((gd) => { if (gd.safeguard) throw gd.safeguard; }), 'deploy_quota_exhausted');
    // Another busy network finds the share used up; a new user's network is light.
    for (let i = 0; i < LIGHT_PER_NETWORK; i++) await deploy('198.51.100.1');
    await refused(deploy('198.51.100.1'), 'deploy_quota_exhausted');
    // The key's day (8) is now used: 6 + 2 light of the second network.
    const user = await refused(deploy('192.0.2.50'), 'deploy_quota_exhausted');
    expect(user.details).toContain('This API key has used its 8');
  });

  it("counts an IPv6 /48 as one site: rotating /64s in it doesn't stay light", async () => {
    const k = makeGate(await fresh(), [deployer], { deployQuota: { perApiKeyPerDay: 20, perClientPerHour: 0 } });
    let n = 0;
    const deploy = (client: string) => k.check(request({ tenant: k.tenant, client, sender: '0x' + (0xa000 + n++).toString(16), calls: [], deployment: { classHash: ACCOUNT } }));
    let landed = 0;
    for (let net = 1; net < 40; net++) {
      const r = await deploy(`2001:db8:aa:${net.toString(16)}::1`).then(() => true, () => false);
      if (!r) break;
      landed++;
    }
    // The site is light for its first 8; past them, its /64s take the heavy share (10) and stop there.
    expect(landed).toBe(LIGHT_PER_SITE + 10);
    // A user elsewhere still gets the key's last 2.
    await expect(deploy('2001:db8:bb:1::1')).resolves.toBeDefined();
    await expect(deploy('203.0.113.9')).resolves.toBeDefined();
    await refused(deploy('203.0.113.10'), 'deploy_quota_exhausted');
  });

  it('gives an IPv6 /48 four clients\' hourly quota: rotating its /64s is stopped within the hour, not at the end of the day', async () => {
    const k = makeGate(await fresh(), [deployer], { deployQuota: { perApiKeyPerDay: 0, perClientPerHour: 2 } });
    let n = 0;
    const deploy = (client: string) => k.check(request({ tenant: k.tenant, client, sender: '0x' + (0xc000 + n++).toString(16), calls: [], deployment: { classHash: ACCOUNT } }));
    let landed = 0;
    for (let net = 1; net < 20 && (await deploy(`2001:db8:cc:${net.toString(16)}::1`).then(() => true, () => false)); net++) landed++;
    expect(landed).toBe(2 * SITE_HOURLY_CLIENTS);
    const e = await refused(deploy('2001:db8:cc:99::1'), 'deploy_quota_exhausted');
    expect(e.details).toContain('IPv6 /48');
    await expect(deploy('2001:db8:dd:1::1')).resolves.toBeDefined();
    k.clock.now = T0 + 3_600;
    await expect(deploy('2001:db8:cc:99::1')).resolves.toBeDefined();
  });

  it('holds a burst from one network to lightness atomically: judged light together, only the light ones pass as light', async () => {
    const store = await fresh();
    const k = makeGate(store, [deployer], { deployQuota: { perApiKeyPerDay: 10, perClientPerHour: 0 } });
    const burst = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => k.check(request({ tenant: k.tenant, client: '203.0.113.7', sender: '0x' + (0xb000 + i).toString(16), calls: [], deployment: { classHash: ACCOUNT } }))));
    for (const r of burst) if (r.status === 'rejected') expect((r.reason as { reason: string }).reason).toBe('deploy_quota_exhausted');
    // Whatever passed beyond the heavy share's count passed as light: never more than a light network may.
    const heavy = await store.amount(Keys.dailyHeavy(k.tenant.id, 'deploys', 'key1', dayOf(T0)));
    const passed = burst.filter((r) => r.status === 'fulfilled').length;
    expect(passed - Number(heavy)).toBeLessThanOrEqual(LIGHT_PER_NETWORK);
    expect(passed - Number(heavy)).toBeGreaterThan(0);
  });

  it('leaves invokes alone', async () => {
    const k = makeGate(await fresh(), [policy()], { deployQuota: { perApiKeyPerDay: 1, perClientPerHour: 1 } });
    for (let i = 0; i < 3; i++) await expect(k.check(request({ tenant: k.tenant, client: '203.0.113.7' }))).resolves.toMatchObject({ policy: 'jobs' });
  });
});

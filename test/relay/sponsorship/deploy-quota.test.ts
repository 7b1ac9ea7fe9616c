/**
 * Operator quotas on account deployments: a fresh salt is a fresh sender, so
 * only per-key and per-client-network counts bound a loop of signature-free
 * deploys. On memory and a real redis-server.
 */
import { describe, expect, it } from 'vitest';
import { clientAddress, clientNetwork, clientSite, isInternalPeer } from '../../../relay/sponsorship/clientNetwork.ts';
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

  it('leaves invokes alone', async () => {
    const k = makeGate(await fresh(), [policy()], { deployQuota: { perApiKeyPerDay: 1, perClientPerHour: 1 } });
    for (let i = 0; i < 3; i++) await expect(k.check(request({ tenant: k.tenant, client: '203.0.113.7' }))).resolves.toMatchObject({ policy: 'jobs' });
  });
});

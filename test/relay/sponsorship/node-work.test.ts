/**
 * What node work a public key can buy: requests count per key, per client
 * network and per account from one network before any node call, and
 * refusals after node work count again against a smaller hourly allowance;
 * no count a stranger can fill stops someone else. On memory and a real
 * redis-server.
 */
import { describe, expect, it } from 'vitest';
import { RelayError } from '../../../relay/errors/base.ts';
import { chainUnavailable, NodeUnreachableError } from '../../../relay/errors/chain.ts';
import { FELTS_PER_WEIGHT, weightOf } from '../../../relay/execution/metered.ts';
import { NodeWorkLimiter, type NodeWorkLimits } from '../../../relay/sponsorship/nodeWork.ts';
import { ALICE, BOB, T0, useStoreBackends } from './helpers.ts';

const off: NodeWorkLimits = { perApiKeyPerMinute: 0, lightPerMinute: 0, lightPerSitePerMinute: 0, perClientPerMinute: 0, perSenderPerMinute: 0, refusalsPerApiKeyPerHour: 0, refusalsPerClientPerHour: 0, refusalsPerSenderPerHour: 0 };
const caller = (sender = ALICE, apiKeyId = 'k1', client?: string) => ({ tenant: 'acme', apiKeyId, sender, ...(client ? { client } : {}) });
const ATTACKER = '198.51.100.7';
const USER = '2001:db8:1:2::10';
const badSignature = new RelayError('invalid_signature', { details: 'x' });
const reasonOf = (p: Promise<unknown>) => p.then(() => undefined, (e: RelayError) => ({ reason: e.reason, retryAfter: e.data?.retry_after }));

describe.each(useStoreBackends())('node work limits on $name', ({ fresh }) => {
  it('counts requests per account and per key before any node call', async () => {
    const clock = { now: T0 };
    const nw = new NodeWorkLimiter(await fresh(), { ...off, perSenderPerMinute: 3, perApiKeyPerMinute: 5 }, () => clock.now);
    for (let i = 0; i < 3; i++) await nw.admit(caller());
    expect(await reasonOf(nw.admit(caller()))).toEqual({ reason: 'rate_limited', retryAfter: 60 - (T0 % 60) });
    // Another account still has room, until the key's own limit.
    await nw.admit(caller(BOB));
    await nw.admit(caller(BOB));
    expect((await reasonOf(nw.admit(caller(BOB))))?.reason).toBe('rate_limited');
    clock.now = T0 + 60;
    await expect(nw.admit(caller())).resolves.toBeUndefined();
  });

  it('stops an account that keeps getting refused after node work, and not for outages', async () => {
    const clock = { now: T0 };
    const nw = new NodeWorkLimiter(await fresh(), { ...off, refusalsPerSenderPerHour: 2 }, () => clock.now);
    const outage = new RelayError('chain_unavailable', { details: 'x' });
    await nw.admit(caller());
    await nw.refused(caller(), outage);
    await nw.refused(caller(), new Error('not a refusal'));
    await nw.admit(caller());
    await nw.refused(caller(), badSignature);
    await nw.refused(caller(), badSignature);
    const r = await reasonOf(nw.admit(caller()));
    expect(r?.reason).toBe('rate_limited');
    expect(r?.retryAfter).toBe(3600 - (T0 % 3600));
    await expect(nw.admit(caller(BOB))).resolves.toBeUndefined();
    clock.now = T0 + 3600;
    await expect(nw.admit(caller())).resolves.toBeUndefined();
  });

  it("counts a request that ran the node to the deadline against its network and account, never the key's backstop", async () => {
    const clock = { now: T0 };
    const nw = new NodeWorkLimiter(await fresh(), { ...off, refusalsPerApiKeyPerHour: 1, refusalsPerClientPerHour: 2, perClientPerMinute: 100, lightPerMinute: 1 }, () => clock.now);
    // As the provider fails: its deadline aborts the fetch with a TimeoutError; a refused connection fails fast.
    const timeout = chainUnavailable(new NodeUnreachableError('Starknet node unreachable', new DOMException('late', 'TimeoutError')));
    const fast = chainUnavailable(new NodeUnreachableError('Starknet node unreachable', new Error('connect ECONNREFUSED')));
    await nw.refused(caller(ALICE, 'k1', ATTACKER), fast); // an outage: not counted
    await nw.refused(caller(ALICE, 'k1', ATTACKER), fast);
    await nw.refused(caller(ALICE, 'k1', ATTACKER), new RelayError('paymaster_paused', { details: 'x', cause: timeout }));
    await expect(nw.admit(caller(ALICE, 'k1', ATTACKER))).resolves.toBeUndefined();
    await nw.refused(caller(ALICE, 'k1', ATTACKER), timeout);
    await nw.refused(caller(ALICE, 'k1', ATTACKER), timeout);
    expect((await reasonOf(nw.admit(caller(ALICE, 'k1', ATTACKER))))?.reason).toBe('rate_limited');
    // The key's backstop (1) saw none of them: a network past lightPerMinute (1) is still served.
    await nw.admit(caller(BOB, 'k1', USER));
    await expect(nw.admit(caller(BOB, 'k1', USER))).resolves.toBeUndefined();
  });

  it('counts a heavy request for its weight: a network gets fewer of them', async () => {
    const clock = { now: T0 };
    const nw = new NodeWorkLimiter(await fresh(), { ...off, perClientPerMinute: 10 }, () => clock.now);
    await nw.admit({ ...caller(ALICE, 'k1', ATTACKER), weight: weightOf({ type: 'invoke', invoke: { calls: [{ calldata: Array(3_400) }] } }) });
    await nw.admit({ ...caller(ALICE, 'k1', ATTACKER), weight: 3 });
    expect((await reasonOf(nw.admit(caller(ALICE, 'k1', ATTACKER))))?.reason).toBe('rate_limited');
    // 7 + 3 = 10: the network's minute is spent; another network's is not.
    await expect(nw.admit(caller(ALICE, 'k1', USER))).resolves.toBeUndefined();
    expect(weightOf({ type: 'invoke', invoke: { calls: [{ calldata: ['0x1'] }] } })).toBe(1);
    expect(weightOf({ type: 'deploy_and_invoke', deployment: { calldata: Array(64) }, invoke: { typed_data: { execution: { calls: [{ calldata: Array(FELTS_PER_WEIGHT) }] } } } })).toBe(2);
  });

  it("counts an account per client network: naming someone's address from elsewhere uses up only the caller's share", async () => {
    const clock = { now: T0 };
    const nw = new NodeWorkLimiter(await fresh(), { ...off, perSenderPerMinute: 2, refusalsPerSenderPerHour: 1 }, () => clock.now);
    await nw.admit(caller(ALICE, 'k1', ATTACKER));
    await nw.refused(caller(ALICE, 'k1', ATTACKER), badSignature);
    expect((await reasonOf(nw.admit(caller(ALICE, 'k1', ATTACKER))))?.reason).toBe('rate_limited');
    await nw.admit(caller(ALICE, 'k1', USER));
    // Another address in the same /64 is the same client.
    await nw.admit(caller(ALICE, 'k1', '2001:db8:1:2::99'));
    expect((await reasonOf(nw.admit(caller(ALICE, 'k1', USER))))?.reason).toBe('rate_limited');
  });

  it('bounds one client network however many accounts it names', async () => {
    const clock = { now: T0 };
    const nw = new NodeWorkLimiter(await fresh(), { ...off, perClientPerMinute: 3, refusalsPerClientPerHour: 2 }, () => clock.now);
    const fresh1 = (i: number) => caller('0x' + (0xf000 + i).toString(16), 'k1', ATTACKER);
    for (let i = 0; i < 2; i++) {
      await nw.admit(fresh1(i));
      await nw.refused(fresh1(i), badSignature);
    }
    // Over the network's refusals: a new address buys nothing.
    expect((await reasonOf(nw.admit(fresh1(9))))?.reason).toBe('rate_limited');
    await nw.admit(caller(ALICE, 'k1', USER));
    // Requests alike, with no refusal at all.
    const nw2 = new NodeWorkLimiter(await fresh(), { ...off, perClientPerMinute: 3 }, () => clock.now);
    for (let i = 0; i < 3; i++) await nw2.admit(fresh1(i));
    expect((await reasonOf(nw2.admit(fresh1(3))))?.reason).toBe('rate_limited');
    await nw2.admit(caller(ALICE, 'k1', USER));
    // Requests with no known address share one client.
    for (let i = 0; i < 3; i++) await nw2.admit(caller(ALICE, 'k2'));
    expect((await reasonOf(nw2.admit(caller(BOB, 'k2'))))?.reason).toBe('rate_limited');
  });

  it("over the key's refusal backstop, stops only networks refused this hour", async () => {
    const clock = { now: T0 };
    const nw = new NodeWorkLimiter(await fresh(), { ...off, refusalsPerApiKeyPerHour: 3, refusalsPerClientPerHour: 100, perClientPerMinute: 100, lightPerMinute: 3 }, () => clock.now);
    const nets = ['198.51.100.1', '198.51.100.2', '198.51.100.3'];
    for (const n of nets) {
      await nw.admit(caller(ALICE, 'k1', n));
      await nw.refused(caller(ALICE, 'k1', n), badSignature);
    }
    for (const n of nets) expect((await reasonOf(nw.admit(caller(ALICE, 'k1', n))))?.reason).toBe('rate_limited');
    // A network in good standing is still served, until its own first refusal.
    await nw.admit(caller(ALICE, 'k1', USER));
    await nw.refused(caller(ALICE, 'k1', USER), badSignature);
    expect((await reasonOf(nw.admit(caller(ALICE, 'k1', USER))))?.reason).toBe('rate_limited');
    // Another key of the tenant has its own backstop.
    await nw.admit(caller(ALICE, 'k2', nets[0]));
    // A clean network that is not light (many requests at once, none refused yet) is stopped too.
    const burst = '192.0.2.200';
    for (let i = 0; i < 3; i++) await nw.admit(caller(BOB, 'k1', burst));
    expect((await reasonOf(nw.admit(caller(BOB, 'k1', burst))))?.reason).toBe('rate_limited');
    // With no per-network count, the backstop stops everyone: no network can show good standing.
    const flat = new NodeWorkLimiter(await fresh(), { ...off, refusalsPerApiKeyPerHour: 1 }, () => clock.now);
    await flat.admit(caller(ALICE, 'k1', ATTACKER));
    await flat.refused(caller(ALICE, 'k1', ATTACKER), badSignature);
    expect((await reasonOf(flat.admit(caller(BOB, 'k1', USER))))?.reason).toBe('rate_limited');
  });

  it("past the key's request backstop serves light networks, up to twice the count", async () => {
    const clock = { now: T0 };
    const nw = new NodeWorkLimiter(await fresh(), { ...off, perApiKeyPerMinute: 8, perClientPerMinute: 4, lightPerMinute: 2 }, () => clock.now);
    // Two heavy networks fill the key's count.
    for (const n of ['198.51.100.1', '198.51.100.2']) for (let i = 0; i < 4; i++) await nw.admit(caller(ALICE, 'k1', n));
    expect((await reasonOf(nw.admit(caller(ALICE, 'k1', '198.51.100.3'))))).toBeUndefined();
    await nw.admit(caller(ALICE, 'k1', '198.51.100.3'));
    // That network is no longer light; a user's network still is.
    expect((await reasonOf(nw.admit(caller(ALICE, 'k1', '198.51.100.3'))))?.reason).toBe('rate_limited');
    await nw.admit(caller(BOB, 'k1', USER));
    // Light networks count on to the hard ceiling (16), then everyone waits for the minute.
    for (let i = 0; i < 5; i++) await nw.admit(caller(ALICE, 'k1', `203.0.113.${i}`));
    const r = await reasonOf(nw.admit(caller(BOB, 'k1', '192.0.2.1')));
    expect(r).toEqual({ reason: 'rate_limited', retryAfter: 60 - (T0 % 60) });
    clock.now = T0 + 60;
    await nw.admit(caller(BOB, 'k1', '192.0.2.1'));
  });

  it('judges a burst on the counts with each request in them: past a backstop, a network sending at once gets lightPerMinute through', async () => {
    const clock = { now: T0 };
    const nw = new NodeWorkLimiter(await fresh(), { ...off, perApiKeyPerMinute: 4, perClientPerMinute: 50, lightPerMinute: 3, refusalsPerApiKeyPerHour: 1, refusalsPerClientPerHour: 50 }, () => clock.now);
    // Past both backstops: the key's 4 requests and its 1 refusal.
    for (let i = 0; i < 4; i++) await nw.admit(caller(ALICE, 'k1', '198.51.100.1'));
    await nw.refused(caller(ALICE, 'k1', '198.51.100.1'), badSignature);
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => reasonOf(nw.admit(caller('0x' + (0xe000 + i).toString(16), 'k1', USER)))));
    expect(burst.filter((r) => r === undefined)).toHaveLength(3);
    expect(burst.filter((r) => r?.reason === 'rate_limited')).toHaveLength(17);
  });

  it("past the backstops, counts an IPv6 /48 as one site: a stranger's 65,536 /64s don't each get a light allowance", async () => {
    const clock = { now: T0 };
    const limits = { ...off, perApiKeyPerMinute: 10, perClientPerMinute: 50, lightPerMinute: 3, lightPerSitePerMinute: 5, refusalsPerApiKeyPerHour: 1, refusalsPerClientPerHour: 2 };
    const nw = new NodeWorkLimiter(await fresh(), limits, () => clock.now);
    for (let i = 0; i < 10; i++) await nw.admit(caller(ALICE, 'k1', '198.51.100.1'));
    // Past the request backstop: /64s of one /48, each light, are served until their site has had 5 this minute.
    const inSite = (n: number) => `2001:db8:bad:${n.toString(16)}::1`;
    const served = [];
    for (let n = 0; n < 12; n++) served.push(await reasonOf(nw.admit(caller(BOB, 'k1', inSite(n)))));
    expect(served.filter((r) => r === undefined)).toHaveLength(5);
    // Another site, and an IPv4 client, are still light.
    await expect(nw.admit(caller(BOB, 'k1', '2001:db8:600d:1::1'))).resolves.toBeUndefined();
    await expect(nw.admit(caller(BOB, 'k1', '192.0.2.44'))).resolves.toBeUndefined();
    // Past the refusal backstop: once its /64s have had one network's allowance of refusals (here 2), the whole site is unclean, for the hour.
    clock.now = T0 + 60;
    await nw.admit(caller(BOB, 'k1', inSite(100)));
    await nw.refused(caller(BOB, 'k1', inSite(100)), badSignature);
    await expect(nw.admit(caller(BOB, 'k1', inSite(101)))).resolves.toBeUndefined();
    await nw.refused(caller(BOB, 'k1', inSite(101)), badSignature);
    expect((await reasonOf(nw.admit(caller(BOB, 'k1', inSite(102)))))?.reason).toBe('rate_limited');
    await expect(nw.admit(caller(BOB, 'k1', '2001:db8:600d:2::1'))).resolves.toBeUndefined();
    // With the site count off, each /64 stands alone (the old behaviour).
    const flat = new NodeWorkLimiter(await fresh(), { ...limits, lightPerSitePerMinute: 0 }, () => T0);
    for (let i = 0; i < 10; i++) await flat.admit(caller(ALICE, 'k1', '198.51.100.1'));
    for (let n = 0; n < 8; n++) await expect(flat.admit(caller(BOB, 'k1', inSite(n)))).resolves.toBeUndefined();
  });
});

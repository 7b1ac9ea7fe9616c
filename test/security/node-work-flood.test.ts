/**
 * High, found in review: the key's request count is shared by everyone who
 * holds the public key, so a few networks filling it locked every user of the
 * dapp out until the minute turned. Past that count, networks that stay light
 * are still served, up to twice the count: the flood is stopped, the dapp's
 * users are not. An IPv6 /64 is cheap, so /64s of one /48 share one light
 * allowance. On devnet with the demo worker's heartbeat; the gate's clock is
 * held still (and moved a minute on by hand) so no test straddles a minute.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heartbeatCall, startRelayStack, type RelayStack } from '../helpers/relay.ts';
import { relayerLedger, report, sign, sponsored } from './helpers.ts';

const KEY_PER_MINUTE = 12;
const PER_NETWORK = 6;
const LIGHT = 3;
const SITE = 4;
const T = Math.floor(Date.now() / 1000);
let now = T;
let s: RelayStack;
beforeAll(async () => {
  s = await startRelayStack({
    now: () => now,
    config: {
      clientIpHeader: 'x-forwarded-for',
      nodeWork: { perApiKeyPerMinute: KEY_PER_MINUTE, perClientPerMinute: PER_NETWORK, lightPerMinute: LIGHT, lightPerSitePerMinute: SITE, perSenderPerMinute: 0, refusalsPerApiKeyPerHour: 0, refusalsPerClientPerHour: 0, refusalsPerSenderPerHour: 0 },
    },
  });
}, 300_000);
afterAll(async () => s?.stop());

const build = (net: string) =>
  s.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: s.chain.demo!.worker.address, calls: [heartbeatCall(s)] } }, parameters: sponsored }, { 'x-forwarded-for': net });

describe("a public key's request count under a flood", () => {
  it('stops the flooding networks and keeps serving a light one, up to twice the count', async () => {
    // Builds the worker is allowed: nothing is refused, so only request counts can stop them.
    const flood: string[] = [];
    for (const net of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
      for (let i = 0; i < PER_NETWORK; i++) flood.push((await build(net)).body.error?.data?.reason ?? 'built');
    }
    // Two networks fill the key's 12; the third is served while light (3), then stopped.
    expect(flood).toEqual([...Array(2 * PER_NETWORK + LIGHT).fill('built'), ...Array(PER_NETWORK - LIGHT).fill('rate_limited')]);

    const worker = s.chain.demo!.worker;
    const before = await relayerLedger(s);
    const built = await build('192.0.2.80');
    const td = built.body.result.typed_data;
    const signed = { type: 'invoke', invoke: { user_address: worker.address, typed_data: td, signature: sign(td, worker) } };
    const landed = (await s.rpc('paymaster_executeTransaction', { transaction: signed, parameters: sponsored }, { 'x-forwarded-for': '192.0.2.80' })).body;
    expect(landed.error).toBeUndefined();
    expect((await relayerLedger(s)).txs).toBe(before.txs + 1n);

    // Light networks count on to twice the key's count (24 so far: 15 + 2 + these 7), then everyone waits.
    const light: string[] = [];
    for (let n = 0; n < 8; n++) light.push((await build(`203.0.113.${n}`)).body.error?.data?.reason ?? 'built');
    expect(light).toEqual([...Array(7).fill('built'), 'rate_limited']);
    report('dapp lock-out by a request flood', `3 networks flooding: ${flood.filter((r) => r === 'built').length} builds served, then stopped; a user's network: heartbeat relayed; the key's hard ceiling (${2 * KEY_PER_MINUTE}) reached by light networks stops everyone`);
  }, 180_000);

  it("gives a stranger's IPv6 /64s of one /48 one light allowance between them", async () => {
    now = T + 60;
    for (const net of ['198.51.100.1', '198.51.100.2']) for (let i = 0; i < PER_NETWORK; i++) await build(net);
    // Past the key's 12: each /64 is light, but their /48 has room for SITE a minute in all.
    const site: string[] = [];
    for (let n = 0; n < 2 * SITE; n++) site.push((await build(`2001:db8:bad:${n.toString(16)}::1`)).body.error?.data?.reason ?? 'built');
    expect(site).toEqual([...Array(SITE).fill('built'), ...Array(SITE).fill('rate_limited')]);
    // A user on another /48 is still served.
    expect((await build('2001:db8:600d:1::7')).body.result?.typed_data).toBeDefined();
    report('many /64s of one /48 past the key backstop', `${2 * SITE} /64s of one /48: ${site.filter((r) => r === 'built').length} builds served, the rest rate_limited; a user on another /48: built`);
  }, 180_000);
});

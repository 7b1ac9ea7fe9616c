/**
 * High, found in review: the key's request count is shared by everyone who
 * holds the public key, so a few networks filling it locked every user of the
 * dapp out until the minute turned. Past that count, networks that stay light
 * are still served, up to twice the count: the flood is stopped, the dapp's
 * users are not. On devnet with the demo worker's heartbeat; the gate's clock
 * is held still so the test never straddles a minute.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heartbeatCall, startRelayStack, type RelayStack } from '../helpers/relay.ts';
import { relayerLedger, report, sign, sponsored } from './helpers.ts';

const KEY_PER_MINUTE = 12;
const PER_NETWORK = 6;
const LIGHT = 3;
const T = Math.floor(Date.now() / 1000);
let s: RelayStack;
beforeAll(async () => {
  s = await startRelayStack({
    now: () => T,
    config: {
      clientIpHeader: 'x-forwarded-for',
      nodeWork: { perApiKeyPerMinute: KEY_PER_MINUTE, perClientPerMinute: PER_NETWORK, lightPerMinute: LIGHT, perSenderPerMinute: 0, refusalsPerApiKeyPerHour: 0, refusalsPerClientPerHour: 0, refusalsPerSenderPerHour: 0 },
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
});

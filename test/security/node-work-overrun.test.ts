/**
 * Medium, found this session: a build or execute whose simulation ran the
 * node past the relay's deadline ended `chain_unavailable`, and outages count
 * as refusals for nobody, so a stranger holding the public key could ask the
 * node for simulations too heavy to finish, without end. Now a request that
 * overruns the deadline counts as a refusal against its own network and
 * account (not the key: at an outage's onset every request in flight
 * overruns). Devnet, with a transport that holds the stranger's estimates
 * past rpcTimeoutMs, as a node choking on them would, while answering the
 * rest; the gate's clock is still so the test never straddles an hour.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heartbeatCall, startRelayStack, type RelayStack } from '../helpers/relay.ts';
import { report, sponsored } from './helpers.ts';

const REFUSALS = 3;
const RPC_TIMEOUT_MS = 400;
const T = Math.floor(Date.now() / 1000);
const heavy = { on: false, held: 0 };
let s: RelayStack;
beforeAll(async () => {
  s = await startRelayStack({
    now: () => T,
    config: {
      rpcTimeoutMs: RPC_TIMEOUT_MS,
      clientIpHeader: 'x-forwarded-for',
      nodeWork: { perApiKeyPerMinute: 0, perClientPerMinute: 100, perSenderPerMinute: 0, refusalsPerApiKeyPerHour: 0, refusalsPerClientPerHour: REFUSALS, refusalsPerSenderPerHour: 0 },
    },
    fetch: async (input, init) => {
      const method = (JSON.parse(String(init?.body ?? '{}')) as { method?: string }).method;
      if (heavy.on && method === 'starknet_estimateFee') {
        heavy.held++;
        await new Promise((r) => setTimeout(r, RPC_TIMEOUT_MS * 3));
      }
      return fetch(input, init);
    },
  });
}, 300_000);
afterAll(async () => s?.stop());

const build = (net: string) =>
  s.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: s.chain.demo!.worker.address, calls: [heartbeatCall(s)] } }, parameters: sponsored }, { 'x-forwarded-for': net });

describe('simulations too heavy for the node', () => {
  it(`stop a network after ${REFUSALS} overruns; another network is still served`, async () => {
    heavy.on = true;
    const reasons: string[] = [];
    for (let i = 0; i < REFUSALS + 3; i++) reasons.push((await build('198.51.100.66')).body.error?.data?.reason ?? 'built');
    heavy.on = false;
    expect(reasons).toEqual([...Array(REFUSALS).fill('chain_unavailable'), ...Array(3).fill('rate_limited')]);
    expect(heavy.held).toBe(REFUSALS);
    // The node is answering: the stranger stays stopped, a user elsewhere is built for.
    expect((await build('198.51.100.66')).body.error?.data?.reason).toBe('rate_limited');
    expect((await build('192.0.2.31')).body.result?.typed_data).toBeDefined();
    report('simulations overrunning the node deadline', `${REFUSALS} overruns from one network, then rate_limited (${reasons.length - REFUSALS} refused before the node); a user on another network built`);
  }, 120_000);
});

/**
 * Medium: node work was never rate-limited. A failed execute (bad signature,
 * a revert) costs a node simulation and pays nobody, so a public key could
 * keep the node busy for free. Now every request counts before its first
 * node call, and refusals after node work count against a small allowance:
 * the attacker is stopped, and the node sees a bounded number of simulations.
 *
 * High, found in review: those allowances were per key and per named
 * account, so anyone holding a dapp's public key could use them up and lock
 * every user of the dapp out for an hour, or lock one victim's address out by
 * naming it. Now they count per client network (x-forwarded-for here), and
 * the key's own count only stops networks that were refused this hour.
 *
 * Low, found in review: a tracking poll asked the chain about its record
 * each time (a status, a receipt), unmetered, so anyone holding a pending
 * tracking id could send polls as fast as they liked. Now one poll a second
 * per record asks; the rest answer the record as it stands.
 */
import { hash } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heartbeatCall, startRelayStack, type RelayStack } from '../helpers/relay.ts';
import { saveTracking } from '../../relay/execution/trackingRecord.ts';
import { relayerLedger, report, sign, sponsored } from './helpers.ts';

const REFUSALS = 3;
const KEY_BACKSTOP = 8;
const simulations = { n: 0 };
const classReads = { n: 0 };
const statusReads = { n: 0 };
let s: RelayStack;
beforeAll(async () => {
  s = await startRelayStack({
    config: {
      clientIpHeader: 'x-forwarded-for',
      nodeWork: { perApiKeyPerMinute: 0, perClientPerMinute: 100, lightPerMinute: 10, perSenderPerMinute: 0, refusalsPerApiKeyPerHour: KEY_BACKSTOP, refusalsPerClientPerHour: REFUSALS, refusalsPerSenderPerHour: REFUSALS },
    },
    // Counts what reaches the node, without changing it.
    fetch: async (input, init) => {
      // Execute's simulation estimates a relayer's (or the simulation account's) transaction; build estimates the user's own calls.
      const rpc = JSON.parse(String(init?.body ?? '{}')) as { method?: string; params?: { request?: { sender_address?: string }[] } };
      const relayers = s ? [...s.chain.relayers, s.chain.simulator].map((r) => BigInt(r.address)) : [];
      const relayed = () => (rpc.params?.request ?? []).some((tx) => relayers.includes(BigInt(tx.sender_address ?? 0)));
      if (rpc.method === 'starknet_simulateTransactions' || (rpc.method === 'starknet_estimateFee' && relayed())) simulations.n++;
      if (rpc.method === 'starknet_getClass') classReads.n++;
      if (rpc.method === 'starknet_getTransactionStatus') statusReads.n++;
      return fetch(input, init);
    },
  });
}, 300_000);
afterAll(async () => s?.stop());

describe('node work bought with a public key', () => {
  it(`stops an account sending bad signatures after ${REFUSALS} refusals, before the node`, async () => {
    // A registered worker's own account: everything about the request is fine but the signature.
    const attacker = s.chain.demo!.worker;
    const heartbeat = { to: s.chain.manifest.contracts.cdc_pool.address, selector: hash.getSelectorFromName('heartbeat'), calldata: [] };
    const before = await relayerLedger(s);
    const reasons: string[] = [];
    for (let i = 0; i < REFUSALS + 5; i++) {
      const built = await s.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: attacker.address, calls: [heartbeat] } }, parameters: sponsored });
      if (built.body.error) {
        reasons.push(built.body.error.data.reason);
        continue;
      }
      const bad = { type: 'invoke', invoke: { user_address: attacker.address, typed_data: built.body.result.typed_data, signature: ['0x1', '0x2'] } };
      reasons.push((await s.rpc('paymaster_executeTransaction', { transaction: bad, parameters: sponsored })).body.error.data.reason);
    }
    const after = await relayerLedger(s);
    report('bad-signature loop', `${reasons.filter((r) => r === 'invalid_signature').length} simulations refused, then ${reasons.filter((r) => r !== 'invalid_signature').length} requests stopped before the node; ${simulations.n} simulations in all, relayers spent ${before.strk - after.strk} fri`);
    expect(reasons.slice(0, REFUSALS)).toEqual(Array(REFUSALS).fill('invalid_signature'));
    // Builds are node work too: once over the allowance, they stop as well.
    expect(reasons.slice(REFUSALS)).toEqual(Array(5).fill('rate_limited'));
    expect(simulations.n).toBe(REFUSALS);
    expect(after.txs).toBe(before.txs);
    expect(after.strk).toBe(before.strk);
  }, 180_000);

  it('refuses a contract of a class the relay does not accept before asking the node for that class', async () => {
    // Any contract can stand in for an account; each new class would cost the node a whole-class read.
    const token = s.chain.manifest.contracts.ciro_token.address;
    classReads.n = 0;
    const built = await s.rpc('paymaster_buildTransaction', {
      transaction: { type: 'invoke', invoke: { user_address: token, calls: [{ to: token, selector: hash.getSelectorFromName('approve'), calldata: [token, '0x1', '0x0'] }] } },
      parameters: sponsored,
    }, { 'x-forwarded-for': '192.0.2.9' });
    expect(built.body.error?.data?.reason).toBe('account_class_not_supported');
    expect(classReads.n).toBe(0);
  });

  // One bad-signature attempt on the worker's address from a network: the build, then the execute.
  const attempt = async (net: string): Promise<string> => {
    const from = { 'x-forwarded-for': net };
    const worker = s.chain.demo!.worker;
    const built = await s.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: worker.address, calls: [heartbeatCall(s)] } }, parameters: sponsored }, from);
    if (built.body.error) return built.body.error.data.reason;
    const bad = { type: 'invoke', invoke: { user_address: worker.address, typed_data: built.body.result.typed_data, signature: ['0x1', '0x2'] } };
    return (await s.rpc('paymaster_executeTransaction', { transaction: bad, parameters: sponsored }, from)).body.error.data.reason;
  };
  // The worker's own heartbeat, signed with its key, from its own network: lands, or says why not.
  const victimHeartbeat = async (net: string) => {
    const worker = s.chain.demo!.worker;
    const from = { 'x-forwarded-for': net };
    const built = await s.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: worker.address, calls: [heartbeatCall(s)] } }, parameters: sponsored }, from);
    if (built.body.error) return built.body;
    const td = built.body.result.typed_data;
    const signed = { type: 'invoke', invoke: { user_address: worker.address, typed_data: td, signature: sign(td, worker) } };
    return (await s.rpc('paymaster_executeTransaction', { transaction: signed, parameters: sponsored }, from)).body;
  };

  it("does not let a stranger naming the victim's address lock the victim out", async () => {
    const reasons: string[] = [];
    for (let i = 0; i < REFUSALS + 2; i++) reasons.push(await attempt('203.0.113.1'));
    expect(reasons).toEqual([...Array(REFUSALS).fill('invalid_signature'), 'rate_limited', 'rate_limited']);
    // What the client writes into x-forwarded-for itself stays left of what the proxy appended: no new network.
    expect(await attempt('10.9.8.7, 2001:db8:ffff::1, 203.0.113.1')).toBe('rate_limited');
    const before = await relayerLedger(s);
    const landed = await victimHeartbeat('203.0.113.50');
    report('victim lock-out by address', `the stranger stopped after ${REFUSALS} refusals; the victim's own heartbeat from its network: ${landed.result ? 'relayed' : landed.error.data.reason}`);
    expect(landed.error).toBeUndefined();
    expect(landed.result.tracking_id).toBeTruthy();
    expect((await relayerLedger(s)).txs).toBe(before.txs + 1n);
  }, 180_000);

  it("does not let strangers on many networks lock a dapp's users out: past the key's backstop each new network buys one refusal", async () => {
    simulations.n = 0;
    const perNet: number[] = [];
    for (let n = 0; n < 4; n++) {
      let refused = 0;
      for (let i = 0; i < REFUSALS + 1; i++) {
        const reason = await attempt(`198.51.100.${n + 1}`);
        if (reason === 'rate_limited') break;
        expect(reason).toBe('invalid_signature');
        refused++;
      }
      perNet.push(refused);
    }
    const landed = await victimHeartbeat('192.0.2.80');
    report('dapp lock-out from many networks', `refusals per attacking network ${perNet.join(', ')} (key backstop ${KEY_BACKSTOP}), ${simulations.n} simulations; a user in good standing: ${landed.result ? 'relayed' : landed.error.data.reason}`);
    expect(perNet.every((r) => r >= 1 && r <= REFUSALS)).toBe(true);
    // The key's backstop is passed by the second network at the latest (the tests before refused up to 7 times): from then on, one refusal each.
    expect(perNet.slice(2)).toEqual([1, 1]);
    // Each refusal was one simulation, and the victim's heartbeat one more.
    expect(simulations.n).toBe(perNet.reduce((a, b) => a + b, 0) + 1);
    expect(landed.error).toBeUndefined();
  }, 300_000);

  it('lets tracking polls ask the chain about a record at most once a second, however many come and from where', async () => {
    // A transaction the node has not seen yet (it is still looked for): every look at it is a status read.
    await saveTracking(s.relay.deps, {
      id: '0x7ac4', txHash: '0xfeedbeef', status: 'active', account: s.chain.demo!.worker.address, tenant: 'test',
      relayer: s.chain.relayers[0]!.address, feeMode: 'sponsored', reservation: { lines: [] }, createdAt: Date.now(),
    });
    const poll = (net: number) => s.rpc('paymaster_trackingIdToLatestHash', { tracking_id: '0x7ac4' }, { 'x-forwarded-for': `203.0.113.${net}` });
    const before = statusReads.n;
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => poll(i)));
    expect(answers.every((a) => a.body.result?.status === 'active')).toBe(true);
    const burst = statusReads.n - before;
    await new Promise((r) => setTimeout(r, 1_100));
    await poll(1);
    report('tracking polls', `60 polls from 60 networks at once: ${burst} status read(s) (was one each); one more a second later: ${statusReads.n - before - burst}`);
    // One per second per record; the sweeper's own pass may add one.
    expect(burst).toBeLessThanOrEqual(2);
    expect(statusReads.n - before - burst).toBeGreaterThanOrEqual(1);
  }, 60_000);
});

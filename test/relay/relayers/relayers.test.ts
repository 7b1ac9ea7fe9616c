/**
 * The relayer pool on a real chain: one transaction per signed payload even
 * under concurrent submits, recovery from a stale cached nonce, the cached
 * balance lowered by each send's maximum fee, and the STRK balance floor
 * taking a relayer out of rotation until it is refunded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ec, hash, stark, typedData } from 'starknet';
import { balanceOf, startRelayStack, STRK, type RelayStack } from '../../helpers/relay.ts';
import { executeAndWait } from '../../../scripts/local/accounts.ts';
import { call, u256 } from '../../../scripts/local/seed.ts';
import { housekeeping } from '../../../relay/execution/housekeeping.ts';
import { saveTracking } from '../../../relay/execution/trackingRecord.ts';
import { Keys } from '../../../relay/store/keys.ts';

let s: RelayStack;
const FLOOR = 10n ** 20n; // 100 STRK
/** While on, the node fails every relayer balance read (STRK balance_of). */
const balancesDown = { on: false };
const BALANCE_OF = hash.getSelectorFromName('balance_of');
beforeAll(async () => {
  s = await startRelayStack({
    fetch: async (input, init) => {
      const body = String(init?.body ?? '');
      if (balancesDown.on && body.includes('starknet_call') && BigInt(JSON.parse(body).params?.request?.entry_point_selector ?? 0) === BigInt(BALANCE_OF)) {
        throw new TypeError('fetch failed');
      }
      return fetch(input, init);
    },
    config: { relayerMinBalance: FLOOR.toString(), relayerBalanceTtlMs: 200 },
    tenants: { intruder: ['worker-rewards', 'job-submission'], capped: { policies: ['worker-rewards'], maxDailyFee: '1' } },
  });
});
afterAll(async () => s?.stop());

const worker = () => s.chain.demo!.worker;
const sponsored = { version: '0x1', fee_mode: { mode: 'sponsored' } };
const nonceOf = async (a: string) => BigInt(await s.chain.provider.getNonceForAddress(a));
const relayerNonces = async () => {
  let n = 0n;
  for (const r of s.chain.relayers) n += await nonceOf(r.address);
  return n;
};

const heartbeatCall = () => ({ to: s.chain.manifest.contracts.cdc_pool.address, selector: hash.getSelectorFromName('heartbeat'), calldata: [] });

async function signedHeartbeat() {
  const calls = [heartbeatCall()];
  const built = await s.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: worker().address, calls } }, parameters: sponsored });
  if (!built.body.result) throw new Error(`build refused: ${JSON.stringify(built.body.error)}`);
  const td = built.body.result.typed_data;
  const signature = stark.formatSignature(ec.starkCurve.sign(typedData.getMessageHash(td, worker().address), worker().privateKey));
  return { type: 'invoke', invoke: { user_address: worker().address, typed_data: td, signature } };
}

const execute = (transaction: unknown) => s.rpc('paymaster_executeTransaction', { transaction, parameters: sponsored });

describe('relayer pool', () => {
  it('two concurrent executes of one signed payload put one transaction on chain', async () => {
    const tx = await signedHeartbeat();
    const before = await relayerNonces();
    const [a, b] = await Promise.all([execute(tx), execute(tx)]);
    expect(a.body.result).toBeDefined();
    expect(b.body.result).toEqual(a.body.result);
    await s.chain.provider.waitForTransaction(a.body.result.transaction_hash);
    expect(await relayerNonces()).toBe(before + 1n);
    // And later, once it has landed, the same answer again without a second transaction.
    expect((await execute(tx)).body.result).toEqual(a.body.result);
    expect(await relayerNonces()).toBe(before + 1n);
  });

  it('one transaction per (account, SNIP-9 nonce), however the typed data spells it', async () => {
    const tx: any = await signedHeartbeat();
    const decimal = structuredClone(tx);
    for (const call of decimal.invoke.typed_data.message.Calls) call.Selector = BigInt(call.Selector).toString(10);
    const before = await relayerNonces();
    const [a, b] = await Promise.all([execute(tx), execute(decimal)]);
    expect(a.body.result).toBeDefined();
    expect(b.body.result ?? b.body.error).toEqual(a.body.result);
    await s.chain.provider.waitForTransaction(a.body.result.transaction_hash);
    expect(await relayerNonces()).toBe(before + 1n);
  });

  it("another tenant replaying a tenant's signed execution is refused without learning its ids", async () => {
    const tx = await signedHeartbeat();
    const mine = await execute(tx);
    expect(mine.body.result).toBeDefined();
    const theirs = await s.rpc('paymaster_executeTransaction', { transaction: tx, parameters: sponsored }, { 'x-paymaster-api-key': s.keys.intruder! });
    expect(theirs.body.error).toMatchObject({ code: 156, data: { reason: 'execution_already_submitted' } });
    expect(JSON.stringify(theirs.body)).not.toContain(mine.body.result.tracking_id);
  });

  it("the operator's per-tenant daily ceiling holds whatever the tenant's policies allow", async () => {
    const refused = await s.rpc('paymaster_executeTransaction', { transaction: await signedHeartbeat(), parameters: sponsored }, { 'x-paymaster-api-key': s.keys.capped! });
    expect(refused.body.error).toMatchObject({ code: -32002, data: { reason: 'tenant_budget_exhausted' } });
  });

  it('stops relaying for a sender whose relayed transactions keep reverting', async () => {
    const signed = await signedHeartbeat();
    await s.relay.deps.store.incr(Keys.reverts(worker().address), 3, { ttlMs: 60_000 });
    try {
      // Refused at execute, before any simulation, and already at build.
      expect((await execute(signed)).body.error).toMatchObject({ code: -32002, data: { reason: 'too_many_reverts' } });
      const built = await s.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: worker().address, calls: [heartbeatCall()] } }, parameters: sponsored });
      expect(built.body.error).toMatchObject({ code: -32002, data: { reason: 'too_many_reverts' } });
    } finally {
      await s.relay.deps.store.delete(Keys.reverts(worker().address));
    }
  });

  it('recovers from a stale cached nonce by re-reading it and retrying once', async () => {
    for (const r of s.chain.relayers) await s.relay.deps.store.set(Keys.relayer.nonce(r.address), '0');
    const res = await execute(await signedHeartbeat());
    expect(res.body.error).toBeUndefined();
    expect((await s.chain.provider.waitForTransaction(res.body.result.transaction_hash)).isSuccess()).toBe(true);
  });

  it('lowers a relayer\'s cached balance by the fee it may have paid, never above the chain\'s, instead of re-reading it', async () => {
    const store = s.relay.deps.store;
    // A long expiry for this test only, so nothing but commit() can change the cached figures.
    const cachedBalance = async (a: string) => (await store.get(Keys.relayer.balance(a)))?.split('@').map(BigInt);
    const until = Date.now() + 60_000;
    for (const r of s.chain.relayers) await store.set(Keys.relayer.balance(r.address), `${await balanceOf(s.chain.provider, STRK, r.address)}@${until}`, { ttlMs: 60_000 });
    const before = new Map(await Promise.all(s.chain.relayers.map(async (r) => [r.address, (await cachedBalance(r.address))![0]!] as const)));
    const res = await execute(await signedHeartbeat());
    expect(res.body.error).toBeUndefined();
    await s.chain.provider.waitForTransaction(res.body.result.transaction_hash);
    const tx = (await s.chain.provider.getTransactionByHash(res.body.result.transaction_hash)) as { sender_address: string };
    const sender = s.chain.relayers.find((r) => BigInt(r.address) === BigInt(tx.sender_address))!;
    const [cached, kept] = (await cachedBalance(sender.address))!;
    expect(cached).toBeLessThan(before.get(sender.address)!);
    expect(cached).toBeLessThanOrEqual(await balanceOf(s.chain.provider, STRK, sender.address));
    // Lowered, not renewed: the chain is read again when the figure read from it expires, however busy the relayer.
    expect(kept).toBe(BigInt(until));
    for (const r of s.chain.relayers) await store.delete(Keys.relayer.balance(r.address));
  });

  it('takes a relayer below the STRK floor out of rotation, and back when refunded', async () => {
    const [r0, r1] = s.chain.relayers;
    const drain = async (from: typeof r0, keep: bigint) => {
      const bal = await balanceOf(s.chain.provider, STRK, from!.address);
      await executeAndWait(from!.account, call(STRK, 'transfer', [s.chain.deployer.address, ...u256(bal - keep)]));
    };
    await drain(r0, FLOOR / 2n);
    await new Promise((r) => setTimeout(r, 300));
    const status = await s.relay.deps.relayers.status();
    expect(status.find((x) => x.address === r0!.address)?.inRotation).toBe(false);
    expect(status.find((x) => x.address === r1!.address)?.inRotation).toBe(true);
    // The housekeeping pass (timer or cron) reports it without waiting for a request.
    const logged: [string, Record<string, unknown>][] = [];
    const h = await housekeeping({ ...s.relay.deps, log: (event, data) => void logged.push([event, data]) });
    expect(h.outOfRotation).toEqual([r0!.address]);
    const report = logged.find(([event]) => event === 'relayers.out_of_rotation')?.[1] as { relayers: { address: string; balance: string }[]; inRotation: number };
    expect(report).toMatchObject({ relayers: [{ address: r0!.address }], inRotation: 1 });
    expect(BigInt(report.relayers[0]!.balance)).toBeLessThan(FLOOR);

    const n0 = await nonceOf(r0!.address);
    for (let i = 0; i < 3; i++) {
      const res = await execute(await signedHeartbeat());
      expect(res.body.error).toBeUndefined();
      await s.chain.provider.waitForTransaction(res.body.result.transaction_hash);
    }
    expect(await nonceOf(r0!.address)).toBe(n0);

    // With every relayer under the floor the relay refuses instead of trying.
    await drain(r1, FLOOR / 2n);
    await new Promise((r) => setTimeout(r, 300));
    const refused = await execute(await signedHeartbeat());
    expect(refused.status).toBe(200);
    expect(refused.body.error).toMatchObject({ code: -32003, data: { reason: 'relayers_unfunded' } });
    expect((await s.relay.app.request('/health')).status).toBe(503);

    await executeAndWait(s.chain.deployer.account, call(STRK, 'transfer', [r0!.address, ...u256(FLOOR * 2n)]));
    await new Promise((r) => setTimeout(r, 300));
    const back = await execute(await signedHeartbeat());
    expect(back.body.error).toBeUndefined();
    expect((await s.relay.deps.relayers.status()).find((x) => x.address === r0!.address)?.inRotation).toBe(true);
  });

  it("answers a node that can't tell the relayers' balances as unavailable, not as relayers to refund", async () => {
    const signed = await signedHeartbeat();
    await new Promise((r) => setTimeout(r, 300)); // the cached balances expire
    balancesDown.on = true;
    const res = await execute(signed).finally(() => (balancesDown.on = false));
    expect(res.body.error).toMatchObject({ code: -32003, data: { reason: 'chain_unavailable' } });
    const back = await execute(await signedHeartbeat());
    expect(back.body.error).toBeUndefined();
    await s.chain.provider.waitForTransaction(back.body.result.transaction_hash);
  });

  it('a tracked transaction the node never saw becomes dropped and gives its reservation back', async () => {
    const store = s.relay.deps.store;
    const reserved = await store.reserve([{ key: Keys.sponsor('test', 'dropped-probe'), amount: 700n, limit: 1000n }]);
    expect(reserved.ok).toBe(true);
    await saveTracking(s.relay.deps, {
      id: '0xd0d0',
      txHash: '0xdeadbeef',
      status: 'active',
      account: worker().address,
      tenant: 'test',
      relayer: s.chain.relayers[0]!.address,
      feeMode: 'sponsored',
      reservation: { lines: [{ key: Keys.sponsor('test', 'dropped-probe'), amount: '700' }] },
      createdAt: Date.now() - 10 * 60_000,
    });
    const res = await s.rpc('paymaster_trackingIdToLatestHash', { tracking_id: '0xd0d0' });
    expect(res.body.result).toEqual({ transaction_hash: '0xdeadbeef', status: 'dropped' });
    expect(await store.amount(Keys.sponsor('test', 'dropped-probe'))).toBe(0n);
    // Settled once: asking again changes nothing.
    expect((await s.rpc('paymaster_trackingIdToLatestHash', ['0xd0d0'])).body.result.status).toBe('dropped');
  });
});

describe('the simulation account in /health', () => {
  it('is reported when configured: ready when the Paymaster has it as a relayer, 503 when not', async () => {
    // Readiness is kept 2 s per instance; the tests above drained and refunded relayers.
    await new Promise((r) => setTimeout(r, 2_100));
    expect(await (await s.relay.app.request('/health')).json()).toMatchObject({ store: true, chain: true, simulator: true });
    // An account the Paymaster does not know as a relayer: every simulation would be refused.
    const wrong = await startRelayStack({ existingChain: s.chain, config: { simulator: s.chain.spare[0]!.address } });
    try {
      const res = await wrong.relay.app.request('/health');
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ ok: false, store: true, chain: true, simulator: false });
    } finally {
      await wrong.stop();
    }
  });
});

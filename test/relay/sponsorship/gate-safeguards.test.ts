/**
 * The operator's safeguards as the gate spends them, on the memory store, a
 * real redis-server and a 3-node Redis Cluster: one default-mode payment in
 * flight per account, the ceiling charged only for what a payment does not
 * cover, and the revert pause counted through every tenant together.
 */
import { describe, expect, it } from 'vitest';
import { dayOf, Keys } from '../../../relay/store/keys.ts';
import { useClusterBackend } from '../../helpers/redisCluster.ts';
import { ALICE, BOB, makeGate, policy, refused, request, T0, useStoreBackends } from './helpers.ts';

describe.each([...useStoreBackends(), ...useClusterBackend()])('Gate safeguards on $name', ({ fresh }) => {
  it('holds one default-mode payment per sender in flight, and charges the ceiling only when it reverts or costs more than the payment', async () => {
    const store = await fresh();
    const k = makeGate(store, [policy()], { dailyFeeCeiling: 1_000n });
    // The user's payment is worth 350 fri; the worst case is 400.
    const exec = (sender = ALICE) => k.check(request({ tenant: k.tenant, sender, feeMode: 'default', maxFee: 400n, paidFri: 350n }));
    const ceiling = () => store.amount(Keys.ceiling('acme', dayOf(T0)));
    const reverts = () => store.get(Keys.reverts(ALICE));

    const first = await exec();
    // The same sender again, at build or execute, waits; another sender does not.
    await refused(exec(), 'payment_in_flight');
    await refused(k.check(request({ tenant: k.tenant, feeMode: 'default', phase: 'build' })), 'payment_in_flight');
    const bob = await exec(BOB);
    // Both worst cases sit on the operator's ceiling until the chain answers; a third would overflow it.
    expect(await ceiling()).toBe(800n);
    expect(await reverts()).toBe('1');

    await k.gate.settle(first, 300n, false);
    expect(await ceiling()).toBe(400n);
    expect(await reverts()).toBe('0');
    const second = await exec();
    await k.gate.settle(second, 300n, true);
    // Reverted: the payment was undone, the relayer paid, and the sender is one revert closer to a pause.
    expect(await ceiling()).toBe(700n);
    expect(await reverts()).toBe('1');
    await k.gate.release(bob);
    expect(await ceiling()).toBe(300n);
    // Landed, but at a fee past what the payment covers (the gas price rose): the excess is the relayer's and counts.
    await k.gate.settle(await exec(BOB), 380n, false);
    expect(await ceiling()).toBe(330n);
  });

  it('pauses a sender after 3 reverts through all tenants together: another tenant\'s key does not start it again at 0', async () => {
    const store = await fresh();
    const k = makeGate(store, [policy()]);
    const other = { ...k.tenant, id: 'globex' };
    const exec = (tenant: typeof other, sender = ALICE) => k.check(request({ tenant, sender, maxFee: 100n }));
    await k.gate.settle(await exec(k.tenant), 50n, true);
    await k.gate.settle(await exec(other), 50n, true);
    await k.gate.settle(await exec(k.tenant), 50n, true);
    // Two through acme, one through globex: three in all, so both refuse it, at build too.
    await refused(exec(other), 'too_many_reverts');
    await refused(k.check(request({ tenant: k.tenant, phase: 'build' })), 'too_many_reverts');
    await expect(exec(other, BOB)).resolves.toMatchObject({ policy: 'jobs' });
  });

  it("charges a dropped payment that lands reverted after all, across the tenant's unit and the account's", async () => {
    const store = await fresh();
    const k = makeGate(store, [policy()], { dailyFeeCeiling: 1_000n });
    const ceiling = () => store.amount(Keys.ceiling('acme', dayOf(T0)));
    const res = await k.check(request({ tenant: k.tenant, feeMode: 'default', maxFee: 400n, paidFri: 350n }));
    // Dropped: everything but its holds given back (execution/settle.ts), then it lands reverted.
    await k.gate.release({ ...res, lines: res.lines.filter((l) => l.kind !== 'hold') });
    expect([await ceiling(), await store.get(Keys.reverts(ALICE))]).toEqual([0n, '0']);
    // The ceiling is the tenant's unit, the revert the account's: one store call each (a cluster refuses one across slots).
    await k.gate.recharge(res, 300n, true);
    expect([await ceiling(), await store.get(Keys.reverts(ALICE))]).toEqual([300n, '1']);
  });

  it('counts against the sender a dropped sponsored transaction that lands reverted after all, as settling it would', async () => {
    const store = await fresh();
    const k = makeGate(store, [policy()]);
    const res = await k.check(request({ tenant: k.tenant, maxFee: 400n }));
    await k.gate.release(res);
    await k.gate.recharge(res, 300n, true);
    expect(await store.get(Keys.reverts(ALICE))).toBe('1');
  });

  it("counts a revert settled from a reservation made before the count moved to the account's unit", async () => {
    const store = await fresh();
    const k = makeGate(store, [policy()]);
    // Its revert line is on the tenant's old count: the account's count takes the revert at settlement.
    await k.gate.settle({ tenant: 'acme', sender: ALICE, lines: [{ key: `reverts:{acme}:${ALICE}`, amount: '1', kind: 'revert' }] }, 10n, true);
    expect(await store.get(Keys.reverts(ALICE))).toBe('1');
    // One reserved on the account's count was counted at submission: not again.
    await k.gate.settle({ tenant: 'acme', sender: BOB, lines: [{ key: Keys.reverts(BOB), amount: '1', kind: 'revert' }] }, 10n, true);
    expect(await store.get(Keys.reverts(BOB))).toBeNull();
  });
});

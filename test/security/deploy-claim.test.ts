/**
 * A deployment's idempotency claim is its address, kept a week. A
 * deploy_and_invoke that reverted (undoing the deployment too) kept it: every
 * new build and signature for that address was answered with the old
 * tracking id and nothing sent, so a gasless user could not get the account
 * deployed through the relay for a week (another tenant got
 * `execution_already_submitted`). Settlement now gives the claim back when
 * the deployment reverts, or was dropped and never landed (here a send lost
 * on its way to the node, and the late watch's end brought forward).
 *
 * The revert is forced by moving devnet's clock past the signed window while
 * the transaction is on its way to the node (12-01 spending review).
 *
 * The claim names the request that holds it: another signed deploy_and_invoke
 * for the same address while the first is in flight was answered with the
 * first's tracking id and hash, its own calls never sent (12-01 wire review).
 */
import { ec, hash, stark } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOCK_FRESH_MS } from '../../relay/chain/clock.ts';
import { sweep } from '../../relay/execution/tracking.ts';
import { readTracking, saveTracking } from '../../relay/execution/trackingRecord.ts';
import { Keys, TTL } from '../../relay/store/keys.ts';
import { executeAndWait } from '../../scripts/local/accounts.ts';
import { devnetCall } from '../../scripts/local/devnet.ts';
import { CIRO, call, u256 } from '../../scripts/local/seed.ts';
import { startRelayStack, type RelayStack } from '../helpers/relay.ts';
import { report, sign, sponsored } from './helpers.ts';

const late: { once: boolean; lose: boolean; hold?: Promise<void> } = { once: false, lose: false };
let s: RelayStack;
beforeAll(async () => {
  s = await startRelayStack({
    sweepMs: 3_600_000,
    config: { trackingDropAfterMs: 1_000 },
    fetch: async (input, init) => {
      if (late.hold && String(init?.body ?? '').includes('starknet_addInvokeTransaction')) {
        const held = late.hold;
        late.hold = undefined;
        await held; // the first send waits on its way to the node: its deployment is in flight
      }
      if (late.lose && String(init?.body ?? '').includes('starknet_addInvokeTransaction')) {
        late.lose = false;
        throw new TypeError('fetch failed: connection reset'); // never reached the node
      }
      if (late.once && String(init?.body ?? '').includes('starknet_addInvokeTransaction')) {
        late.once = false;
        await devnetCall(s.chain.devnet.url, 'devnet_increaseTime', { time: 4_000 });
      }
      return fetch(input, init);
    },
  });
}, 300_000);
afterAll(async () => s?.stop());

/** What a new account's first transaction does here: approve JobMgr and submit a job (50 CIRO funded beforehand). */
function jobCalls() {
  const c = s.chain.manifest.contracts;
  return [
    { to: c.ciro_token.address, selector: hash.getSelectorFromName('approve'), calldata: [c.job_mgr.address, ...u256(10n * CIRO).map((x) => '0x' + BigInt(x).toString(16))] },
    { to: c.job_mgr.address, selector: hash.getSelectorFromName('submit_job'), calldata: ['0x1', '0x99', '0x0'] },
  ];
}

/** An undeployed account's keys and deployment data, its address funded with 50 CIRO. */
async function fundedNewAccount() {
  const c = s.chain.manifest.contracts;
  const privateKey = stark.randomAddress();
  const publicKey = ec.starkCurve.getStarkKey(privateKey);
  const class_hash = s.chain.manifest.accountClassHashes[0]!;
  const address = hash.calculateContractAddressFromHash(publicKey, class_hash, [publicKey], 0);
  await executeAndWait(s.chain.deployer.account, call(c.ciro_token.address, 'transfer', [address, ...u256(50n * CIRO)]));
  return { privateKey, address, deployment: { address, class_hash, salt: publicKey, calldata: [publicKey], version: 1 } };
}

/** A deploy_and_invoke of jobCalls() for `who`, built (a new SNIP-9 nonce each time) and signed: executeTransaction's params. */
async function signedDeployAndInvoke(who: Awaited<ReturnType<typeof fundedNewAccount>>) {
  const { address, deployment } = who;
  const b = await s.rpc('paymaster_buildTransaction', { transaction: { type: 'deploy_and_invoke', deployment, invoke: { user_address: address, calls: jobCalls() } }, parameters: sponsored });
  expect(b.body.error).toBeUndefined();
  const td = b.body.result.typed_data;
  return { transaction: { type: 'deploy_and_invoke', deployment, invoke: { user_address: address, typed_data: td, signature: sign(td, who) } }, parameters: sponsored };
}

describe("a deployment's claim", () => {
  it("refuses another signed deploy_and_invoke for the address while one is in flight, and answers the same one with the first's ids", async () => {
    const who = await fundedNewAccount();
    const signed = () => signedDeployAndInvoke(who);
    const [one, two] = [await signed(), await signed()];
    expect(two.transaction.invoke.typed_data.message.Nonce).not.toBe(one.transaction.invoke.typed_data.message.Nonce);
    let release!: () => void;
    late.hold = new Promise<void>((r) => (release = r));
    const first = s.rpc('paymaster_executeTransaction', one);
    while (late.hold) await new Promise((r) => setTimeout(r, 20)); // the first is at the node's door
    const again = s.rpc('paymaster_executeTransaction', one);
    const second = s.rpc('paymaster_executeTransaction', two);
    await new Promise((r) => setTimeout(r, 500)); // both at the claim, waiting for the first's hash
    release();
    const [a, b, other] = [await first, await again, await second];
    // Before: the first's tracking id and hash, as if its own calls had run.
    expect([other.body.error?.code, other.body.error?.data?.reason]).toEqual([158, 'deployment_in_progress']);
    expect(a.body.error).toBeUndefined();
    expect(b.body.result).toEqual(a.body.result);
    expect((await s.chain.provider.waitForTransaction(a.body.result.transaction_hash)).isSuccess()).toBe(true);
    report('deploy claim held by another request', `a second signed deploy_and_invoke: ${other.body.error?.data?.reason ?? 'the first\'s ids'}; the same one again: the first's tracking id`);
  }, 180_000);

  it('is given back at settlement: a new signed deploy_and_invoke for the address is sent and deploys it', async () => {
    const who = await fundedNewAccount();
    const { address } = who;
    const attempt = async () => s.rpc('paymaster_executeTransaction', await signedDeployAndInvoke(who));
    const deployed = () => s.chain.provider.getClassHashAt(address).then(() => true, () => false);

    late.once = true;
    const first = await attempt();
    expect(first.body.error).toBeUndefined();
    expect((await s.chain.provider.waitForTransaction(first.body.result.transaction_hash)).isReverted()).toBe(true);
    await sweep(s.relay.deps);
    expect(await deployed()).toBe(false);
    expect(await s.relay.deps.store.get(Keys.deployment(address))).toBeNull();

    // The relay's clock keeps the latest block's time up to a second: past it, it has seen the jump.
    await new Promise((r) => setTimeout(r, CLOCK_FRESH_MS + 50));
    const second = await attempt();
    // Before: the first's tracking id and hash again, nothing sent, the account still undeployed.
    expect(second.body.error).toBeUndefined();
    expect(second.body.result.tracking_id).not.toBe(first.body.result.tracking_id);
    expect((await s.chain.provider.waitForTransaction(second.body.result.transaction_hash)).isSuccess()).toBe(true);
    expect(await deployed()).toBe(true);
    report('deploy claim after a revert', `the second request was sent (${second.body.result.tracking_id !== first.body.result.tracking_id ? 'a new tracking id' : 'the old tracking id'}); deployed: ${await deployed()}`);
  }, 180_000);

  it('is given back when a dropped deployment never landed (the late watch ended): the next request deploys it', async () => {
    const pk = ec.starkCurve.getStarkKey(stark.randomAddress());
    const class_hash = s.chain.manifest.accountClassHashes[0]!;
    const address = hash.calculateContractAddressFromHash(pk, class_hash, [pk], 0);
    const deploy = () => s.rpc('paymaster_executeTransaction', { transaction: { type: 'deploy', deployment: { address, class_hash, salt: pk, calldata: [pk], version: 1 } }, parameters: sponsored });
    late.lose = true;
    const first = await deploy();
    expect(first.body.error).toBeUndefined();
    await new Promise((r) => setTimeout(r, 1_200)); // past trackingDropAfterMs: the node never heard of it
    await sweep(s.relay.deps);
    const rec = (await readTracking(s.relay.deps, first.body.result.tracking_id))!;
    expect(rec.status).toBe('dropped');
    // Still watched for a late landing: the claim stands meanwhile.
    expect(await s.relay.deps.store.get(Keys.deployment(address))).not.toBeNull();
    await saveTracking(s.relay.deps, { ...rec, droppedAt: Date.now() - TTL.lateWatch - 1_000 });
    await s.relay.deps.store.removeFromSet(Keys.trackingActive, rec.id);
    await sweep(s.relay.deps);
    expect(await s.relay.deps.store.get(Keys.deployment(address))).toBeNull();
    const second = await deploy();
    expect(second.body.result.tracking_id).not.toBe(first.body.result.tracking_id);
    expect((await s.chain.provider.waitForTransaction(second.body.result.transaction_hash)).isSuccess()).toBe(true);
  }, 180_000);
});

/**
 * Who gets what from an idempotency claim (execution/idempotency.ts), on a
 * real redis-server: a claim not yet sent is waited for, whoever holds it
 * (a request the policy refuses holds one for moments, and a deploy may
 * name any address, so refusing at once would let anyone's refused deploys
 * turn the account owner's requests away); once sent, the same request gets
 * its ids, another tenant and another request for the same deployment are
 * refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelayDeps } from '../../../relay/deps.ts';
import { RelayError } from '../../../relay/errors/base.ts';
import { claimExecution, forgetExecution, recordExecution } from '../../../relay/execution/idempotency.ts';
import { RedisStore } from '../../../relay/store/redis/store.ts';
import { startRedis, type TestRedis } from '../../helpers/redis.ts';

let redis: TestRedis;
let store: RedisStore;
// The claim touches the store alone.
const deps = () => ({ store }) as unknown as RelayDeps;
beforeAll(async () => {
  redis = await startRedis();
  store = await RedisStore.connect(redis.url);
}, 60_000);
afterAll(async () => {
  await store?.close();
  await redis?.stop();
});

const reasonOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (e instanceof RelayError ? e.reason : String(e)));
let n = 0;
const key = () => `exec:deploy:0x${(++n).toString(16)}`;

describe('an idempotency claim', () => {
  it("waits out another tenant's claim that is given back before it is sent, then takes it", async () => {
    const k = key();
    const refused = { trackingId: '0xa', tenant: 'elsewhere', tag: 'deploy' };
    expect(await claimExecution(deps(), k, refused)).toEqual({ created: true });
    const mine = claimExecution(deps(), k, { trackingId: '0xb', tenant: 'owner', tag: 'nonce:0x1' });
    await new Promise((r) => setTimeout(r, 250));
    await forgetExecution(deps(), k, refused); // its policy refused it
    // Before: execution_already_submitted at once, the owner's request turned away by a refused one.
    expect(await mine).toEqual({ created: true });
  });

  it("once sent: the same request gets its ids, another tenant's and another request's are refused", async () => {
    const k = key();
    const holder = { trackingId: '0xc', tenant: 'owner', tag: 'nonce:0x1' };
    await claimExecution(deps(), k, holder);
    const again = claimExecution(deps(), k, { ...holder, trackingId: '0xd' });
    await recordExecution(deps(), k, holder, '0x123');
    expect(await again).toEqual({ created: false, existing: { tracking_id: '0xc', transaction_hash: '0x123' } });
    expect(await reasonOf(claimExecution(deps(), k, { trackingId: '0xe', tenant: 'owner', tag: 'nonce:0x2' }))).toBe('deployment_in_progress');
    expect(await reasonOf(claimExecution(deps(), k, { trackingId: '0xf', tenant: 'elsewhere', tag: 'nonce:0x1' }))).toBe('execution_already_submitted');
  });
});

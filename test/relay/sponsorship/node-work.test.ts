/**
 * What node work a public key can buy: requests count per key and per
 * account before any node call, and refusals after node work count again
 * against a smaller hourly allowance. On memory and a real redis-server.
 */
import { describe, expect, it } from 'vitest';
import { RelayError } from '../../../relay/errors/base.ts';
import { NodeWorkLimiter, type NodeWorkLimits } from '../../../relay/sponsorship/nodeWork.ts';
import { ALICE, BOB, T0, useStoreBackends } from './helpers.ts';

const off: NodeWorkLimits = { perApiKeyPerMinute: 0, perSenderPerMinute: 0, refusalsPerApiKeyPerHour: 0, refusalsPerSenderPerHour: 0 };
const caller = (sender = ALICE, apiKeyId = 'k1') => ({ tenant: 'acme', apiKeyId, sender });
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
    const badSignature = new RelayError('invalid_signature', { details: 'x' });
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
});

/**
 * What a default-mode payment holds in the account's unit (sponsorship/quotaHold.ts): its mark, which
 * needs the account to itself through every tenant, its revert, counted until it lands, and how long
 * they live; and holds given back through the gate's corrections when the store fails.
 */
import { describe, expect, it } from 'vitest';
import { RelayError, StoreUnavailableError } from '../../../relay/errors/base.ts';
import { DeferredCorrections } from '../../../relay/sponsorship/corrections.ts';
import { quotaSnapshot, withQuotaHold } from '../../../relay/sponsorship/quotaHold.ts';
import type { SponsorshipRequest } from '../../../relay/sponsorship/request.ts';
import { holdTtlMs, Keys, TTL } from '../../../relay/store/keys.ts';
import { MemoryStore } from '../../../relay/store/memory.ts';
import type { ReserveLine, Store } from '../../../relay/store/types.ts';

const ACCOUNT = '0xacc0';
type Snapshot = Awaited<ReturnType<typeof quotaSnapshot>>;
const asRequest = (snapshot: Snapshot, left: () => Promise<bigint>) =>
  ({ sender: ACCOUNT, accountQuota: { snapshot, left }, holdTtlMs: holdTtlMs(86_400, 300_000) }) as unknown as SponsorshipRequest;

describe("a default-mode payment's holds", () => {
  it("a default-mode payment's hold lives as long: past the window, the drop horizon and the late watch; TTL.hold (the defaults') when none is given", async () => {
    const store = new MemoryStore();
    const sent: ReserveLine[][] = [];
    const seen = new Proxy(store, { get: (t, p) => (p === 'reserve' ? (lines: ReserveLine[]) => (sent.push(lines), t.reserve(lines)) : Reflect.get(t, p)) }) as Store;
    const ttlOf = async (holdTtl?: number) => {
      const req = { ...asRequest(await quotaSnapshot(store, ACCOUNT), async () => 100n), feeMode: 'default', holdTtlMs: holdTtl } as SponsorshipRequest;
      const r = await withQuotaHold(seen, req, async () => ({ lines: [] }) as never);
      for (const l of r.lines) await store.adjust(l.key, -BigInt(l.amount));
      return sent.at(-1)!.find((l) => l.key === Keys.paymentHold(ACCOUNT))!.ttlMs;
    };
    expect(await ttlOf(holdTtlMs(3_600, 300_000))).toBe(3_600_000 + 300_000 + TTL.lateWatch + 10 * 60_000);
    expect(await ttlOf()).toBe(TTL.hold);
    expect(TTL.hold).toBeGreaterThanOrEqual(holdTtlMs(86_400, 300_000));
  });

  it('a default-mode payment needs the account to itself, through any tenant: nothing else is held beside it, and it waits for what is in flight', async () => {
    const store = new MemoryStore();
    const hold = async (feeMode: 'default' | 'sponsored') => {
      const req = { ...asRequest(await quotaSnapshot(store, ACCOUNT), async () => 100n), feeMode } as SponsorshipRequest;
      return withQuotaHold(store, req, async () => ({ lines: [] }) as never);
    };
    const giveBack = async (r: { lines: { key: string; amount: string }[] }) => {
      for (const l of r.lines) await store.adjust(l.key, -BigInt(l.amount));
    };
    const payment = await hold('default');
    expect(payment.lines.map((l) => l.key)).toEqual([Keys.quotaHold(ACCOUNT), Keys.paymentHold(ACCOUNT), Keys.reverts(ACCOUNT)]);
    // A payment counts as one of the sender's reverts until it lands.
    expect(await store.get(Keys.reverts(ACCOUNT))).toBe('1');
    // While it is in flight: another payment (another tenant's execute) and a sponsored transaction both wait.
    await expect(hold('default')).rejects.toMatchObject({ reason: 'payment_in_flight', details: expect.stringMatching(/paying its own fee in flight/) });
    await expect(hold('sponsored')).rejects.toMatchObject({ reason: 'payment_in_flight', details: expect.stringMatching(/paying its own fee in flight/) });
    expect(await store.amount(Keys.quotaHold(ACCOUNT))).toBe(1n);
    await giveBack(payment);

    // A sponsored transaction in flight (the quota allows many): a payment waits for it, more sponsored ones do not.
    const sponsored = await hold('sponsored');
    expect(sponsored.lines.map((l) => l.key)).toEqual([Keys.quotaHold(ACCOUNT)]);
    await expect(hold('default')).rejects.toMatchObject({ reason: 'payment_in_flight', details: expect.stringMatching(/to itself/) });
    await giveBack(await hold('sponsored'));
    await giveBack(sponsored);
    await giveBack(await hold('default'));
    expect([await store.amount(Keys.quotaHold(ACCOUNT)), await store.amount(Keys.paymentHold(ACCOUNT)), await store.amount(Keys.reverts(ACCOUNT))]).toEqual([0n, 0n, 0n]);

    // The tenant's own lines refused after the hold: both marks are given back.
    const req = { ...asRequest(await quotaSnapshot(store, ACCOUNT), async () => 100n), feeMode: 'default' } as SponsorshipRequest;
    await expect(withQuotaHold(store, req, async () => { throw new RelayError('tier_quota_exhausted'); })).rejects.toMatchObject({ reason: 'tier_quota_exhausted' });
    expect([await store.amount(Keys.quotaHold(ACCOUNT)), await store.amount(Keys.paymentHold(ACCOUNT)), await store.amount(Keys.reverts(ACCOUNT))]).toEqual([0n, 0n, 0n]);
  });
});

describe('a hold given back during a store outage', () => {
  it('is kept by the corrections and applied once the store answers, so the account is not left marked for a day', async () => {
    const mem = new MemoryStore();
    let down = false;
    const offline = () => new StoreUnavailableError(new Error('offline'), { unapplied: true });
    // The store as the relay sees it: every call refused unapplied while down.
    const store = new Proxy(mem, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (...a: unknown[]) => (down ? Promise.reject(offline()) : (v as (...x: unknown[]) => unknown).apply(target, a)) : v;
      },
    }) as Store;
    const fixes = new DeferredCorrections(store);
    const req = { ...asRequest(await quotaSnapshot(store, ACCOUNT), async () => 100n), feeMode: 'default' } as SponsorshipRequest;
    // The tenant's own reservation fails with the store: the hold is given back through the corrections.
    const failed = withQuotaHold(store, req, async () => {
      down = true;
      throw offline();
    }, Date.now, (k, d) => fixes.adjust(k, d));
    await expect(failed).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(fixes.size).toBe(3);
    down = false;
    expect([await mem.amount(Keys.quotaHold(ACCOUNT)), await mem.amount(Keys.paymentHold(ACCOUNT)), await mem.amount(Keys.reverts(ACCOUNT))]).toEqual([1n, 1n, 1n]);
    await fixes.flush();
    expect([await mem.amount(Keys.quotaHold(ACCOUNT)), await mem.amount(Keys.paymentHold(ACCOUNT)), await mem.amount(Keys.reverts(ACCOUNT))]).toEqual([0n, 0n, 0n]);
  });
});

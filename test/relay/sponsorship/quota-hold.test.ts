/**
 * The quota hold's invariant, against a model of the chain, under every
 * interleaving fast-check's scheduler tries: no transaction is ever submitted
 * that would find the Paymaster's quota used up when it lands. Executes run
 * as the relay runs them (counters read, simulation, quota read only when
 * the counters ask for it, hold), while earlier transactions land and are
 * settled in between; each store call is one step the scheduler may delay.
 * The devnet attack tests (test/security/account-quota.test.ts) show the same
 * on the real contract, for the interleavings a real run happens to make.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RelayError, StoreUnavailableError } from '../../../relay/errors/base.ts';
import { DeferredCorrections } from '../../../relay/sponsorship/corrections.ts';
import { needsQuotaRead, quotaSnapshot, withQuotaHold } from '../../../relay/sponsorship/quotaHold.ts';
import type { SponsorshipRequest } from '../../../relay/sponsorship/request.ts';
import { holdTtlMs, Keys, TTL } from '../../../relay/store/keys.ts';
import { MemoryStore } from '../../../relay/store/memory.ts';
import type { ReserveLine, Store } from '../../../relay/store/types.ts';

const ACCOUNT = '0xacc0';
type Snapshot = Awaited<ReturnType<typeof quotaSnapshot>>;
/** As execute builds it (relay/execution/execute.ts), with the default 24 h window. */
const asRequest = (snapshot: Snapshot, left: () => Promise<bigint>) =>
  ({ sender: ACCOUNT, accountQuota: { snapshot, left }, holdTtlMs: holdTtlMs(86_400, 300_000) }) as unknown as SponsorshipRequest;

/** Every store call waits for the scheduler first, so other executes, landings and settlements can come between any two. */
function scheduled(store: Store, s: fc.Scheduler): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => s.schedule(Promise.resolve(), String(prop)).then(() => (v as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
}

interface Chain {
  left: number;
  /** Submitted, not landed yet: each will consume one unit when it does. */
  pending: number;
  worst: number;
  reads: number;
}

async function execute(store: Store, s: fc.Scheduler, chain: Chain, landings: Promise<void>[], refuseAfterHold = false): Promise<'sent' | 'refused'> {
  const snapshot = await quotaSnapshot(store, ACCOUNT);
  // The simulation sees what landed, not what is pending.
  await s.schedule(Promise.resolve(), 'simulate');
  if (chain.left < 1) return 'refused';
  const read = async () => {
    await s.schedule(Promise.resolve(), 'quota_left');
    chain.reads++;
    return BigInt(chain.left);
  };
  const early = needsQuotaRead(snapshot) ? read() : undefined;
  early?.catch(() => undefined);
  const req = asRequest(snapshot, () => early ?? read());
  try {
    // The tenant's own lines refused after the hold was taken: the hold must be given back.
    const res = await withQuotaHold(store, req, async () => {
      if (refuseAfterHold) throw new RelayError('tenant_budget_exhausted');
      return { lines: [] };
    });
    chain.pending++;
    // How far past the quota the transactions in flight would go when they land (0 when none would revert).
    chain.worst = Math.max(chain.worst, chain.pending - chain.left);
    const hold = res.lines.find((l) => l.kind === 'hold')!;
    landings.push(
      s.schedule(Promise.resolve(), 'land').then(async () => {
        chain.pending--;
        chain.left--;
        await s.schedule(Promise.resolve(), 'settle');
        await store.adjust(hold.key, -1n);
      }),
    );
    return 'sent';
  } catch (e) {
    expect(['account_quota_exhausted', 'tenant_budget_exhausted'], String((e as Error).stack)).toContain((e as { reason?: string }).reason);
    return 'refused';
  }
}

describe('the quota hold (sponsorship/quotaHold.ts)', () => {
  it('never sends a transaction that would find the quota used up, however executes, landings and settlements interleave', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 0, max: 6 }), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 4 }), async (s, quota, waves, refuseEvery) => {
        const store = new MemoryStore();
        const chain: Chain = { left: quota, pending: 0, worst: 0, reads: 0 };
        const landings: Promise<void>[] = [];
        let sent = 0;
        // Waves of concurrent executes; a wave starts while the last one's transactions may still be in flight.
        let started = 0;
        for (const n of waves) {
          const refuse = () => refuseEvery > 0 && ++started % refuseEvery === 0;
          const wave = Promise.all(Array.from({ length: n }, () => execute(scheduled(store, s), s, chain, landings, refuse())));
          await s.waitFor(wave);
          sent += (await wave).filter((r) => r === 'sent').length;
        }
        await s.waitAll();
        await Promise.all(landings);
        expect(chain.worst).toBeLessThanOrEqual(0);
        expect(sent).toBeLessThanOrEqual(quota);
        expect(chain.left).toBe(quota - sent);
        expect(await store.amount(Keys.quotaHold(ACCOUNT))).toBe(0n);
      }),
      { numRuns: 300 },
    );
  });

  it('a read vouches for the next holds: back to back beside one in flight, one read, then none', async () => {
    const store = new MemoryStore();
    let reads = 0;
    const left = async () => (reads++, 100n);
    for (let i = 0; i < 5; i++) {
      const snapshot = await quotaSnapshot(store, ACCOUNT);
      await withQuotaHold(store, asRequest(snapshot, left), async () => ({ lines: [] }));
    }
    // The first was alone (no read), the second read 100 left beside 1 in flight; the rest fit the bound that read set.
    expect(reads).toBe(1);
    expect(await store.amount(Keys.quotaHold(ACCOUNT))).toBe(5n);
    expect(await store.get(Keys.quotaCleared(ACCOUNT))).toBe(String(1n + 100n - 1n));
  });

  it('a bound that is used up, or not a count, is read again (fails closed)', async () => {
    const store = new MemoryStore();
    await store.reserve([{ key: Keys.quotaHold(ACCOUNT), amount: 2n, limit: 9n }, { key: Keys.quotaTaken(ACCOUNT), amount: 7n, limit: 9n }]);
    for (const cleared of ['7', '-3', 'many', '1e99']) {
      await store.set(Keys.quotaCleared(ACCOUNT), cleared);
      expect(needsQuotaRead(await quotaSnapshot(store, ACCOUNT))).toBe(true);
    }
    await store.set(Keys.quotaCleared(ACCOUNT), '8');
    expect(needsQuotaRead(await quotaSnapshot(store, ACCOUNT))).toBe(false);
  });

  it("an account idle until its counters' TTL, then a burst straddling it: the burst's reads renewed them, so the quota is read", async () => {
    let now = 1_000_000;
    const store = new MemoryStore({ now: () => now });
    let chainLeft = 20;
    let reads = 0;
    const left = async () => (reads++, BigInt(chainLeft));
    const hold = (snapshot: Snapshot) => withQuotaHold(store, asRequest(snapshot, left), async () => ({ lines: [] }), () => now);
    // 19 transactions, each alone, landed and settled.
    for (let i = 0; i < 19; i++) {
      await hold(await quotaSnapshot(store, ACCOUNT, now));
      chainLeft--;
      await store.adjust(Keys.quotaHold(ACCOUNT), -1n);
    }
    expect(reads).toBe(0);
    // Just before `taken` would expire, ten executes read the counters; their holds come just after.
    now += TTL.quotaTaken - 100;
    const snapshots = [];
    for (let i = 0; i < 10; i++) snapshots.push(await quotaSnapshot(store, ACCOUNT, now));
    now += 200;
    let sent = 0;
    for (const snapshot of snapshots) sent += await hold(snapshot).then(() => 1, () => 0);
    // Had `taken` expired and restarted from 0, all ten would fit under 19 + 1 with no read.
    expect(sent).toBe(chainLeft);
    expect(reads).toBeGreaterThan(0);
  });

  it('refuses, as retryable, a snapshot older than the bound it could rely on, before the hold or after the quota read (a stalled execute)', async () => {
    const store = new MemoryStore();
    const snapshot = await quotaSnapshot(store, ACCOUNT, 0);
    const run = (now: number, left = async () => 100n) => withQuotaHold(store, asRequest(snapshot, left), async () => ({ lines: [] }), () => now);
    await expect(run(TTL.quotaCleared + 1)).rejects.toMatchObject({ reason: 'chain_unavailable' });
    expect(await store.amount(Keys.quotaHold(ACCOUNT))).toBe(0n);
    await expect(run(TTL.quotaCleared)).resolves.toMatchObject({ lines: [{ kind: 'hold' }] });
    // Beside that one in flight the quota is read; a read that outlasts the bound voids the snapshot.
    let clock = 0;
    const slowRead = async () => ((clock = TTL.quotaCleared + 1), 100n);
    await expect(withQuotaHold(store, asRequest(snapshot, slowRead), async () => ({ lines: [] }), () => clock)).rejects.toMatchObject({ reason: 'chain_unavailable' });
    expect(await store.amount(Keys.quotaHold(ACCOUNT))).toBe(1n);
  });

  it('a hold that finds `taken` restarted under its snapshot (a process frozen past its TTL) is given back, not trusted', async () => {
    let now = 0;
    const store = new MemoryStore({ now: () => now });
    for (let i = 0; i < 3; i++) await withQuotaHold(store, asRequest(await quotaSnapshot(store, ACCOUNT, now), async () => 100n), async () => ({ lines: [] }), () => now);
    await store.adjust(Keys.quotaHold(ACCOUNT), -3n);
    const snapshot = await quotaSnapshot(store, ACCOUNT, now);
    expect(snapshot.taken).toBe(3n);
    now += TTL.quotaTaken + 1;
    // The process's own clock stood still (frozen), so only the store can tell.
    await expect(withQuotaHold(store, asRequest(snapshot, async () => 100n), async () => ({ lines: [] }), () => 0)).rejects.toMatchObject({ reason: 'chain_unavailable' });
    expect(await store.amount(Keys.quotaHold(ACCOUNT))).toBe(0n);
  });

  it('`held` outlives the tracker and `taken` while a transaction can still land: the next execute is not alone', async () => {
    let now = 0;
    const store = new MemoryStore({ now: () => now });
    await withQuotaHold(store, asRequest(await quotaSnapshot(store, ACCOUNT, now), async () => 1n), async () => ({ lines: [] }), () => now);
    // Dropped and sent again, the transaction is still in flight hours later, within its signed window.
    now += 20 * 3_600_000;
    const snapshot = await quotaSnapshot(store, ACCOUNT, now);
    expect(snapshot.held).toBe(1n);
    expect(needsQuotaRead(snapshot)).toBe(true);
    // One unit left on chain, and that one is taken by the transaction in flight.
    await expect(withQuotaHold(store, asRequest(snapshot, async () => 1n), async () => ({ lines: [] }), () => now)).rejects.toMatchObject({ reason: 'account_quota_exhausted' });
    now += holdTtlMs(86_400, 300_000) - 20 * 3_600_000;
    expect(await store.amount(Keys.quotaHold(ACCOUNT))).toBe(0n);
  });

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

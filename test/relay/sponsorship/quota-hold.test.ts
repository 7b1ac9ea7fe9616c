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
import { RelayError } from '../../../relay/errors/base.ts';
import { needsQuotaRead, quotaSnapshot, withQuotaHold } from '../../../relay/sponsorship/quotaHold.ts';
import type { SponsorshipRequest } from '../../../relay/sponsorship/request.ts';
import { holdTtlMs, Keys, TTL } from '../../../relay/store/keys.ts';
import { MemoryStore } from '../../../relay/store/memory.ts';
import type { Store } from '../../../relay/store/types.ts';

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
});

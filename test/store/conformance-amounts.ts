/** Conformance cases for budgets (reserve/adjust/amount), the audit list and sets. */
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../relay/errors/base.ts';
import type { Store } from '../../relay/store/types.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const U128_MAX = 2n ** 128n - 1n;

/** Deterministic values biased to carry/borrow edges: 10^k ± 1 straddles Redis' 9-digit limbs. */
function edgyAmounts(seed: number): () => bigint {
  let x = seed >>> 0;
  const next = () => ((x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0), x);
  return () => {
    const k = BigInt(next() % 39);
    switch (next() % 4) {
      case 0:
        return 10n ** k - 1n;
      case 1:
        return 10n ** k + BigInt(next() % 3);
      case 2:
        return 2n ** (k * 3n + 10n) - 1n;
      default:
        return (BigInt(next()) << 96n) | (BigInt(next()) << 64n) | (BigInt(next()) << 32n) | BigInt(next());
    }
  };
}

export function amountCases(store: () => Store): void {
  describe('reserve', () => {
    it('adds within the limit (boundary included) and reports the new totals', async () => {
      const s = store();
      expect(await s.amount('g')).toBe(0n);
      expect(await s.reserve([{ key: 'g', amount: 60n, limit: 100n }])).toEqual({ ok: true, used: [60n] });
      expect(await s.reserve([{ key: 'g', amount: 40n, limit: 100n }])).toEqual({ ok: true, used: [100n] });
      expect(await s.reserve([{ key: 'g', amount: 1n, limit: 100n }])).toEqual({ ok: false, blocking: 0, used: 100n, limit: 100n });
      expect(await s.reserve([{ key: 'g', amount: 0n, limit: 100n }])).toEqual({ ok: true, used: [100n] });
      expect(await s.amount('g')).toBe(100n);
    });

    it('is all-or-nothing across three lines and names the first blocking line', async () => {
      const s = store();
      await s.adjust('user', 95n);
      const lines = (amount: bigint) => [
        { key: 'global', amount, limit: 1_000n },
        { key: 'policy', amount, limit: 500n },
        { key: 'user', amount, limit: 100n },
      ];
      expect(await s.reserve(lines(10n))).toEqual({ ok: false, blocking: 2, used: 95n, limit: 100n });
      expect([await s.amount('global'), await s.amount('policy'), await s.amount('user')]).toEqual([0n, 0n, 95n]);
      expect(await s.reserve(lines(5n))).toEqual({ ok: true, used: [5n, 5n, 100n] });
      expect([await s.amount('global'), await s.amount('policy'), await s.amount('user')]).toEqual([5n, 5n, 100n]);
    });

    it('checks lines that share a key against their running total', async () => {
      const s = store();
      const twice = [
        { key: 'k', amount: 30n, limit: 50n },
        { key: 'k', amount: 30n, limit: 50n },
      ];
      expect(await s.reserve(twice)).toEqual({ ok: false, blocking: 1, used: 30n, limit: 50n });
      expect(await s.amount('k')).toBe(0n);
      expect(await s.reserve([twice[0]!, { key: 'k', amount: 20n, limit: 50n }])).toEqual({ ok: true, used: [30n, 50n] });
    });

    it('applies a line TTL only when it creates the counter (budget period)', async () => {
      const s = store();
      await s.reserve([{ key: 'day', amount: 1n, limit: 10n, ttlMs: 300 }]);
      await sleep(150);
      await s.reserve([{ key: 'day', amount: 1n, limit: 10n, ttlMs: 300 }]); // must not extend the period
      expect(await s.amount('day')).toBe(2n);
      await sleep(250);
      expect(await s.amount('day')).toBe(0n);
    });

    it('renews a renewTtl line on every reservation, so a hold outlives its newest unit', async () => {
      const s = store();
      const hold = { key: 'hold', amount: 1n, limit: 10n, ttlMs: 400, renewTtl: true };
      await s.reserve([hold, { key: 'period', amount: 1n, limit: 10n, ttlMs: 400 }]);
      await sleep(250);
      await s.reserve([hold, { key: 'period', amount: 1n, limit: 10n, ttlMs: 400 }]);
      await sleep(250); // 500 ms after creation, 250 ms after the renewal
      expect(await s.amount('hold')).toBe(2n);
      expect(await s.amount('period')).toBe(0n); // the plain line in the same call kept its period
      await sleep(350);
      expect(await s.amount('hold')).toBe(0n);
    });

    it('never exceeds a limit under 200 concurrent reservations and sums exactly', async () => {
      const s = store();
      const calls = Array.from({ length: 200 }, (_, i) =>
        s.reserve([
          { key: 'global', amount: 7n, limit: 1_000n },
          { key: `user:${i % 5}`, amount: 7n, limit: 300n },
        ]),
      );
      const results = await Promise.all(calls);
      const ok = results.filter((r) => r.ok);
      // 40 calls per user never reach 300, so only the global limit binds: floor(1000 / 7) = 142.
      expect(ok).toHaveLength(142);
      expect(await s.amount('global')).toBe(994n);
      for (const r of results) if (!r.ok) expect(r).toEqual({ ok: false, blocking: 0, used: 994n, limit: 1_000n });
      let perUser = 0n;
      for (let u = 0; u < 5; u++) perUser += await s.amount(`user:${u}`);
      expect(perUser).toBe(994n);
      const totals = ok.map((r) => (r.ok ? r.used[0]! : 0n)).sort((a, b) => (a < b ? -1 : 1));
      expect(totals).toEqual(Array.from({ length: 142 }, (_, i) => 7n * BigInt(i + 1)));
    });

    it('is exact above 2^64, up to the u128 maximum', async () => {
      const s = store();
      const big = 2n ** 100n + 12_345_678_901_234_567_890n;
      expect(await s.reserve([{ key: 'b', amount: big, limit: U128_MAX }])).toEqual({ ok: true, used: [big] });
      expect(await s.reserve([{ key: 'b', amount: 10n ** 18n - 1n, limit: U128_MAX }])).toEqual({
        ok: true,
        used: [big + 10n ** 18n - 1n],
      });
      const rest = U128_MAX - (await s.amount('b'));
      expect(await s.reserve([{ key: 'b', amount: rest, limit: U128_MAX }])).toEqual({ ok: true, used: [U128_MAX] });
      expect(await s.reserve([{ key: 'b', amount: 1n, limit: U128_MAX }])).toEqual({ ok: false, blocking: 0, used: U128_MAX, limit: U128_MAX });
      // Limits that differ only below double precision must still be told apart.
      const edge = 2n ** 64n + 1n;
      expect((await s.reserve([{ key: 'e', amount: edge, limit: 2n ** 64n }])).ok).toBe(false);
      expect(await s.reserve([{ key: 'e', amount: edge, limit: edge }])).toEqual({ ok: true, used: [edge] });
      expect(await s.amount('e')).toBe(edge);
    });

    it('refuses negative amounts and limits (refunds go through adjust)', async () => {
      const s = store();
      await expect(s.reserve([{ key: 'g', amount: -1n, limit: 10n }])).rejects.toBeInstanceOf(RangeError);
      await expect(s.reserve([{ key: 'g', amount: 1n, limit: -1n }])).rejects.toBeInstanceOf(RangeError);
      await expect(s.reserve([])).rejects.toBeInstanceOf(RangeError);
    });
  });

  describe('adjust / amount', () => {
    it('adds, subtracts and clamps at 0', async () => {
      const s = store();
      expect(await s.adjust('a', -5n)).toBe(0n);
      expect(await s.amount('a')).toBe(0n);
      expect(await s.adjust('a', 10n)).toBe(10n);
      expect(await s.adjust('a', -3n)).toBe(7n);
      expect(await s.adjust('a', -100n)).toBe(0n);
      expect(await s.adjust('a', 0n)).toBe(0n);
      expect(await s.amount('a')).toBe(0n);
    });

    it('is exact with large values and borrows across every digit', async () => {
      const s = store();
      const v = 2n ** 127n + 3n;
      expect(await s.adjust('a', v)).toBe(v);
      expect(await s.adjust('a', -(2n ** 64n))).toBe(v - 2n ** 64n);
      expect(await s.adjust('a', 2n ** 64n - 3n)).toBe(2n ** 127n);
      expect(await s.adjust('a', -1n)).toBe(2n ** 127n - 1n);
      expect(await s.adjust('a', -(2n ** 127n - 10n ** 20n))).toBe(10n ** 20n - 1n);
      expect(await s.amount('a')).toBe(10n ** 20n - 1n);
    });

    it('matches exact bigint arithmetic on carry and borrow edges', async () => {
      const s = store();
      const draw = edgyAmounts(20240601);
      let model = 0n;
      for (let i = 0; i < 150; i++) {
        const d = draw();
        if (i % 3 === 2) {
          const limit = [model + d, model + d - 1n, draw()][i % 9 === 2 ? 0 : i % 9 === 5 ? 1 : 2]!;
          if (limit < 0n) continue;
          const fits = model + d <= limit;
          const expected = fits ? { ok: true, used: [model + d] } : { ok: false, blocking: 0, used: model, limit };
          expect(await s.reserve([{ key: 'f', amount: d, limit }])).toEqual(expected);
          if (fits) model += d;
        } else {
          const delta = i % 3 === 0 ? d : -d;
          model = model + delta < 0n ? 0n : model + delta;
          expect(await s.adjust('f', delta)).toBe(model);
        }
      }
      expect(await s.amount('f')).toBe(model);
    });

    it('treats a non-amount value as a caller bug, not an outage', async () => {
      const s = store();
      await s.set('x', 'not-a-number');
      // Each call's failure is caught as it is made: awaited one by one, a later one could reject unhandled meanwhile.
      const failures = [s.amount('x'), s.adjust('x', 1n), s.reserve([{ key: 'x', amount: 1n, limit: 5n }])].map((p) => p.then(() => undefined, (e: unknown) => e));
      for (const err of await Promise.all(failures)) {
        expect(err).toBeInstanceOf(Error);
        expect(err).not.toBeInstanceOf(StoreUnavailableError);
      }
      expect(await s.get('x')).toBe('not-a-number');
    });

    it('keeps the period of a reserved counter', async () => {
      const s = store();
      await s.reserve([{ key: 'p', amount: 50n, limit: 100n, ttlMs: 150 }]);
      expect(await s.adjust('p', -20n)).toBe(30n);
      await sleep(300);
      expect(await s.amount('p')).toBe(0n);
    });
  });

  describe('append / range', () => {
    it('pages newest first', async () => {
      const s = store();
      for (const v of ['1', '2', '3', '4', '5']) await s.append('log', v);
      expect(await s.range('log', 0, 3)).toEqual(['5', '4', '3']);
      expect(await s.range('log', 3, 3)).toEqual(['2', '1']);
      expect(await s.range('log', 5, 3)).toEqual([]);
      expect(await s.range('log', 0, 0)).toEqual([]);
      expect(await s.range('missing', 0, 10)).toEqual([]);
    });

    it('trims the oldest entries beyond maxLen', async () => {
      const s = store();
      for (let i = 1; i <= 10; i++) await s.append('log', String(i), 4);
      expect(await s.range('log', 0, 100)).toEqual(['10', '9', '8', '7']);
      await expect(s.append('log', 'x', 0)).rejects.toBeInstanceOf(RangeError);
    });
  });

  describe('sets', () => {
    it('adds, deduplicates, removes and lists members', async () => {
      const s = store();
      expect(await s.members('set')).toEqual([]);
      for (const m of ['b', 'a', 'c', 'a']) await s.addToSet('set', m);
      expect((await s.members('set')).sort()).toEqual(['a', 'b', 'c']);
      await s.removeFromSet('set', 'b');
      await s.removeFromSet('set', 'zzz');
      await s.removeFromSet('missing', 'a');
      expect((await s.members('set')).sort()).toEqual(['a', 'c']);
    });
  });
}

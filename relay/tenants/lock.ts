/**
 * A short per-tenant lock in the Store, for changes whose rule spans several
 * records: "the tenant keeps one working admin key" reads every key and
 * writes one, so two revocations through two instances must not interleave.
 * The lease expires on its own if its holder dies.
 */
import { RelayError } from '../errors/base.ts';
import { Keys } from '../store/keys.ts';
import type { Store } from '../store/types.ts';

const LEASE_MS = 5_000;
const ATTEMPTS = 100;

export async function withTenantLock<T>(store: Store, tenantId: string, work: () => Promise<T>): Promise<T> {
  const key = Keys.admin.lock(tenantId);
  const token = crypto.randomUUID();
  for (let i = 0; i < ATTEMPTS; i++) {
    if ((await store.setIfAbsent(key, token, { ttlMs: LEASE_MS })).created) {
      try {
        return await work();
      } finally {
        await store.deleteIfEquals(key, token).catch(() => undefined);
      }
    }
    await new Promise((r) => setTimeout(r, 10 + Math.random() * 40));
  }
  throw new RelayError('write_contention', { details: 'The tenant is being changed concurrently; retry.' });
}

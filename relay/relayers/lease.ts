/**
 * A relayer's lease: the TTL lock in the shared store that lets one request
 * at a time use the relayer's nonce, and the leases this instance could not
 * give back. Those are kept (LeaseBook) and given back once the store
 * answers: left alone they would keep their relayers out of every instance's
 * rotation until the TTL ends (relayerLeaseMs, a minute by default).
 */
import type { Account, RpcProvider } from 'starknet';
import { StoreUnavailableError } from '../errors/base.ts';
import { Keys } from '../store/keys.ts';
import type { Store } from '../store/types.ts';

const key = Keys.relayer;

export interface RelayerLease {
  address: string;
  account: Account;
  nonce: bigint;
  /**
   * Records that `nonce` was consumed and releases the lease. With `maxFee`, the cached balance
   * is lowered by it (never above the truth: the fee paid is at most that) instead of dropped,
   * so the next acquire() needs no balance read from the node. `nonceUnused`: the send's answer
   * was lost and the node doesn't know the transaction (submit.ts), so `nonce` was not consumed:
   * the cached nonce is dropped, and the next lease reads the chain's.
   */
  commit(maxFee?: bigint, nonceUnused?: boolean): Promise<void>;
  /** Drops the cached nonce and re-reads it from the chain (after a nonce error). */
  refreshNonce(): Promise<bigint>;
  release(): Promise<void>;
}

/**
 * Leases this instance may hold without using them, by lease id (one relayer
 * can have several: one whose taking was lost in an outage, another given
 * back too late); each is deleted only if it is still the one held.
 */
export class LeaseBook {
  private readonly unreleased = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly leaseMs: number,
  ) {}

  get size(): number {
    return this.unreleased.size;
  }

  /**
   * Takes the relayer's lease if it is free. When the store's answer is lost (it may have taken
   * it), the lease is given back like one whose release failed: left, it kept its relayer out of
   * the rotation until its TTL (the Redis-kill suite saw two).
   */
  async take(address: string, leaseId: string): Promise<boolean> {
    try {
      return (await this.store.setIfAbsent(key.lease(address), leaseId, { ttlMs: this.leaseMs })).created;
    } catch (e) {
      if (!(e instanceof StoreUnavailableError && e.unapplied)) this.keep(leaseId, address);
      throw e;
    }
  }

  keep(leaseId: string, address: string): void {
    this.unreleased.set(leaseId, address);
  }

  /** Best effort: what still fails is tried again at the next acquire(). */
  async giveBack(): Promise<void> {
    for (const [leaseId, address] of this.unreleased) {
      try {
        // Whether the nonce we used reached the store is unknown: the next lease reads it from the chain.
        await this.store.delete(key.nonce(address));
        await this.store.deleteIfEquals(key.lease(address), leaseId);
        this.unreleased.delete(leaseId);
      } catch {
        return;
      }
    }
  }
}

export interface OpenLease {
  /** As the pool names it (its store keys); the account may spell it otherwise. */
  address: string;
  store: Store;
  provider: RpcProvider;
  account: Account;
  leaseId: string;
  book: LeaseBook;
  /** Called when the lease is given back (wakes a waiter for a relayer). */
  freed: () => void;
}

/** The lease just taken, with the relayer's nonce (cached, or read from the chain). */
export async function openLease(o: OpenLease): Promise<RelayerLease> {
  const { address, store, account, leaseId, book } = o;
  const release = async () => {
    try {
      await store.deleteIfEquals(key.lease(address), leaseId);
    } catch (e) {
      book.keep(leaseId, address);
      throw e;
    }
    o.freed();
  };
  const readNonce = async () => {
    const n = BigInt(await o.provider.getNonceForAddress(address, 'pre_confirmed'));
    await store.set(key.nonce(address), n.toString());
    return n;
  };
  try {
    const cached = await store.get(key.nonce(address));
    const lease: RelayerLease = {
      address,
      account,
      nonce: cached !== null ? BigInt(cached) : await readNonce(),
      commit: async (maxFee?: bigint, nonceUnused = false) => {
        try {
          if (nonceUnused) await store.delete(key.nonce(address));
          else await raiseNonce(store, address, lease.nonce);
          const [bal, until] = (maxFee === undefined ? null : await store.get(key.balance(address)))?.split('@').map(BigInt) ?? [];
          const ttlMs = until === undefined ? 0 : Number(until) - Date.now();
          if (bal === undefined || ttlMs <= 0) await store.delete(key.balance(address));
          else await store.set(key.balance(address), `${bal > maxFee! ? bal - maxFee! : 0n}@${until}`, { ttlMs });
        } catch (e) {
          book.keep(leaseId, address);
          throw e;
        }
        await release();
      },
      refreshNonce: async () => {
        await store.delete(key.nonce(address));
        lease.nonce = await readNonce();
        return lease.nonce;
      },
      release,
    };
    return lease;
  } catch (e) {
    await release();
    throw e;
  }
}

/**
 * Caches `used + 1` unless a higher nonce is cached already: a holder whose lease expired during a slow send
 * commits after the relayer's next holder, and must not set the cache back below what that one used. The
 * cache almost always still holds `used` (this lease read or set it): one compare-and-set, no read.
 */
async function raiseNonce(store: Store, address: string, used: bigint): Promise<void> {
  const next = used + 1n;
  if (await store.compareAndSet(key.nonce(address), used.toString(), next.toString())) return;
  for (let tries = 0; tries < 3; tries++) {
    const cur = await store.get(key.nonce(address));
    if (cur !== null && /^\d+$/.test(cur) && BigInt(cur) >= next) return;
    if (await store.compareAndSet(key.nonce(address), cur, next.toString())) return;
  }
  // Moved under us three times: another holder is committing; the next lease will read it right or refresh on 52.
}

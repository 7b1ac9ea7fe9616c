/**
 * Relayer accounts that submit sponsored transactions. Each submission leases
 * one relayer exclusively (a TTL lock in the shared store, so relay instances
 * never race on a nonce) and uses a cached nonce that is dropped whenever the
 * chain says it is wrong. A relayer whose STRK balance falls below the floor
 * leaves the rotation until it is refunded; the balance is re-read every
 * `balanceTtlMs`, which is how it comes back.
 */
import { Account, RpcProvider, type Call } from 'starknet';
import { RELAYER_CAIRO_VERSION, RelayerHasher, RelayerSigner, type RelayerCrypto } from './signer.ts';
import { LeaseBook, openLease, type RelayerLease } from './lease.ts';
import type { SimulationAccount } from './simulator.ts';
import { RelayError, StoreUnavailableError } from '../errors/base.ts';
import { chainUnavailable } from '../errors/chain.ts';
import { Keys } from '../store/keys.ts';
import type { Store } from '../store/types.ts';

export type { RelayerLease } from './lease.ts';

export interface RelayerKey {
  address: string;
  privateKey: string;
}

export interface RelayerPoolOptions {
  store: Store;
  provider: RpcProvider;
  relayers: RelayerKey[];
  strkAddress: string;
  minBalance: bigint;
  leaseMs: number;
  /** How long acquire() waits for a free relayer before refusing. */
  acquireTimeoutMs?: number;
  balanceTtlMs?: number;
  /** The relayers' hashing and signing (entry/nativeCrypto.ts on Node); @scure/starknet's by default. */
  crypto?: RelayerCrypto;
  /** The account simulations run as, when the operator gives one (simulator.ts); else a relayer at rest. */
  simulation?: SimulationAccount;
}

export interface RelayerStatus {
  address: string;
  balance: string | null;
  inRotation: boolean;
}

const key = Keys.relayer;

export class RelayerPool {
  private readonly accounts: Map<string, Account>;
  private readonly book: LeaseBook;
  /** The end of this instance's line of acquire() calls (see acquire). */
  private line: Promise<void> = Promise.resolve();
  /** Wakes the head of the line when this instance gives a relayer back (see acquireNow). */
  private wake: () => void = () => undefined;

  private readonly hasher: RelayerHasher;

  constructor(private readonly o: RelayerPoolOptions) {
    this.hasher = new RelayerHasher(o.crypto?.poseidonMany);
    this.book = new LeaseBook(o.store, o.leaseMs);
    this.accounts = new Map(
      o.relayers.map((r) => [r.address, new Account({ provider: o.provider, address: r.address, cairoVersion: RELAYER_CAIRO_VERSION, signer: new RelayerSigner(r.privateKey, this.hasher, o.crypto?.sign) })]),
    );
  }

  /** Hashes these calls' calldata while the node estimates them, for the signature that may follow. */
  prehashSoon(calls: Call[]): void {
    this.hasher.prehashSoon(calls);
  }

  get size(): number {
    return this.accounts.size;
  }

  async balance(address: string): Promise<bigint> {
    const cached = await this.o.store.get(key.balance(address));
    if (cached !== null) return BigInt(cached.split('@')[0]!);
    const res = await this.o.provider.callContract({
      contractAddress: this.o.strkAddress,
      entrypoint: 'balance_of',
      calldata: [address],
    });
    const bal = BigInt(res[0]!) + (BigInt(res[1] ?? 0) << 128n);
    const ttlMs = this.o.balanceTtlMs ?? 15_000;
    // The expiry travels with the figure: commit() lowers it without pushing the next chain read back.
    await this.o.store.set(key.balance(address), `${bal}@${Date.now() + ttlMs}`, { ttlMs });
    return bal;
  }

  async status(): Promise<RelayerStatus[]> {
    return Promise.all(
      [...this.accounts.keys()].map(async (address) => {
        const balance = await this.balance(address).catch(() => null);
        return { address, balance: balance?.toString() ?? null, inRotation: balance !== null && balance >= this.o.minBalance };
      }),
    );
  }

  /**
   * An account and its chain nonce for a simulation, without a lease:
   * simulating consumes nothing, so requests that will be refused never queue
   * behind the ones that will be sent. `fresh`: the last nonce was refused.
   */
  async simulator(fresh = false): Promise<{ account: Account; nonce: bigint }> {
    if (this.o.simulation) return this.o.simulation.get(fresh);
    const addresses = [...this.accounts.keys()];
    const start = await this.o.store.incr(key.cursor, 1);
    const order = addresses.map((_, i) => addresses[(start + i) % addresses.length]!);
    // A leased relayer is about to use its nonce, which would fail this simulation (the caller
    // retries, but under load every retry can lose that race): one at rest is asked first.
    const leased = await Promise.all(order.map((a) => this.o.store.get(key.lease(a))));
    const address = order[Math.max(0, leased.indexOf(null))]!;
    return { account: this.accounts.get(address)!, nonce: BigInt(await this.o.provider.getNonceForAddress(address, 'pre_confirmed')) };
  }

  /**
   * Waiters of this instance take turns, first come first served: polling all
   * at once, a request that had backed off lost every free relayer to newer
   * ones, and under load (50 in flight over 4 relayers) a few waited out the
   * whole timeout. Only the head polls the store; the others wait in line.
   */
  acquire(): Promise<RelayerLease> {
    const deadline = Date.now() + (this.o.acquireTimeoutMs ?? 15_000);
    const turn = this.line.then(() => this.acquireNow(deadline));
    this.line = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  private async acquireNow(deadline: number): Promise<RelayerLease> {
    await this.book.giveBack();
    const addresses = [...this.accounts.keys()];
    let funded = 0;
    let unread: unknown;
    for (let attempt = 0; ; attempt++) {
      // A shared cursor spreads load across instances instead of all starting at relayer 0.
      const start = await this.o.store.incr(key.cursor, 1);
      funded = 0;
      unread = undefined;
      for (let i = 0; i < addresses.length; i++) {
        const address = addresses[(start + i) % addresses.length]!;
        const balance = await this.balance(address).catch((e: unknown) => {
          unread = e;
          return -1n;
        });
        if (balance < this.o.minBalance) continue;
        funded++;
        const leaseId = crypto.randomUUID();
        if (await this.book.take(address, leaseId)) {
          return openLease({ address, store: this.o.store, provider: this.o.provider, account: this.accounts.get(address)!, leaseId, book: this.book, freed: () => this.wake() });
        }
      }
      if (funded === 0 || Date.now() > deadline) break;
      // The head of the line alone polls, so it can poll briskly. A lease this instance gives back
      // wakes it at once: a send holds a relayer ~25 ms, and sleeping out the backoff instead left
      // one relayer idle most of the time (bench/throughput.ts). Other instances' leases are polled.
      await new Promise<void>((r) => {
        const timer = setTimeout(r, Math.min(20 * 2 ** attempt, 100));
        this.wake = () => {
          clearTimeout(timer);
          r();
        };
      });
      this.wake = () => undefined;
    }
    // No relayer known to be funded because a balance could not be read: an outage (the node's, or the store's), not a refund to ask for.
    if (funded === 0 && unread !== undefined) throw unread instanceof StoreUnavailableError ? unread : chainUnavailable(unread);
    throw new RelayError(funded === 0 ? 'relayers_unfunded' : 'relayers_busy', {
      details:
        funded === 0
          ? 'Every relayer is below its STRK balance floor; the operator must refund them.'
          : 'All relayers are busy; retry shortly.',
    });
  }
}

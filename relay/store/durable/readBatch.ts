/**
 * Reads of one Durable Object made in the same turn, sent as one call. A
 * decision reads about nine keys of its tenant's object (the policy revision,
 * then tier and budget counters and rate-limit windows together), and every
 * call to an object is a request the platform bills and the object queues:
 * one call for the lot answers the same values, each read still at a moment
 * after it was made (the object runs the batch as one event). A dry run made
 * nine calls; it makes three (the key, the revision, the rest).
 *
 * Only reads are batched (the shard refuses anything else in a batch), and a
 * write flushes what is pending before it goes (DurableStore.call), so no read
 * can see a write made after it.
 */
/** A caller's mistake (the engine's TypeError or RangeError), sent back as data. */
export interface Refusal {
  name: 'TypeError' | 'RangeError';
  message: string;
}
/** What the shard answers a call, and each op of a batch. */
export type ShardReply = { value: unknown } | { refused: Refusal };

/** The method name of a batch call; each op in it one of BATCHED_READS, each answered on its own. */
export const BATCH = 'batch';
export const BATCHED_READS: ReadonlySet<string> = new Set(['get', 'amount']);

export type ReadOp = [method: string, args: unknown[]];

interface Pending {
  ops: ReadOp[];
  waiters: { resolve(r: ShardReply): void; reject(e: unknown): void }[];
}

export class ReadBatch {
  private pending = new Map<string, Pending>();
  private scheduled = false;

  /** `send` makes one call to the unit's object with every op and answers one reply per op, in order. */
  constructor(private readonly send: (unit: string, ops: ReadOp[]) => Promise<ShardReply[]>) {}

  add(unit: string, method: string, args: unknown[]): Promise<ShardReply> {
    let p = this.pending.get(unit);
    if (!p) {
      p = { ops: [], waiters: [] };
      this.pending.set(unit, p);
    }
    if (!this.scheduled) {
      this.scheduled = true;
      // A microtask: a decision's reads of one stage are made in one turn (a dry run's seven counters and
      // windows make one call), and a batch never spans two requests, whose I/O Workers keep apart.
      queueMicrotask(() => this.flush());
    }
    const batch = p;
    return new Promise((resolve, reject) => {
      batch.ops.push([method, args]);
      batch.waiters.push({ resolve, reject });
    });
  }

  /** Sends every pending batch now. */
  flush(): void {
    this.scheduled = false;
    if (this.pending.size === 0) return;
    const pending = this.pending;
    this.pending = new Map();
    for (const [unit, b] of pending) {
      this.send(unit, b.ops).then(
        (replies) => b.waiters.forEach((w, i) => (replies[i] ? w.resolve(replies[i]) : w.reject(new TypeError('a batch reply is missing an answer')))),
        (e: unknown) => b.waiters.forEach((w) => w.reject(e)),
      );
    }
  }
}

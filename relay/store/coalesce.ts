/**
 * Calls made in the same turn of the event loop, grouped and sent together:
 * one send per group, each caller answered with its own result, in order. A
 * send costs the relay more (encoding, a promise, a deadline, a reply; on
 * Workers, a billed request the object queues) than the other side spends
 * answering one more key, so fewer, wider sends are what raise requests/s.
 * The Redis store groups GETs by hash slot into MGETs (redis/getBatch.ts),
 * the Durable Object store reads by object (durable/readBatch.ts).
 *
 * A store must flush() before it sends anything else, so a read never
 * overtakes a write issued after it.
 */
interface Group<Op, R> {
  ops: Op[];
  waiters: { resolve(r: R): void; reject(e: unknown): void }[];
}

export class Coalescer<G, Op, R> {
  private groups = new Map<G, Group<Op, R>>();
  private scheduled = false;

  /** `send` answers one result per op, in order; `schedule` runs the flush later in this turn or the next. */
  constructor(
    private readonly send: (group: G, ops: Op[]) => Promise<R[]>,
    private readonly schedule: (flush: () => void) => void,
  ) {}

  add(group: G, op: Op): Promise<R> {
    let g = this.groups.get(group);
    if (!g) {
      g = { ops: [], waiters: [] };
      this.groups.set(group, g);
    }
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => this.flush());
    }
    const pending = g;
    return new Promise((resolve, reject) => {
      pending.ops.push(op);
      pending.waiters.push({ resolve, reject });
    });
  }

  /** Sends every pending group now. */
  flush(): void {
    this.scheduled = false;
    if (this.groups.size === 0) return;
    const groups = this.groups;
    this.groups = new Map();
    for (const [group, g] of groups) {
      this.send(group, g.ops).then(
        (results) => g.waiters.forEach((w, i) => (i < results.length ? w.resolve(results[i]!) : w.reject(new TypeError('a batched send answered fewer results than it was sent ops')))),
        (e: unknown) => g.waiters.forEach((w) => w.reject(e)),
      );
    }
  }
}

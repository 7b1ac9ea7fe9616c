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
import { Coalescer } from '../coalesce.ts';

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

export class ReadBatch {
  private readonly batches: Coalescer<string, ReadOp, ShardReply>;

  /** `send` makes one call to the unit's object with every op and answers one reply per op, in order. */
  constructor(send: (unit: string, ops: ReadOp[]) => Promise<ShardReply[]>) {
    // A microtask: a decision's reads of one stage are made in one turn (a dry run's seven counters and
    // windows make one call). Requests resumed together by a shared promise (a policy load) may share a
    // call; its results are plain values, and if the request that sent it is cancelled, the others' reads
    // fail as the store being unavailable (refused, never a wrong answer).
    this.batches = new Coalescer(send, (flush) => queueMicrotask(flush));
  }

  add(unit: string, method: string, args: unknown[]): Promise<ShardReply> {
    return this.batches.add(unit, [method, args]);
  }

  /** Sends every pending batch now. */
  flush(): void {
    this.batches.flush();
  }
}

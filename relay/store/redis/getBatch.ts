/**
 * GETs coalesced into one MGET per hash slot (one MGET in all on a single
 * server). An admin dry run reads about nine keys, most of them at once
 * (rate-limit windows, tier and budget counters, the sender's reverts), and
 * concurrent requests read at the same moments too; each command costs the
 * relay more CPU (encoding, a promise, a deadline, a reply) than Redis
 * spends answering it, so fewer, wider commands are what raise requests/s
 * (bench/http.ts).
 *
 * Gets called in the same turn of the event loop form one batch, sent from a
 * setImmediate (node-redis itself writes from one): under load about ten
 * concurrent requests' reads share one MGET instead of each sending its own
 * (a microtask batch caught only one request's). Each still reads the value
 * at a moment after it was called (MGET is atomic), so nothing any caller can
 * observe changes; and `flush()` runs before any other command is sent
 * (RedisStore calls it), so a get never overtakes a write issued after it. One difference from GET: MGET reads a key holding
 * another type (a list, a set) as absent instead of failing with WRONGTYPE;
 * keys.ts gives every key one type, so only a bug would show it.
 */
import { Coalescer } from '../coalesce.ts';
import { hashSlot } from './slot.ts';

/** `mget` runs one MGET of keys that share a slot; `bySlot` false puts every key in one batch (a single server). */
export class GetBatch {
  private readonly batches: Coalescer<number, string, string | null>;

  constructor(
    mget: (keys: string[]) => Promise<(string | null)[]>,
    private readonly bySlot: boolean,
  ) {
    this.batches = new Coalescer((_slot, keys) => mget(keys), (flush) => setImmediate(flush));
  }

  /** `key` is the full Redis key (prefix included). */
  get(key: string): Promise<string | null> {
    return this.batches.add(this.bySlot ? hashSlot(key) : 0, key);
  }

  /** Sends every pending batch now. */
  flush(): void {
    this.batches.flush();
  }
}

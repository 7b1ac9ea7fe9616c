/**
 * Throughput of `reserve` (3 budget lines, the relay's hot path) on the
 * memory store vs Redis, measured in one run so the ratio is comparable.
 *
 *   npx tsx bench/store.ts              # starts a throw-away redis-server
 *   REDIS_URL=redis://host:6379 npx tsx bench/store.ts
 *   BENCH_MS=3000 BENCH_CONCURRENCY=64 npx tsx bench/store.ts
 */
import { MemoryStore } from '../relay/store/memory.ts';
import { RedisStore } from '../relay/store/redis/store.ts';
import type { Store } from '../relay/store/types.ts';
import { startRedis, type TestRedis } from '../test/helpers/redis.ts';
import { writeReport } from './report.ts';

const DURATION_MS = Number(process.env.BENCH_MS ?? 2_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const USERS = 1_000;
// Limits high enough that no reservation is refused: we measure the full write path.
const LIMIT = 2n ** 127n;

interface Result {
  ops: number;
  opsPerSec: number;
  p50us: number;
  p99us: number;
}

async function measure(store: Store): Promise<Result> {
  const latencies: number[] = [];
  let ops = 0;
  const worker = async (w: number, until: number) => {
    for (let i = 0; performance.now() < until; i++) {
      const t0 = performance.now();
      await store.reserve([
        { key: 'bench:global', amount: 1_000_000_000_000_000_000n, limit: LIMIT },
        { key: `bench:user:${(w * 7919 + i) % USERS}`, amount: 1_000_000_000_000_000_000n, limit: LIMIT, ttlMs: 86_400_000 },
        { key: 'bench:policy:default', amount: 1_000_000_000_000_000_000n, limit: LIMIT },
      ]);
      latencies.push((performance.now() - t0) * 1_000);
      ops++;
    }
  };
  // Short warm-up so JIT and (for Redis) the script cache do not skew the run.
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w, performance.now() + 200)));
  ops = 0;
  latencies.length = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w, start + DURATION_MS)));
  const elapsed = performance.now() - start;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0);
  return { ops, opsPerSec: Math.round((ops / elapsed) * 1_000), p50us: pct(0.5), p99us: pct(0.99) };
}

async function main(): Promise<void> {
  let server: TestRedis | undefined;
  const url = process.env.REDIS_URL ?? (server = await startRedis()).url;
  const memory = new MemoryStore();
  const redis = await RedisStore.connect(url, { prefix: `bench:${process.pid}:` });
  try {
    const mem = await measure(memory);
    const red = await measure(redis);
    console.table({ memory: mem, redis: red });
    writeReport('store', 'Store.reserve (3 budget lines): Redis against the in-memory store', [
      { what: `reserve, ${CONCURRENCY} concurrent callers, ${DURATION_MS} ms`, measured: red.opsPerSec, baseline: mem.opsPerSec, unit: 'ops/s', ratio: red.opsPerSec / Math.max(1, mem.opsPerSec), ratioMeans: 'of the memory store (a network round trip per call)' },
    ]);
  } finally {
    await memory.close();
    await redis.close();
    await server?.stop();
  }
}

await main();

/**
 * rate-limiter-flexible runs inside workerd over the Durable Object store:
 * the same suite as on memory and Redis (test/relay/sponsorship/rate-limit.suite.ts),
 * each test on its own braced prefix, so one object holds its counters.
 */
import { env } from 'cloudflare:workers';
import { DurableStore } from '../../relay/store/durable/store.ts';
import { runRateLimitSuite } from '../relay/sponsorship/rate-limit.suite.ts';

const run = crypto.randomUUID().slice(0, 8);
let seq = 0;

runRateLimitSuite('durable object (workerd)', async () => new DurableStore(env.STORE, `{rl-${run}-${++seq}}:`));

/**
 * The rate-limit suite (rate-limit.suite.ts) on memory and a real Redis; the
 * same suite runs on Durable Objects in test/edge/rate-limit.workerd.test.ts.
 */
import { expect, it } from 'vitest';
import { StoreRateLimiter } from '../../../relay/sponsorship/facts/rateLimit.ts';
import type { Store } from '../../../relay/store/types.ts';
import { useStoreBackends } from './helpers.ts';
import { runRateLimitSuite } from './rate-limit.suite.ts';

for (const backend of useStoreBackends()) runRateLimitSuite(backend.name, backend.fresh);

it('refuses a window without a length', () => {
  expect(() => new StoreRateLimiter({ store: {} as Store, points: 1, durationSeconds: 0 })).toThrow(RangeError);
});

import { defineConfig } from 'vitest/config';

// Chain-facing suites each start their own devnet; on 2 cores two at a time is the ceiling.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});

import { cloudflareTest } from '@cloudflare/vitest-plugin';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/** Suites that run inside workerd (the Workers runtime), not Node. */
const WORKERD = 'test/**/*.workerd.test.ts';

/**
 * The workerd project transforms dependencies itself (workerd has no
 * node_modules), and starknet's type packages ship source maps without their
 * sources: one warning per file, about nothing this project can fix. Vitest
 * replaces any customLogger, so the resolved one is filtered instead.
 */
const quietMissingSources: Plugin = {
  name: 'ciro:quiet-missing-sources',
  configResolved({ logger }) {
    const warnOnce = logger.warnOnce.bind(logger);
    logger.warnOnce = (msg, options) => {
      if (!/^Sourcemap for ".*\/node_modules\/.*" points to missing source files/.test(msg)) warnOnce(msg, options);
    };
  },
};

export default defineConfig({
  test: {
    reporters: ['default'],
    // Chain-facing suites each start their own devnet; on 2 cores two at a time is the ceiling.
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['**/node_modules/**', WORKERD],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          pool: 'forks',
          maxWorkers: 2,
        },
      },
      {
        // The Durable Object store on local workerd, with wrangler.toml's binding and SQLite migration.
        plugins: [quietMissingSources, cloudflareTest({ main: './test/edge/worker.ts', wrangler: { configPath: './wrangler.toml' } })],
        test: {
          name: 'workerd',
          include: [WORKERD],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});

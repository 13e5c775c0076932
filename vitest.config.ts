import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Native addons (canvas, sharp, better-sqlite3) are happiest in forked processes; two cores here.
    pool: 'forks',
    maxWorkers: 2,
    // Memory drills measure what is retained after a full collection (global.gc).
    execArgv: ['--expose-gc'],
    globalSetup: ['test/support/global-setup.ts'],
  },
});

import { configDefaults, defineConfig } from 'vitest/config';
import { LONG_DRILLS } from './test/drills/long.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The long drills run in `npm run test:drills` (vitest.drills.config.ts), which CI runs too.
    exclude: [...configDefaults.exclude, ...LONG_DRILLS],
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

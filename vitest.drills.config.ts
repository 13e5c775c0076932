import { configDefaults, defineConfig } from 'vitest/config';
import { LONG_DRILLS } from './test/drills/long.js';
import base from './vitest.config.js';

/**
 * `npm run test:drills`: the long drills (test/drills/long.ts), with `npm test`'s settings (not
 * merged: include replaces), one file at a time: they measure latency and memory under load, and two
 * floods on two cores would measure each other.
 */
export default defineConfig({
  ...base,
  test: { ...base.test, include: LONG_DRILLS, exclude: configDefaults.exclude, fileParallelism: false },
});

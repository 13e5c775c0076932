import { configDefaults, defineConfig } from 'vitest/config';
import { LONG_DRILLS } from './test/drills/long.js';
import base from './vitest.config.js';

/** `npm run test:drills`: the long drills (test/drills/long.ts), with `npm test`'s settings (not merged: include replaces). */
export default defineConfig({ ...base, test: { ...base.test, include: LONG_DRILLS, exclude: configDefaults.exclude } });

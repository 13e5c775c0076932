/**
 * The drills that run for tens of seconds each, measured alone on the 2-core CI machine: they run
 * in `npm run test:drills` (vitest.drills.config.ts), not in `npm test`; .ci/run runs both.
 */
export const LONG_DRILLS = [
  // 10,000 generated hostile requests: ~44 s.
  'test/drills/hostile-urls.test.ts',
  // A source database exclusively locked for 30 s, then 10 failing cycles: ~51 s.
  'test/drills/source-isolation.test.ts',
  // 30 s of uncacheable errors over 64 connections: ~37 s.
  'test/drills/error-flood.test.ts',
  // The load drill's own code for 9 s over 100 connections: ~14 s.
  'test/drills/load-smoke.test.ts',
  // 1,000 sockets left idle past the 10 s timeout: ~9 s.
  'test/drills/idle-connections.test.ts',
  // A tsc build of the whole program and a demo-mode run from it: ~25-35 s.
  'test/drills/dist-package.test.ts',
];

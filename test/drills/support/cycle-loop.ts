// Child process for the SIGKILL drill: real collection cycles (sources over the fixture DBs, merge,
// privacy, the SQLite store) back to back, under the instance lock, with a clock that advances one
// minute per cycle. After each cycle's write has committed it prints the cycle's takenAt; the
// parent kills it with SIGKILL at a random moment and checks the store against what was printed.
import { writeSync } from 'node:fs';
import path from 'node:path';
import { Collector } from '../../../src/collector/collector.js';
import { loadConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/logging/logger.js';
import { createSourceReader } from '../../../src/sources/read-all.js';
import { acquireInstanceLock } from '../../../src/stores/sqlite/instance-lock.js';
import { SqliteStore } from '../../../src/stores/sqlite/sqlite-store.js';
import { fakeSystemInfo } from './sources.js';

const [storeFile, plexDb, tautulliDb, startAt] = process.argv.slice(2) as [string, string, string, string];
const lock = acquireInstanceLock(path.dirname(storeFile));
const config = loadConfig(
  { MARQUEE_PLEX_DB: plexDb, MARQUEE_TAUTULLI_DB: tautulliDb, MARQUEE_DATA_DIR: path.dirname(storeFile) },
  path.dirname(storeFile),
);
const store = new SqliteStore({ file: storeFile, retentionDays: 3650 });
let now = Number(startAt);
const collector = new Collector(
  {
    readSources: createSourceReader({
      plexDb,
      tautulliDb,
      privateSections: [],
      timeZone: 'UTC',
      hostTimeoutMs: 1000,
      systemInfo: fakeSystemInfo(() => 'ok'),
    }),
    stores: [store],
    thresholds: config.thresholds,
    privacy: config.privacy,
    pseudonymSecret: 'drill-secret-drill-secret-drill-secret',
    unneededFields: new Set(),
    logger: createLogger('silent'),
    clock: () => now,
  },
  await store.latest(),
);
writeSync(1, 'ready\n');
for (;;) {
  now += 60_000;
  const snapshot = await collector.collect();
  if (store.health().status !== 'ok') throw new Error(`store write failed: ${store.health().message}`);
  writeSync(1, `${snapshot.takenAt}\n`);
}
// Never reached: the parent kills this process. Kept so the lock's lifetime reads clearly.
lock.release();

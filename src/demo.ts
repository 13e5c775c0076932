import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { generateFixtures } from '../fixtures/generator/index.js';

/** Demo data is generated relative to "now"; past this age its windows (24 h, 7 d) would drift empty. */
const MAX_DEMO_AGE_MS = 12 * 3_600_000;

/**
 * Builds the bundled demo databases on first start (and refreshes stale ones), so `npm start`
 * serves real images without a Plex server. Returns true when it (re)generated them.
 */
export function ensureDemoDatabases(plexDb: string, tautulliDb: string, now: number): boolean {
  const fresh = (f: string) => existsSync(f) && now - statSync(f).mtimeMs < MAX_DEMO_AGE_MS;
  if (fresh(plexDb) && fresh(tautulliDb)) return false;
  const dir = path.dirname(plexDb);
  const hour = Math.floor(now / 3_600_000) * 3600;
  const built = generateFixtures(dir, { profile: 'demo', seed: 1, now: hour });
  if (path.resolve(built.plexDb) !== path.resolve(plexDb) || path.resolve(built.tautulliDb) !== path.resolve(tautulliDb)) {
    throw new Error('demo generator wrote unexpected file names');
  }
  return true;
}

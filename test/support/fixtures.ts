import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every test sees the same generated databases, built once by global-setup relative to this time. */
export const FIXTURE_NOW_S = 1_790_000_000;
export const FIXTURE_NOW_MS = FIXTURE_NOW_S * 1000;
export const FIXTURE_SEED = 7;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES_ROOT = path.join(root, 'test-output', 'fixtures');

export interface FixtureDbs {
  plexDb: string;
  tautulliDb: string;
}

export function fixtureDbs(profile: 'tiny' | 'demo'): FixtureDbs {
  const dir = path.join(FIXTURES_ROOT, profile);
  return { plexDb: path.join(dir, 'com.plexapp.plugins.library.db'), tautulliDb: path.join(dir, 'tautulli.db') };
}

/** A private copy for tests that delete, lock or corrupt a database. */
export function copyFixtureDbs(profile: 'tiny' | 'demo'): FixtureDbs & { dir: string } {
  const source = fixtureDbs(profile);
  const dir = mkdtempSync(path.join(tmpdir(), `marquee-${profile}-`));
  const out = { dir, plexDb: path.join(dir, path.basename(source.plexDb)), tautulliDb: path.join(dir, path.basename(source.tautulliDb)) };
  for (const [from, to] of [
    [source.plexDb, out.plexDb],
    [source.tautulliDb, out.tautulliDb],
  ] as const) {
    copyFileSync(from, to);
    if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${to}-wal`);
  }
  return out;
}

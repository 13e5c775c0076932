import Database from 'better-sqlite3';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
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

/**
 * A private copy for tests that delete, lock or corrupt a database. Its live Tautulli sessions are
 * re-stamped as a running Tautulli keeps them: each row's `stopped` (its last write) moves so that
 * the newest write is at `sessionsWrittenAt` (default: the real clock, which servers under test use),
 * keeping the rows' spacing. Pass `null` to keep the generator's stamps (relative to FIXTURE_NOW_S).
 */
export function copyFixtureDbs(
  profile: 'tiny' | 'demo',
  options: { sessionsWrittenAt?: number | null } = {},
): FixtureDbs & { dir: string } {
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
  const writtenAt = options.sessionsWrittenAt === undefined ? Date.now() : options.sessionsWrittenAt;
  if (writtenAt !== null) stampSessions(out.tautulliDb, writtenAt);
  return out;
}

/**
 * Moves every live Tautulli row's last write (`stopped`) so that the newest is at `writtenAt` (epoch
 * ms), keeping their spacing: what a running Tautulli's timeline events would have left.
 */
export function stampSessions(tautulliDb: string, writtenAt: number): void {
  const db = new Database(tautulliDb);
  try {
    db.prepare('UPDATE sessions SET stopped = stopped + (? - (SELECT MAX(stopped) FROM sessions))').run(Math.floor(writtenAt / 1000));
  } finally {
    db.close();
  }
}

/**
 * Commits `sql` into the -wal and leaves it there without its -shm, as a writer that crashed (or a
 * backup taken mid-write) leaves a WAL database; `mode` makes the -wal unreadable to others.
 */
export function leaveWal(file: string, options: { sql?: string; mode?: number } = {}): void {
  const writer = new Database(file);
  writer.pragma('wal_autocheckpoint = 0');
  writer.exec(options.sql ?? "UPDATE users SET friendly_name = 'From the WAL'");
  copyFileSync(`${file}-wal`, `${file}-wal.keep`);
  writer.close();
  copyFileSync(`${file}-wal.keep`, `${file}-wal`);
  rmSync(`${file}-wal.keep`);
  rmSync(`${file}-shm`, { force: true });
  if (options.mode !== undefined) chmodSync(`${file}-wal`, options.mode);
}

import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import path from 'node:path';
import { generateFixtures, PLEX_DB_FILE, TAUTULLI_DB_FILE, type FixtureProfile } from '../../fixtures/generator/index.js';
import { BENCH_DIR } from './child.js';

/** Every timestamp in the fixture DBs is relative to this; servers and collectors run on a clock based on it. */
export const BENCH_NOW_S = 1_790_000_000;
export const BENCH_NOW_MS = BENCH_NOW_S * 1000;
const SEED = 1;
const CACHE_DIR = path.join(BENCH_DIR, '.cache');

export interface BenchFixtures {
  profile: FixtureProfile;
  /** Which server of a network (generateFixtures' `server`); 0: the profile's usual output. */
  server: number;
  plexDb: string;
  tautulliDb: string;
  /** Seconds spent generating on this run; 0 when reused from bench/.cache. */
  builtInS: number;
}

/**
 * The large profile takes minutes to generate, so builds are cached under bench/.cache and reused
 * while the profile, seed, time and generator sources are unchanged (a stamp file records them).
 */
export function ensureFixtures(profile: FixtureProfile, server = 0): BenchFixtures {
  // Server 0 is the generator's usual output (network.ts), so it is the profile's own cache.
  const dir = path.join(CACHE_DIR, server === 0 ? profile : `${profile}-server-${server}`);
  const paths = { plexDb: path.join(dir, PLEX_DB_FILE), tautulliDb: path.join(dir, TAUTULLI_DB_FILE) };
  const stamp = path.join(dir, 'build.json');
  const wanted = JSON.stringify({
    profile,
    seed: SEED,
    now: BENCH_NOW_S,
    ...(server ? { server } : {}),
    generator: generatorFingerprint(),
  });
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted && existsSync(paths.plexDb) && existsSync(paths.tautulliDb)) {
    return { profile, server, ...paths, builtInS: 0 };
  }
  mkdirSync(dir, { recursive: true });
  // No stamp while building: an interrupted build must never pass for a finished one.
  rmSync(stamp, { force: true });
  const t0 = performance.now();
  generateFixtures(dir, { profile, seed: SEED, now: BENCH_NOW_S, ...(server ? { server } : {}) });
  writeFileSync(stamp, wanted);
  return { profile, server, ...paths, builtInS: (performance.now() - t0) / 1000 };
}

function generatorFingerprint(): string {
  const dir = path.resolve(BENCH_DIR, '../fixtures/generator');
  const hash = createHash('sha256');
  // Code and schema only: an edited README must not cost a multi-minute rebuild.
  for (const f of readdirSync(dir)
    .filter((f) => /\.(ts|sql)$/.test(f))
    .sort())
    hash.update(f).update(readFileSync(path.join(dir, f)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * Copies of cached Tautulli files that a bench may write into (the cache itself must stay what its
 * stamp says), each in one temp folder; `remove` deletes them.
 */
export function writableCopy(files: readonly string[]): { paths: string[]; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-bench-rw-'));
  const paths = files.map((file, i) => {
    const copy = path.join(dir, String(i), path.basename(file));
    mkdirSync(path.dirname(copy));
    copyFileSync(file, copy);
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
    return copy;
  });
  return { paths, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * One play stopping, as Tautulli writes it (activity_processor.write_session_history): a
 * session_history row that is its own reference_id, and the session_history_metadata and
 * session_history_media_info rows under the same id, copied from the newest film play. It ran
 * from ten minutes before `stoppedS` until then, inside every window.
 */
export function addPlay(tautulliDb: string, stoppedS: number): void {
  const db = new Database(tautulliDb);
  try {
    const columns = (table: string, skip: readonly string[]) =>
      (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[])
        .filter((c) => !skip.includes(c))
        .map((c) => `"${c}"`)
        .join(', ');
    const template = db.prepare(`SELECT MAX(id) FROM session_history WHERE media_type = 'movie'`).pluck().get() as number;
    const history = columns('session_history', ['id', 'reference_id', 'started', 'stopped']);
    db.transaction(() => {
      const id = Number(
        db
          .prepare(
            `INSERT INTO session_history (reference_id, started, stopped, ${history}) SELECT 0, ?, ?, ${history} FROM session_history WHERE id = ?`,
          )
          .run(stoppedS - 600, stoppedS, template).lastInsertRowid,
      );
      db.prepare('UPDATE session_history SET reference_id = id WHERE id = ?').run(id);
      for (const table of ['session_history_metadata', 'session_history_media_info']) {
        const rest = columns(table, ['id']);
        db.prepare(`INSERT INTO ${table} (id, ${rest}) SELECT ?, ${rest} FROM ${table} WHERE id = ?`).run(id, template);
      }
    })();
  } finally {
    db.close();
  }
}

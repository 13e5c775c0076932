import type Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Migrations ship as numbered .sql files beside this module (the build copies them into dist/). */
export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}-.+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f, sql: readFileSync(path.join(dir, f), 'utf8') }));
}

/** Applies every migration above `PRAGMA user_version`, each in its own transaction. */
export function migrate(db: Database.Database, migrations = loadMigrations()): number {
  applyMigrations(db, migrations, checkReadable(db, migrations));
  return migrations.at(-1)?.version ?? 0;
}

/**
 * Applies the migrations above `seen`, the version this process read. Another process on the same
 * file (a collector and a `serve --no-collect` renderer starting together) may have applied some
 * since: each transaction takes the write lock first and skips what the file already has, since
 * running a rebuild twice (004) would relabel rows another process has already written.
 */
export function applyMigrations(db: Database.Database, migrations: readonly Migration[], seen: number): void {
  for (const m of migrations.filter((m) => m.version > seen)) {
    db.transaction(() => {
      if ((db.pragma('user_version', { simple: true }) as number) >= m.version) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

/** The store's schema version, refused when a newer Marquee wrote it (its tables may differ). */
export function checkReadable(db: Database.Database, migrations = loadMigrations()): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(`store schema version ${current} is newer than this Marquee (${latest}); upgrade Marquee`);
  }
  return current;
}

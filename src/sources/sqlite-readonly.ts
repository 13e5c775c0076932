import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ReadOnlyDb {
  db: Database.Database;
  /** True when the live file could not be read in place and a private copy is being read. */
  copied: boolean;
  close(): void;
}

/**
 * Opens a foreign SQLite database strictly read-only. Marquee must never write to Plex's or
 * Tautulli's files, so there is no writable fallback: when the directory is read-only and the
 * writer has stopped (no -wal/-shm to share), SQLite cannot create the shared-memory file and fails
 * with SQLITE_READONLY_DIRECTORY; we then read a private copy of db + wal instead.
 */
export function openReadOnly(file: string, busyTimeoutMs = 5000): ReadOnlyDb {
  if (!file) throw Object.assign(new Error('no database path configured'), { code: 'ENOENT' });
  // Error text is for the log only (see result.ts), so it can name the full path.
  if (!existsSync(file)) throw Object.assign(new Error(`database file does not exist: ${file}`), { code: 'ENOENT' });
  const db = new Database(file, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
  try {
    // The first real read is where WAL recovery and the -shm mapping happen.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return { db, copied: false, close: () => db.close() };
  } catch (err) {
    db.close();
    // A -wal left behind without its -shm (a crash, a backup of db + wal) fails the same way, but
    // as SQLITE_CANTOPEN. The file exists (checked above), so a copy is the only way to read it.
    const code = (err as { code?: string }).code;
    if (code !== 'SQLITE_READONLY_DIRECTORY' && code !== 'SQLITE_CANTOPEN') throw err;
    return openCopy(file, busyTimeoutMs);
  }
}

/**
 * The private copy lives in its own temp folder, removed on every path: a failed copy step (a full
 * /tmp, an unreadable -wal) left a full database copy behind each cycle, and a multi-GB Plex DB
 * fills /tmp in hours. A reader killed mid-copy cannot run this; read-all.ts points each worker's
 * temp dir at a folder it removes when the worker ends.
 */
function openCopy(file: string, busyTimeoutMs: number): ReadOnlyDb {
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-ro-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  let db: Database.Database | undefined;
  try {
    const copy = path.join(dir, path.basename(file));
    copyFileSync(file, copy);
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
    db = new Database(copy, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (err) {
    db?.close();
    remove();
    throw err;
  }
  const opened = db;
  return {
    db: opened,
    copied: true,
    close: () => {
      try {
        opened.close();
      } finally {
        remove();
      }
    },
  };
}

/** Column names of a table, so optional columns added by newer Plex versions are used only if present. */
export function columnsOf(db: Database.Database, table: string): Set<string> {
  const rows = db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[];
  return new Set(rows.map((r) => r.name));
}

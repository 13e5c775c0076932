import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export const LOCK_FILE = 'marquee.lock';

/** Another process holds the data directory. */
export class InstanceLockedError extends Error {
  constructor(readonly file: string) {
    super(
      `another Marquee is already running on this data directory (it holds ${file}); ` +
        'stop it first, or give this instance its own dataDir (MARQUEE_DATA_DIR)',
    );
    this.name = 'InstanceLockedError';
  }
}

export interface InstanceLock {
  readonly file: string;
  release(): void;
}

/**
 * One collecting Marquee per data directory: two would interleave cycles in one store and race
 * each other's Sheets outbox. A second `serve` or `collect` on the same directory refuses to start.
 *
 * The lock is SQLite's own (no pid file): a connection in exclusive locking mode that has written
 * once keeps its POSIX lock on marquee.lock until it closes, and the kernel drops that lock when the
 * process ends, however it ends (SIGKILL, OOM killer, a crash). So there is never a stale lock to
 * clean up and no pid to guess about (pids repeat across containers and restarts). It holds across
 * containers sharing a volume on one host; network filesystems may not honour it, as they may not
 * honour the store's own WAL locking either, so keep dataDir on a local disk.
 */
export function acquireInstanceLock(dataDir: string): InstanceLock {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: 0 });
  } catch (err) {
    throw new Error(`cannot open the instance lock ${file}: ${(err as Error).message}`);
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // The write takes the exclusive lock; exclusive locking mode keeps it after COMMIT.
    db.exec('BEGIN EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, started_at TEXT NOT NULL)');
    db.exec('DELETE FROM holder');
    db.prepare('INSERT INTO holder (pid, started_at) VALUES (?, ?)').run(process.pid, new Date().toISOString());
    db.exec('COMMIT');
  } catch (err) {
    db.close();
    if (String((err as { code?: string }).code).startsWith('SQLITE_BUSY')) throw new InstanceLockedError(file);
    throw new Error(`cannot take the instance lock ${file}: ${(err as Error).message}`);
  }
  return {
    file,
    release: () => {
      if (db.open) db.close();
    },
  };
}

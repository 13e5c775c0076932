import type Database from 'better-sqlite3';

/** What names a pinned render: the server it is of ('' for the only one), its ETag and the file asked for. */
export interface PinKey {
  server: string;
  /** The ETag without its quotes, as it appears in the URL. */
  etag: string;
  /** The URL's last segment, e.g. `og.png`. */
  file: string;
}

export interface StoredPin {
  png: Buffer;
  /** When it was last recorded as fetched (epoch ms); see SqlitePinStore.touch. */
  fetchedAt: number;
}

/**
 * Pinned renders in Marquee's own database (migration 003), beside the snapshots: one file to back
 * up, WAL so renderers sharing the data directory read and add pins while a collector writes, and
 * the byte bound kept by one statement instead of a walk over a folder of files.
 */
export class SqlitePinStore {
  private readonly statements;
  private readonly putAndEvict: (key: PinKey, png: Buffer, now: number) => PinKey[];

  constructor(
    db: Database.Database,
    private readonly maxBytes: number,
  ) {
    this.statements = {
      get: db.prepare<[string, string, string], { png: Buffer; fetchedAt: number }>(
        'SELECT png, fetched_at AS fetchedAt FROM pins WHERE server = ? AND etag = ? AND file = ?',
      ),
      // A pin asked for again keeps its bytes (they are the same render) and counts as fetched.
      put: db.prepare(
        `INSERT INTO pins (server, etag, file, png, bytes, created_at, fetched_at) VALUES (@server, @etag, @file, @png, @bytes, @now, @now)
         ON CONFLICT (server, etag, file) DO UPDATE SET fetched_at = MAX(fetched_at, excluded.fetched_at)`,
      ),
      touch: db.prepare('UPDATE pins SET fetched_at = ? WHERE server = ? AND etag = ? AND file = ? AND fetched_at < ?'),
      // Keeps the most recently fetched pins whose bytes add up to the bound, drops the rest.
      evict: db.prepare<[number], PinKey>(
        `DELETE FROM pins WHERE rowid IN (
           SELECT rowid FROM (
             SELECT rowid, SUM(bytes) OVER (ORDER BY fetched_at DESC, rowid DESC) AS kept FROM pins)
           WHERE kept > ?)
         RETURNING server, etag, file`,
      ),
      total: db.prepare<[], { total: number | null }>('SELECT SUM(bytes) AS total FROM pins'),
    };
    // One transaction: another process never sees the table past its bound.
    this.putAndEvict = db.transaction((key: PinKey, png: Buffer, now: number) => {
      this.statements.put.run({ ...key, png, bytes: png.length, now });
      return this.statements.evict.all(this.maxBytes);
    });
  }

  get(key: PinKey): StoredPin | undefined {
    return this.statements.get.get(key.server, key.etag, key.file);
  }

  /** Stores a pin (or marks an existing one fetched), then evicts past the bound; returns the keys evicted. */
  put(key: PinKey, png: Buffer, now: number): PinKey[] {
    return this.putAndEvict(key, png, now);
  }

  /** Records a fetch at `now`, unless a later one is already recorded. */
  touch(key: PinKey, now: number): void {
    this.statements.touch.run(now, key.server, key.etag, key.file, now);
  }

  totalBytes(): number {
    return this.statements.total.get()?.total ?? 0;
  }
}

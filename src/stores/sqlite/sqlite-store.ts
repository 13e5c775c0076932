import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { historyPointSchema, snapshotSchema, SNAPSHOT_VERSION, type HistoryPoint, type Snapshot } from '../../snapshot/schema.js';
import { ONLY_SERVER_ID } from '../../snapshot/server-key.js';
import { checkStoreKey, type SnapshotStore, type StoreHealth } from '../store.js';
import { checkReadable, migrate } from './migrate.js';

export interface SqliteStoreOptions {
  /** Path of Marquee's own database file (not Plex's or Tautulli's). */
  file: string;
  retentionDays: number;
  /**
   * Open an existing store without writing anything (`marquee render`): no directory created, no
   * migration, no pragma; `write` and `backfill` fail. The file must exist.
   */
  readOnly?: boolean;
}

export const STORE_FILE = 'marquee.db';

/** The schema version that keys snapshots and history by server (migration 004). */
const KEYED_SCHEMA = 4;

/** The store of one server key: what SqliteStore.forServer returns (and the root store itself is). */
export interface SqliteServerStore extends SnapshotStore {
  readonly kind: 'sqlite';
  /** The server id (or NETWORK_KEY) this view reads and writes. */
  readonly server: string;
  forServer(key: string): SqliteServerStore;
  /** `takenAt` of this key's stored latest snapshot (one indexed row, no JSON parse), or null. */
  latestTakenAt(): number | null;
  /** Seeds this key's graph history (first start); never overwrites points a real cycle wrote. */
  backfill(points: readonly HistoryPoint[]): number;
  isHistoryEmpty(): boolean;
}

type Statements = ReturnType<typeof keyedStatements>;

function keyedStatements(db: Database.Database) {
  return {
    upsertLatest: db.prepare(
      `INSERT INTO latest_snapshot (server, taken_at, version, json) VALUES (?, ?, ?, ?)
       ON CONFLICT (server) DO UPDATE SET taken_at = excluded.taken_at, version = excluded.version, json = excluded.json
       WHERE excluded.taken_at >= latest_snapshot.taken_at`,
    ),
    insertPoint: db.prepare(
      `INSERT OR REPLACE INTO history_points (server, at, streams, transcodes, bandwidth_kbps, cpu_pct, mem_pct, temperature_c)
       VALUES (@server, @at, @streams, @transcodes, @bandwidthKbps, @cpuPct, @memPct, @temperatureC)`,
    ),
    seedPoint: db.prepare(
      `INSERT OR IGNORE INTO history_points (server, at, streams, transcodes, bandwidth_kbps, cpu_pct, mem_pct, temperature_c)
       VALUES (@server, @at, @streams, @transcodes, @bandwidthKbps, @cpuPct, @memPct, @temperatureC)`,
    ),
    // Per key, so it walks the primary key (server, at) instead of every server's rows.
    prune: db.prepare('DELETE FROM history_points WHERE server = ? AND at < ?'),
    latest: db.prepare('SELECT version, json FROM latest_snapshot WHERE server = ?'),
    latestTakenAt: db.prepare('SELECT taken_at FROM latest_snapshot WHERE server = ?').pluck(),
    anyPoint: db.prepare('SELECT 1 FROM history_points WHERE server = ? LIMIT 1'),
    history: db.prepare(
      `SELECT * FROM (
         SELECT at, streams, transcodes, bandwidth_kbps AS bandwidthKbps, cpu_pct AS cpuPct, mem_pct AS memPct,
                temperature_c AS temperatureC
         FROM history_points WHERE server = ? AND at >= ? ORDER BY at DESC LIMIT ?)
       ORDER BY at`,
    ),
  };
}

/** Reads of what a one-server Marquee (schema 1 to 3) stored: all of it belongs to ONLY_SERVER_ID. */
function legacyReads(db: Database.Database) {
  const latest = db.prepare('SELECT version, json FROM latest_snapshot WHERE id = 1');
  const latestTakenAt = db.prepare('SELECT taken_at FROM latest_snapshot WHERE id = 1').pluck();
  const anyPoint = db.prepare('SELECT 1 FROM history_points LIMIT 1');
  const history = db.prepare(
    `SELECT * FROM (
       SELECT at, streams, transcodes, bandwidth_kbps AS bandwidthKbps, cpu_pct AS cpuPct, mem_pct AS memPct,
              temperature_c AS temperatureC
       FROM history_points WHERE at >= ? ORDER BY at DESC LIMIT ?)
     ORDER BY at`,
  );
  const mine = (key: string) => key === ONLY_SERVER_ID;
  return {
    latest: (key: string) => (mine(key) ? latest.get() : undefined),
    latestTakenAt: (key: string) => (mine(key) ? latestTakenAt.get() : undefined),
    anyPoint: (key: string) => (mine(key) ? anyPoint.get() : undefined),
    history: (key: string, since: number, limit: number) => (mine(key) ? history.all(since, limit) : []),
  };
}

type Reads = Pick<ReturnType<typeof legacyReads>, 'latest' | 'latestTakenAt' | 'anyPoint' | 'history'>;

/** What every view of one database shares: the connection, its statements and the store's health. */
class SqliteCore {
  readonly db: Database.Database;
  readonly views = new Map<string, SqliteServerView>();
  /** The last write error of each key whose latest write failed; a key's success clears its own. */
  readonly errors = new Map<string, string>();
  lastSuccessAt: number | null = null;
  readonly reads: Reads;
  private readonly writes: Statements | null;

  constructor(readonly options: SqliteStoreOptions) {
    if (options.readOnly) {
      this.db = new Database(options.file, { readonly: true, fileMustExist: true, timeout: 5000 });
      const version = checkReadable(this.db);
      // `marquee render` may meet a store no newer Marquee has opened yet: it cannot migrate it
      // (read-only), so it reads the one-server tables as they are.
      if (version < KEYED_SCHEMA) {
        this.reads = legacyReads(this.db);
        this.writes = null;
        return;
      }
    } else {
      mkdirSync(path.dirname(options.file), { recursive: true });
      this.db = new Database(options.file, { timeout: 5000 });
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      migrate(this.db);
    }
    const s = keyedStatements(this.db);
    this.writes = s;
    this.reads = {
      latest: (key) => s.latest.get(key),
      latestTakenAt: (key) => s.latestTakenAt.get(key),
      anyPoint: (key) => s.anyPoint.get(key),
      history: (key, since, limit) => s.history.all(key, since, limit),
    };
  }

  statements(): Statements {
    // Statements of a read-only connection prepare but fail on run with SQLite's own message.
    if (!this.writes) throw new Error('this store was opened read-only on an older schema; it cannot be written');
    return this.writes;
  }
}

/**
 * One server's share of Marquee's embedded store. WAL lets the HTTP side read while a cycle
 * writes; every cycle of a key is one transaction, so a crash mid-cycle leaves that key's previous
 * cycle intact and never half of a new one.
 */
export class SqliteServerView implements SqliteServerStore {
  readonly kind = 'sqlite' as const;

  protected constructor(
    protected readonly core: SqliteCore,
    readonly server: string,
  ) {}

  /** The store of another server key on the same connection (an id, or NETWORK_KEY). */
  forServer(key: string): SqliteServerStore {
    checkStoreKey(key);
    let view = this.core.views.get(key);
    if (!view) {
      view = new SqliteServerView(this.core, key);
      this.core.views.set(key, view);
    }
    return view;
  }

  async write(snapshot: Snapshot, point: HistoryPoint): Promise<void> {
    const retentionMs = this.core.options.retentionDays * 86_400_000;
    try {
      const s = this.core.statements();
      this.core.db.transaction(() => {
        s.upsertLatest.run(this.server, snapshot.takenAt, snapshot.version, JSON.stringify(snapshot));
        s.insertPoint.run({ ...historyPointSchema.parse(point), server: this.server });
        s.prune.run(this.server, snapshot.takenAt - retentionMs);
      })();
      this.core.errors.delete(this.server);
      this.core.lastSuccessAt = Math.max(this.core.lastSuccessAt ?? snapshot.takenAt, snapshot.takenAt);
    } catch (err) {
      this.core.errors.set(this.server, (err as Error).message);
      throw err;
    }
  }

  backfill(points: readonly HistoryPoint[]): number {
    const s = this.core.statements();
    return this.core.db.transaction(() => points.reduce((n, p) => n + s.seedPoint.run({ ...p, server: this.server }).changes, 0))();
  }

  isHistoryEmpty(): boolean {
    return this.core.reads.anyPoint(this.server) === undefined;
  }

  async latest(): Promise<Snapshot | null> {
    const row = this.core.reads.latest(this.server) as { version: number; json: string } | undefined;
    if (!row || row.version !== SNAPSHOT_VERSION) return null;
    return snapshotSchema.parse(JSON.parse(row.json));
  }

  /** When this key's stored latest snapshot was taken (another process may have written it), or null. */
  latestTakenAt(): number | null {
    return (this.core.reads.latestTakenAt(this.server) as number | undefined) ?? null;
  }

  async history(since: number, limit = 10_000): Promise<HistoryPoint[]> {
    return this.core.reads.history(this.server, since, limit) as HistoryPoint[];
  }

  /** The store's health, whichever view asks: an error while any key's latest write failed. */
  health(): StoreHealth {
    const [failed] = this.core.errors.values();
    return failed !== undefined
      ? {
          status: 'error',
          code: /SQLITE_FULL|disk is full|ENOSPC/i.test(failed) ? 'full' : 'failed',
          message: failed,
          lastSuccessAt: this.core.lastSuccessAt,
        }
      : { status: 'ok', lastSuccessAt: this.core.lastSuccessAt };
  }

  /** A view does not own the connection: the root store closes it. */
  async close(): Promise<void> {}
}

/**
 * Marquee's embedded store, opened on one file. The object itself is the store of ONLY_SERVER_ID,
 * so one-server code reads and writes it as before; `forServer(id)` gives every other server's
 * (and the network's) store on the same connection.
 */
export class SqliteStore extends SqliteServerView {
  readonly db: Database.Database;

  constructor(options: SqliteStoreOptions) {
    const core = new SqliteCore(options);
    super(core, ONLY_SERVER_ID);
    core.views.set(ONLY_SERVER_ID, this);
    this.db = core.db;
  }

  override async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { historyPointSchema, snapshotSchema, SNAPSHOT_VERSION, type HistoryPoint, type Snapshot } from '../../snapshot/schema.js';
import type { SnapshotStore, StoreHealth } from '../store.js';
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

/**
 * Marquee's embedded store. WAL lets the HTTP side read while a cycle writes; every cycle is one
 * transaction, so a crash mid-cycle leaves the previous cycle intact and never half of a new one.
 */
export class SqliteStore implements SnapshotStore {
  readonly kind = 'sqlite' as const;
  readonly db: Database.Database;
  private lastError: string | null = null;
  private lastSuccessAt: number | null = null;
  private readonly statements;

  constructor(private readonly options: SqliteStoreOptions) {
    if (options.readOnly) {
      this.db = new Database(options.file, { readonly: true, fileMustExist: true, timeout: 5000 });
      checkReadable(this.db);
    } else {
      mkdirSync(path.dirname(options.file), { recursive: true });
      this.db = new Database(options.file, { timeout: 5000 });
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      migrate(this.db);
    }
    this.statements = {
      upsertLatest: this.db.prepare(
        `INSERT INTO latest_snapshot (id, taken_at, version, json) VALUES (1, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET taken_at = excluded.taken_at, version = excluded.version, json = excluded.json
         WHERE excluded.taken_at >= latest_snapshot.taken_at`,
      ),
      insertPoint: this.db.prepare(
        `INSERT OR REPLACE INTO history_points (at, streams, transcodes, bandwidth_kbps, cpu_pct, mem_pct, temperature_c)
         VALUES (@at, @streams, @transcodes, @bandwidthKbps, @cpuPct, @memPct, @temperatureC)`,
      ),
      prune: this.db.prepare('DELETE FROM history_points WHERE at < ?'),
      latest: this.db.prepare('SELECT version, json FROM latest_snapshot WHERE id = 1'),
      latestTakenAt: this.db.prepare('SELECT taken_at FROM latest_snapshot WHERE id = 1').pluck(),
      history: this.db.prepare(
        `SELECT * FROM (
           SELECT at, streams, transcodes, bandwidth_kbps AS bandwidthKbps, cpu_pct AS cpuPct, mem_pct AS memPct,
                  temperature_c AS temperatureC
           FROM history_points WHERE at >= ? ORDER BY at DESC LIMIT ?)
         ORDER BY at`,
      ),
    };
  }

  async write(snapshot: Snapshot, point: HistoryPoint): Promise<void> {
    const retentionMs = this.options.retentionDays * 86_400_000;
    try {
      this.db.transaction(() => {
        this.statements.upsertLatest.run(snapshot.takenAt, snapshot.version, JSON.stringify(snapshot));
        this.statements.insertPoint.run(historyPointSchema.parse(point));
        this.statements.prune.run(snapshot.takenAt - retentionMs);
      })();
      this.lastError = null;
      this.lastSuccessAt = snapshot.takenAt;
    } catch (err) {
      this.lastError = (err as Error).message;
      throw err;
    }
  }

  /** Seeds graph history (first start); never overwrites points a real cycle wrote. */
  backfill(points: readonly HistoryPoint[]): number {
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO history_points (at, streams, transcodes, bandwidth_kbps, cpu_pct, mem_pct, temperature_c)
       VALUES (@at, @streams, @transcodes, @bandwidthKbps, @cpuPct, @memPct, @temperatureC)`,
    );
    return this.db.transaction(() => points.reduce((n, p) => n + insert.run(p).changes, 0))();
  }

  isHistoryEmpty(): boolean {
    return this.db.prepare('SELECT 1 FROM history_points LIMIT 1').get() === undefined;
  }

  async latest(): Promise<Snapshot | null> {
    const row = this.statements.latest.get() as { version: number; json: string } | undefined;
    if (!row || row.version !== SNAPSHOT_VERSION) return null;
    return snapshotSchema.parse(JSON.parse(row.json));
  }

  /** When the stored latest snapshot was taken (another process may have written it), or null. */
  latestTakenAt(): number | null {
    return (this.statements.latestTakenAt.get() as number | undefined) ?? null;
  }

  async history(since: number, limit = 10_000): Promise<HistoryPoint[]> {
    return this.statements.history.all(since, limit) as HistoryPoint[];
  }

  health(): StoreHealth {
    return this.lastError
      ? {
          status: 'error',
          code: /SQLITE_FULL|disk is full|ENOSPC/i.test(this.lastError) ? 'full' : 'failed',
          message: this.lastError,
          lastSuccessAt: this.lastSuccessAt,
        }
      : { status: 'ok', lastSuccessAt: this.lastSuccessAt };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import { createSheetsAuth, SheetsStore, SqliteOutbox } from './sheets/index.js';
import type { SheetsAuth } from './sheets/client.js';
import { SqliteStore, STORE_FILE } from './sqlite/sqlite-store.js';
import type { SnapshotStore } from './store.js';

export interface Stores {
  /** Always open: it holds the Sheets outbox even when snapshots go only to the Sheet. */
  sqlite: SqliteStore;
  sheets: SheetsStore | null;
  /** Where each collection cycle is written (store.write). */
  write: SnapshotStore[];
  /** Where the server reads snapshots from (store.read). */
  read: SnapshotStore;
  all: SnapshotStore[];
}

/** `sheetsAuth` replaces the service-account client (tests talk to the local emulator with a static token). */
export function createStores(config: Config, logger: Logger, clock: () => number, sheetsAuth?: SheetsAuth): Stores {
  const sqlite = new SqliteStore({ file: path.join(config.dataDir, STORE_FILE), retentionDays: config.history.retentionDays });
  const usesSheets = config.store.write !== 'sqlite' || config.store.read === 'sheets';
  const sheets = usesSheets && config.sheets ? createSheetsStore(config, sqlite, logger, clock, sheetsAuth) : null;
  const write: SnapshotStore[] = [];
  if (config.store.write !== 'sheets') write.push(sqlite);
  if (config.store.write !== 'sqlite' && sheets) write.push(sheets);
  const read = config.store.read === 'sheets' && sheets ? sheets : sqlite;
  return { sqlite, sheets, write, read, all: sheets ? [sqlite, sheets] : [sqlite] };
}

function createSheetsStore(config: Config, sqlite: SqliteStore, logger: Logger, clock: () => number, sheetsAuth?: SheetsAuth): SheetsStore {
  return new SheetsStore({
    ...sheetsOptions(config, clock, { readOnly: config.store.write === 'sqlite', ...(sheetsAuth ? { sheetsAuth } : {}) }),
    outbox: new SqliteOutbox(sqlite.db),
    historyMaxRows: config.sheets!.historyMaxRows,
    logger,
  });
}

/** What a Sheet store is opened with, writer or reader: the one reading of `config.sheets`. */
function sheetsOptions(config: Config, clock: () => number, o: { readOnly: boolean; sheetsAuth?: SheetsAuth }) {
  const s = config.sheets!;
  return {
    spreadsheetId: s.spreadsheetId,
    auth:
      o.sheetsAuth ??
      createSheetsAuth({
        ...(s.keyFile ? { keyFile: s.keyFile } : {}),
        ...(s.credentialsJson ? { credentialsJson: s.credentialsJson } : {}),
        readOnly: o.readOnly,
      }),
    ...(s.rootUrl ? { rootUrl: s.rootUrl } : {}),
    retry: { maxElapsedMs: s.writeBudgetMs },
    readerTtlMs: s.readerTtlS * 1000,
    now: clock,
  };
}

/**
 * The read store (store.read) opened to read only (`marquee render`): nothing is created, migrated
 * or written, and no instance lock is needed. Null when the SQLite store does not exist yet.
 */
export function openStoreReader(config: Config, clock: () => number, sheetsAuth?: SheetsAuth): SnapshotStore | null {
  if (config.store.read === 'sheets' && config.sheets) {
    return new SheetsStore(sheetsOptions(config, clock, { readOnly: true, ...(sheetsAuth ? { sheetsAuth } : {}) }));
  }
  const file = path.join(config.dataDir, STORE_FILE);
  return existsSync(file) ? new SqliteStore({ file, retentionDays: config.history.retentionDays, readOnly: true }) : null;
}

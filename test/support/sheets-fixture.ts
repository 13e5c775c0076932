import { randomUUID } from 'node:crypto';
import { auth } from '@googleapis/sheets';
import Database from 'better-sqlite3';
import { OUTBOX_DDL, SqliteOutbox } from '../../src/stores/sheets/outbox.js';
import { SheetsStore, type SheetsStoreOptions } from '../../src/stores/sheets/sheets-store.js';
import type { SheetsEmulator } from './sheets-emulator.js';

/** A static bearer token: no refresh, no token endpoint (the production JWT path has its own test). */
export function staticAuth(): InstanceType<typeof auth.OAuth2> {
  const o = new auth.OAuth2();
  o.setCredentials({ access_token: 'test-token' });
  return o;
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg?: string;
}

export function captureLogger(): { lines: LogLine[]; logger: NonNullable<SheetsStoreOptions['logger']> } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
}

export interface SheetsRig {
  store: SheetsStore;
  spreadsheetId: string;
  db: Database.Database;
  outbox: SqliteOutbox;
  /** Another store on the same sheet and outbox DB, as after a process restart. */
  reopen(overrides?: Partial<SheetsStoreOptions>): SheetsStore;
}

/** A SheetsStore on a fresh spreadsheet (no tabs of ours yet) of the emulator, with a SQLite outbox. */
export function sheetsRig(emu: SheetsEmulator, overrides: Partial<SheetsStoreOptions> = {}): SheetsRig {
  const spreadsheetId = `sheet-${randomUUID()}`;
  emu.addSpreadsheet(spreadsheetId, ['Sheet1']);
  const db = new Database(':memory:');
  db.exec(OUTBOX_DDL);
  const outbox = new SqliteOutbox(db);
  const make = (o: Partial<SheetsStoreOptions>): SheetsStore =>
    new SheetsStore({
      spreadsheetId,
      rootUrl: emu.rootUrl,
      auth: staticAuth(),
      outbox,
      retry: { maxElapsedMs: 2000, baseMs: 5 },
      readerTtlMs: 0,
      historyMaxRows: 1000,
      ...o,
    });
  return { store: make(overrides), spreadsheetId, db, outbox, reopen: (o = {}) => make({ ...overrides, ...o }) };
}

/** A clock tests move by hand. */
export function fakeClock(start = Date.UTC(2025, 0, 15, 12, 0, 0)): { now: () => number; advance(ms: number): void; set(t: number): void } {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
    set(v) {
      t = v;
    },
  };
}

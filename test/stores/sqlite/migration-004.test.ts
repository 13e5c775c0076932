import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryPoint, Snapshot } from '../../../src/snapshot/schema.js';
import { SqliteOutbox } from '../../../src/stores/sheets/outbox.js';
import { applyMigrations, loadMigrations, migrate } from '../../../src/stores/sqlite/migrate.js';
import { SqlitePinStore } from '../../../src/stores/sqlite/pin-store.js';
import { SqliteStore } from '../../../src/stores/sqlite/sqlite-store.js';
import { sampleCycle } from '../../support/sample-snapshot.js';

/**
 * Migration 004 (issue 20) on the store a one-server Marquee of schema version 3 left behind,
 * with data in every table. The version 3 store is made the way that Marquee made it: its own
 * migrations 001-003, then its writes as SqliteStore.write and SqliteOutbox.enqueue ran them at
 * d73b9c4 (statements copied below). Oracle: the values the test itself wrote.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const cycles = [0, 1, 2].map((i) => sampleCycle(i));
const latest = cycles[2]!.snapshot;
const queued = { cycleAt: latest.takenAt, payload: '{"snapshot":{},"point":{}}' };

/** A marquee.db of schema version 3 holding three cycles, one undelivered Sheets cycle and one pin. */
function versionThreeStore(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-m004-'));
  dirs.push(dir);
  const file = path.join(dir, 'marquee.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  migrate(
    db,
    loadMigrations().filter((m) => m.version <= 3),
  );
  // SqliteStore.write at d73b9c4: one transaction per cycle.
  const upsertLatest = db.prepare(
    `INSERT INTO latest_snapshot (id, taken_at, version, json) VALUES (1, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET taken_at = excluded.taken_at, version = excluded.version, json = excluded.json
     WHERE excluded.taken_at >= latest_snapshot.taken_at`,
  );
  const insertPoint = db.prepare(
    `INSERT OR REPLACE INTO history_points (at, streams, transcodes, bandwidth_kbps, cpu_pct, mem_pct, temperature_c)
     VALUES (@at, @streams, @transcodes, @bandwidthKbps, @cpuPct, @memPct, @temperatureC)`,
  );
  for (const { snapshot, point } of cycles) {
    db.transaction(() => {
      upsertLatest.run(snapshot.takenAt, snapshot.version, JSON.stringify(snapshot));
      insertPoint.run(point);
    })();
  }
  // SqliteOutbox.enqueue at d73b9c4, then one failed delivery (SqliteOutbox.markFailed).
  db.prepare('INSERT OR IGNORE INTO sheets_outbox (cycle_at, payload, attempts, enqueued_at) VALUES (?, ?, 0, ?)').run(
    queued.cycleAt,
    queued.payload,
    5,
  );
  db.prepare('UPDATE sheets_outbox SET attempts = attempts + 1, last_error = ? WHERE cycle_at = ?').run('503: unavailable', queued.cycleAt);
  new SqlitePinStore(db, 10_000).put({ server: '', etag: 'e1', file: 'status.png' }, Buffer.from([1, 2, 3]), 7);
  expect(db.pragma('user_version', { simple: true })).toBe(3);
  db.close();
  return file;
}

describe('migration 004: a one-server store becomes the store of server "default"', () => {
  it('keeps the latest snapshot, the history and the queued Sheets cycle, all as the default server', async () => {
    const store = new SqliteStore({ file: versionThreeStore(), retentionDays: 3650 });
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(4);
      expect(await store.latest()).toEqual(latest);
      expect(store.latestTakenAt()).toBe(latest.takenAt);
      expect(await store.history(0)).toEqual(cycles.map((c) => c.point));
      expect(store.isHistoryEmpty()).toBe(false);
      expect(new SqliteOutbox(store.db).peek('default', 10)).toEqual([{ cycleAt: queued.cycleAt, payload: queued.payload, attempts: 1 }]);
      expect(new SqliteOutbox(store.db).servers()).toEqual(['default']);
      expect(new SqlitePinStore(store.db, 10_000).get({ server: '', etag: 'e1', file: 'status.png' })?.png).toEqual(Buffer.from([1, 2, 3]));
      // Nothing of the one server leaks to a server added later, or to the network.
      for (const key of ['home', '_network']) {
        const view = store.forServer(key);
        expect(await view.latest()).toBeNull();
        expect(view.latestTakenAt()).toBeNull();
        expect(await view.history(0)).toEqual([]);
        expect(view.isHistoryEmpty()).toBe(true);
      }
    } finally {
      await store.close();
    }
  });

  it('goes on writing the default server after the migration, and other servers beside it', async () => {
    const file = versionThreeStore();
    const store = new SqliteStore({ file, retentionDays: 3650 });
    const next = sampleCycle(3);
    await store.write(next.snapshot, next.point);
    const home = sampleCycle(3);
    home.point.streams = 42;
    await store.forServer('home').write(home.snapshot, home.point);
    expect(await store.history(0)).toEqual([...cycles, next].map((c) => c.point));
    expect(await store.forServer('home').history(0)).toEqual([home.point]);
    await store.close();
    // Reopened, nothing migrates twice.
    const again = new SqliteStore({ file, retentionDays: 3650 });
    expect(again.db.pragma('user_version', { simple: true })).toBe(4);
    expect(await again.latest()).toEqual(next.snapshot);
    await again.close();
  });

  it('keeps the columns a metric query reads, in their order, with the server last', () => {
    const store = new SqliteStore({ file: versionThreeStore(), retentionDays: 3650 });
    const columns = (table: string) => (store.db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
    expect(columns('history_points')).toEqual([
      'at',
      'streams',
      'transcodes',
      'bandwidth_kbps',
      'cpu_pct',
      'mem_pct',
      'temperature_c',
      'server',
    ]);
    expect(columns('latest_snapshot')).toEqual(['server', 'taken_at', 'version', 'json']);
    // A metric written for one server still counts only its points (none of a second server's yet).
    expect(store.db.prepare('SELECT COUNT(*) FROM history_points').pluck().get()).toBe(3);
    void store.close();
  });

  it('runs once when two processes on the file both saw version 3', async () => {
    const file = versionThreeStore();
    const late = new Database(file);
    const first = new SqliteStore({ file, retentionDays: 3650 });
    const home = sampleCycle(5);
    await first.forServer('home').write(home.snapshot, home.point);
    // The second process read user_version 3 before the first migrated, and migrates now.
    applyMigrations(late, loadMigrations(), 3);
    late.close();
    expect(await first.forServer('home').latest()).toEqual(home.snapshot);
    expect(await first.forServer('home').history(0)).toEqual([home.point]);
    expect(await first.history(0)).toEqual(cycles.map((c) => c.point));
    await first.close();
  });

  it('is all or nothing: a migration that fails part way leaves the version 3 store as it was', async () => {
    const file = versionThreeStore();
    const db = new Database(file);
    // A table in the way of the migration's third rebuild makes it fail after the first two ran.
    db.exec('CREATE TABLE sheets_outbox_v3 (x)');
    db.close();
    expect(() => new SqliteStore({ file, retentionDays: 3650 })).toThrow(/sheets_outbox_v3/);
    const after = new Database(file, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(3);
    expect(after.prepare('SELECT id, taken_at FROM latest_snapshot').get()).toEqual({ id: 1, taken_at: latest.takenAt });
    expect(after.prepare('SELECT COUNT(*) FROM history_points').pluck().get()).toBe(3);
    expect(after.prepare("SELECT name FROM sqlite_schema WHERE name LIKE '%_v3' AND name != 'sheets_outbox_v3'").all()).toEqual([]);
    after.close();
  });
});

describe('a read-only store on a version 3 file (marquee render before any newer Marquee ran)', () => {
  it("reads the one server's data as the default server's, without migrating, and refuses writes", async () => {
    const file = versionThreeStore();
    const store = new SqliteStore({ file, retentionDays: 3650, readOnly: true });
    try {
      expect(await store.latest()).toEqual(latest);
      expect(store.latestTakenAt()).toBe(latest.takenAt);
      expect(await store.history(cycles[1]!.point.at)).toEqual(cycles.slice(1).map((c) => c.point));
      expect(await store.forServer('home').latest()).toBeNull();
      expect(await store.forServer('home').history(0)).toEqual([]);
      expect(store.forServer('home').latestTakenAt()).toBeNull();
      const c = sampleCycle(9);
      await expect(store.write(c.snapshot, c.point)).rejects.toThrow(/read-only/);
      expect(store.db.pragma('user_version', { simple: true })).toBe(3);
    } finally {
      await store.close();
    }
  });
});

describe('per-key reads stay cheap', () => {
  it("answers latestTakenAt from the key's one row without reading its JSON", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-m004-'));
    dirs.push(dir);
    const store = new SqliteStore({ file: path.join(dir, 'marquee.db'), retentionDays: 30 });
    const c: { snapshot: Snapshot; point: HistoryPoint } = sampleCycle(0);
    for (let i = 0; i < 50; i++) await store.forServer(`s${i}`).write(c.snapshot, c.point);
    store.db.prepare("UPDATE latest_snapshot SET json = '{not json' WHERE server = 's7'").run();
    expect(store.forServer('s7').latestTakenAt()).toBe(c.snapshot.takenAt);
    await expect(store.forServer('s7').latest()).rejects.toThrow();
    // The key is the table's primary key: a search, never a scan of every server's row.
    const plan = (sql: string, ...params: unknown[]) =>
      (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('; ');
    expect(plan('SELECT taken_at FROM latest_snapshot WHERE server = ?', 's7')).toMatch(
      /^SEARCH latest_snapshot USING INDEX \S+ \(server=\?\)$/,
    );
    expect(plan('SELECT at FROM history_points WHERE server = ? AND at >= ?', 's7', 0)).toMatch(
      /^SEARCH history_points USING PRIMARY KEY \(server=\? AND at>\?\)$/,
    );
    await store.close();
  });

  it('seeds and reports the history of each key on its own', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-m004-'));
    dirs.push(dir);
    const store = new SqliteStore({ file: path.join(dir, 'marquee.db'), retentionDays: 30 });
    const points = cycles.map((c) => c.point);
    expect(store.forServer('home').backfill(points)).toBe(3);
    expect(store.forServer('home').isHistoryEmpty()).toBe(false);
    expect(store.forServer('4k').isHistoryEmpty()).toBe(true);
    expect(store.isHistoryEmpty()).toBe(true);
    // A real cycle's point wins over a seeded one of the same moment, key by key.
    const real = { ...points[1]!, streams: 99 };
    await store.forServer('home').write(cycles[1]!.snapshot, real);
    expect(store.forServer('home').backfill(points)).toBe(0);
    expect(store.forServer('4k').backfill(points)).toBe(3);
    expect((await store.forServer('home').history(0)).map((p) => p.streams)).toEqual([points[0]!.streams, 99, points[2]!.streams]);
    await store.close();
  });
});

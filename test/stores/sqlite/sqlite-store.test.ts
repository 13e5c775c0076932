import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../src/stores/sqlite/sqlite-store.js';
import { sampleCycle } from '../../support/sample-snapshot.js';
import { describeStoreContract } from '../store-contract.js';

function tempStore(retentionDays = 30) {
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-store-'));
  const file = path.join(dir, 'marquee.db');
  return { file, store: new SqliteStore({ file, retentionDays }), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describeStoreContract('sqlite', () => tempStore());

describe('SQLite store', () => {
  it('migrates a new file to the latest numbered migration', () => {
    const { file, store, cleanup } = tempStore();
    const version = store.db.pragma('user_version', { simple: true });
    void store.close();
    const reopened = new SqliteStore({ file, retentionDays: 30 });
    expect(reopened.db.pragma('user_version', { simple: true })).toBe(version);
    expect(version).toBeGreaterThanOrEqual(2);
    void reopened.close();
    cleanup();
  });

  it('drops history points older than the retention period on write', async () => {
    const { store, cleanup } = tempStore(1);
    const day = 86_400_000;
    const old = sampleCycle(0, Date.UTC(2025, 0, 1));
    const recent = sampleCycle(0, Date.UTC(2025, 0, 1) + 2 * day);
    await store.write(old.snapshot, old.point);
    await store.write(recent.snapshot, recent.point);
    expect((await store.history(0)).map((p) => p.at)).toEqual([recent.point.at]);
    await store.close();
    cleanup();
  });

  it('uses WAL so the server reads while a cycle writes', () => {
    const { file, store, cleanup } = tempStore();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    void store.close();
    cleanup();
  });

  it("stays in error while one server's last write failed, whatever the other servers' writes did", async () => {
    const { store, cleanup } = tempStore();
    const c = sampleCycle(0);
    // A point the schema refuses: the write fails before anything is stored.
    await expect(store.forServer('home').write(c.snapshot, { ...c.point, streams: Number.NaN })).rejects.toThrow();
    await store.write(c.snapshot, c.point);
    await store.forServer('4k').write(c.snapshot, c.point);
    expect(store.health().status).toBe('error');
    expect(store.forServer('4k').health()).toEqual(store.health());
    expect(await store.forServer('home').latest()).toBeNull();
    await store.forServer('home').write(c.snapshot, c.point);
    expect(store.health()).toEqual({ status: 'ok', lastSuccessAt: c.snapshot.takenAt });
    await store.close();
    cleanup();
  });

  it('refuses a store written by a newer Marquee', () => {
    const { file, store, cleanup } = tempStore();
    store.db.pragma('user_version = 999');
    void store.close();
    expect(() => new SqliteStore({ file, retentionDays: 30 })).toThrow(/newer than this Marquee/);
    cleanup();
  });
});

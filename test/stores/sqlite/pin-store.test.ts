import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../../src/stores/sqlite/migrate.js';
import { SqlitePinStore, type PinKey } from '../../../src/stores/sqlite/pin-store.js';
import { SqliteStore } from '../../../src/stores/sqlite/sqlite-store.js';

/**
 * Pins in Marquee's own database file (migration 003). Oracle: byte counts are the lengths of the
 * buffers the test writes, and which pins survive follows from "keep the most recently fetched
 * pins whose bytes fit the bound", worked out by hand below each case.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function openStore(file?: string): { store: SqliteStore; file: string } {
  const f = file ?? path.join(mkdtempSync(path.join(tmpdir(), 'marquee-pins-')), 'marquee.db');
  if (!file) dirs.push(path.dirname(f));
  return { store: new SqliteStore({ file: f, retentionDays: 30 }), file: f };
}

const key = (etag: string, file = 'og.png', server = ''): PinKey => ({ server, etag, file });
const bytes = (n: number, fill: number) => Buffer.alloc(n, fill);

describe('pins table', () => {
  it('keeps pins across a reopen of the file, byte for byte', () => {
    const { store, file } = openStore();
    new SqlitePinStore(store.db, 10_000).put(key('a'), bytes(1000, 1), 5);
    void store.close();
    const reopened = openStore(file).store;
    const pin = new SqlitePinStore(reopened.db, 10_000).get(key('a'));
    expect(pin?.png.equals(bytes(1000, 1))).toBe(true);
    expect(pin?.fetchedAt).toBe(5);
    void reopened.close();
  });

  it('keys by server, ETag and file', () => {
    const { store } = openStore();
    const pins = new SqlitePinStore(store.db, 10_000);
    pins.put(key('a', 'og.png', ''), bytes(10, 1), 1);
    pins.put(key('a', 'og.png', 'fourk'), bytes(10, 2), 1);
    expect(pins.get(key('a', 'og.png', 'fourk'))?.png[0]).toBe(2);
    expect(pins.get(key('a', 'og.png', ''))?.png[0]).toBe(1);
    expect(pins.get(key('a', 'signature.png', ''))).toBeUndefined();
    void store.close();
  });

  it('evicts the least recently fetched pins once their bytes pass the bound', () => {
    const { store } = openStore();
    const pins = new SqlitePinStore(store.db, 3000);
    pins.put(key('a'), bytes(1000, 1), 10);
    pins.put(key('b'), bytes(1000, 2), 20);
    pins.put(key('c'), bytes(1000, 3), 30);
    // 'a' is fetched after 'b' and 'c' were made: 'b' is now the least recently fetched.
    pins.touch(key('a'), 40);
    // 4,000 bytes > 3,000: one pin must go, the one fetched longest ago.
    expect(pins.put(key('d'), bytes(1000, 4), 50)).toEqual([key('b')]);
    expect(['a', 'b', 'c', 'd'].map((e) => pins.get(key(e)) !== undefined)).toEqual([true, false, true, true]);
    expect(pins.totalBytes()).toBe(3000);
    // The newest pin, 2,500 bytes, leaves no room for any 1,000-byte one: 2,500 + 1,000 > 3,000.
    expect(
      pins
        .put(key('e'), bytes(2500, 5), 60)
        .map((k) => k.etag)
        .sort(),
    ).toEqual(['a', 'c', 'd']);
    expect(pins.totalBytes()).toBe(2500);
    void store.close();
  });

  it('pinning again keeps the bytes and counts as a fetch; a touch never moves a fetch back in time', () => {
    const { store } = openStore();
    const pins = new SqlitePinStore(store.db, 10_000);
    pins.put(key('a'), bytes(10, 1), 10);
    pins.put(key('a'), bytes(10, 9), 20);
    expect(pins.get(key('a'))).toMatchObject({ fetchedAt: 20 });
    expect(pins.get(key('a'))?.png[0]).toBe(1);
    pins.touch(key('a'), 15);
    expect(pins.get(key('a'))?.fetchedAt).toBe(20);
    void store.close();
  });

  it('is migration 003 of a store made by an older Marquee (schema version 2)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-pins-old-'));
    dirs.push(dir);
    const file = path.join(dir, 'marquee.db');
    // What a Marquee of schema version 2 left: its own two migrations, applied as it applied them.
    const old = new Database(file);
    migrate(
      old,
      loadMigrations().filter((m) => m.version <= 2),
    );
    old.close();
    const { store } = openStore(file);
    expect(store.db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(3);
    new SqlitePinStore(store.db, 10_000).put(key('a'), bytes(10, 1), 1);
    void store.close();
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PinnedVersions } from '../../src/server/pins.js';
import { SqlitePinStore, type PinKey } from '../../src/stores/sqlite/pin-store.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';

/**
 * PinnedVersions: the memory in front of the pins table. A fetch is recorded in the table at most
 * once per `touchEveryMs`, and a pin the table evicts is gone from memory too. Oracle: the table
 * itself, read back through a second connection to the same file.
 */

const dirs: string[] = [];
const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function rig(maxBytes: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-pinned-'));
  dirs.push(dir);
  const file = path.join(dir, 'marquee.db');
  const store = new SqliteStore({ file, retentionDays: 30 });
  const reader = new SqliteStore({ file, retentionDays: 30 });
  stores.push(store, reader);
  const state = { now: 1_000, puts: 0, gets: 0, touches: 0 };
  const table = new SqlitePinStore(store.db, maxBytes);
  const counted = {
    put: (k: PinKey, png: Buffer, now: number) => (state.puts++, table.put(k, png, now)),
    get: (k: PinKey) => (state.gets++, table.get(k)),
    touch: (k: PinKey, now: number) => (state.touches++, table.touch(k, now)),
  };
  const pins = new PinnedVersions({ store: counted, clock: () => state.now, touchEveryMs: 60_000 });
  return { pins, state, read: new SqlitePinStore(reader.db, maxBytes) };
}

const key = (etag: string): PinKey => ({ server: '', etag, file: 'og.png' });

describe('pinned versions', () => {
  it('serves a pin from memory, with its ETag quoted as sent, and writes a fetch at most once a minute', () => {
    const { pins, state, read } = rig(1 << 20);
    pins.pin(key('a'), Buffer.from('png-a'));
    expect(pins.get(key('a'))).toEqual({ png: Buffer.from('png-a'), etag: '"a"' });
    expect(state.gets).toBe(0);
    state.now += 59_999;
    pins.get(key('a'));
    expect(state.touches).toBe(0);
    state.now += 1;
    pins.get(key('a'));
    pins.get(key('a'));
    expect(state.touches).toBe(1);
    expect(read.get(key('a'))?.fetchedAt).toBe(state.now);
  });

  it('reads a pin it does not hold from the table (another process, or before a restart)', () => {
    const { pins, read } = rig(1 << 20);
    read.put(key('b'), Buffer.from('png-b'), 5);
    expect(pins.get(key('b'))?.png.toString()).toBe('png-b');
    expect(pins.get(key('nope'))).toBeUndefined();
  });

  it('forgets in memory what the table evicted', () => {
    const { pins, state } = rig(1000);
    pins.pin(key('a'), Buffer.alloc(600));
    state.now += 1;
    pins.pin(key('b'), Buffer.alloc(600));
    expect(pins.get(key('a'))).toBeUndefined();
    expect(pins.get(key('b'))?.png.length).toBe(600);
  });
});

describe('pinning the same version again', () => {
  it('writes it once per touch interval, however often /embed is asked', () => {
    const { pins, state } = rig(1 << 20);
    for (let i = 0; i < 50; i++) pins.pin(key('a'), Buffer.from('png-a'));
    expect(state.puts).toBe(1);
    state.now += 60_000;
    pins.pin(key('a'), Buffer.from('png-a'));
    expect(state.puts).toBe(2);
  });
});

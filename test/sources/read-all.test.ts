import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createSourceReader, HISTORY_MAX_AGE_MS, type SourceReader, type SourcesConfig } from '../../src/sources/read-all.js';
import { readTautulli } from '../../src/sources/tautulli/tautulli-source.js';
import { holdExclusiveLock, type HeldLock } from '../drills/support/db-lock.js';
import { fakeSystemInfo } from '../drills/support/sources.js';
import { copyFixtureDbs, FIXTURE_NOW_MS, FIXTURE_NOW_S } from '../support/fixtures.js';
import { writeStoppedPlays } from '../support/tautulli-writes.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function reader(dbs: { plexDb: string; tautulliDb: string }, extra: Partial<SourcesConfig> = {}, logger?: Logger): SourceReader {
  const read = createSourceReader(
    { ...dbs, privateSections: [], timeZone: 'UTC', hostTimeoutMs: 2_000, systemInfo: fakeSystemInfo(() => 'ok'), ...extra },
    logger ? { logger } : {},
  );
  cleanups.push(() => read.close());
  return read;
}

function fixture() {
  const dbs = copyFixtureDbs('tiny', { sessionsWrittenAt: null });
  cleanups.push(() => rmSync(dbs.dir, { recursive: true, force: true }));
  return dbs;
}

async function lock(file: string): Promise<HeldLock> {
  const held = await holdExclusiveLock(file);
  cleanups.push(() => held.release());
  return held;
}

/** The longest stretch the event loop went without running a 5 ms timer, while `work` ran. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ value: T; stallMs: number; elapsedMs: number }> {
  const started = performance.now();
  let last = started;
  let stallMs = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 5);
  try {
    const value = await work();
    stallMs = Math.max(stallMs, performance.now() - last);
    return { value, stallMs, elapsedMs: performance.now() - started };
  } finally {
    clearInterval(tick);
  }
}

const ourScratch = () => readdirSync(tmpdir()).filter((n) => n.startsWith(`marquee-sources-${process.pid}.`));

describe('database reads run off the thread that serves HTTP', () => {
  it('keeps the event loop turning while SQLite waits out a locked database', async () => {
    const dbs = fixture();
    await lock(dbs.tautulliDb);
    const read = reader(dbs, { busyTimeoutMs: 2_000 });
    const { value, stallMs, elapsedMs } = await longestStall(() => read(FIXTURE_NOW_MS));
    expect(value.tautulli).toMatchObject({ ok: false, error: { code: 'locked' } });
    expect(value.plex.ok).toBe(true);
    // SQLite did wait (the busy timeout), but not on this thread: on it the wait was one 2 s stall.
    expect(elapsedMs).toBeGreaterThanOrEqual(1_900);
    expect(stallMs).toBeLessThan(1_000);
  });

  it('gives up on a read past its time limit and replaces the thread, so the next read does not queue behind it', async () => {
    const dbs = fixture();
    const held = await lock(dbs.plexDb);
    // The old thread stays inside SQLite's busy wait for 8 s; only a new thread can read Tautulli sooner.
    const read = reader(dbs, { dbTimeoutMs: 1_000, busyTimeoutMs: 8_000 });
    const { value, elapsedMs } = await longestStall(() => read(FIXTURE_NOW_MS));
    expect(value.plex).toMatchObject({ ok: false, error: { code: 'timeout' } });
    expect(value.plex.durationMs).toBeGreaterThanOrEqual(990);
    expect(value.tautulli.ok, JSON.stringify(value.tautulli)).toBe(true);
    expect(elapsedMs).toBeLessThan(6_000);
    await held.release();
    const healed = await read(FIXTURE_NOW_MS);
    expect([healed.plex.ok, healed.tautulli.ok]).toEqual([true, true]);
  });

  it('removes its temp folders when closed, including those of threads it gave up on', async () => {
    const dbs = fixture();
    const held = await lock(dbs.plexDb);
    const read = reader(dbs, { dbTimeoutMs: 500, busyTimeoutMs: 3_000 });
    await read(FIXTURE_NOW_MS);
    expect(ourScratch().length).toBeGreaterThanOrEqual(1);
    await held.release();
    await read.close();
    expect(ourScratch()).toEqual([]);
  });

  it('starts again after close (the reader is lazy) and ends without being closed: an idle thread holds no process', async () => {
    const dbs = fixture();
    const read = reader(dbs);
    await read.close();
    const results = await read(FIXTURE_NOW_MS);
    expect([results.plex.ok, results.tautulli.ok]).toEqual([true, true]);
  });
});

describe('a failed read leaves src/sources with its code and a fixed sentence; the cause goes to the log', () => {
  it.each([
    ['a missing file', (dir: string) => path.join(dir, 'gone', 'com.plexapp.plugins.library.db'), 'missing', /ENOENT|does not exist/],
    [
      'a file that is not a database',
      (dir: string) => {
        const file = path.join(dir, 'com.plexapp.plugins.library.db');
        writeFileSync(file, 'this is a text file, not SQLite '.repeat(200));
        return file;
      },
      'corrupt',
      /not a database/,
    ],
  ] as const)('%s', async (_what, make, code, cause) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-secret-volume-layout-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const lines: string[] = [];
    const logger = { warn: (obj: object, msg: string) => lines.push(`${msg} ${JSON.stringify(obj)}`) } as unknown as Logger;
    const read = reader({ plexDb: make(dir), tautulliDb: fixture().tautulliDb }, {}, logger);
    const results = await read(FIXTURE_NOW_MS);
    expect(results.plex).toMatchObject({ ok: false, error: { code } });
    const published = JSON.stringify(results.plex);
    expect(published).not.toContain(dir);
    expect(published).not.toMatch(cause);
    expect(published).not.toMatch(/SQLITE_|ENOENT|\/tmp\//);
    expect(Object.keys(results.plex.ok ? {} : results.plex.error).sort()).toEqual(['code', 'message']);
    // The operator still learns the cause and the path, from the log.
    const logged = lines.find((l) => l.startsWith('source read failed') && l.includes('"plex"'));
    expect(logged).toContain(dir);
    expect(logged).toMatch(cause);
  });
});

describe('network extras from the databases (issue 20)', () => {
  it('hands the same Tautulli extras over again while their token holds, and new ones after a play', async () => {
    const dbs = fixture();
    const read = reader(dbs, { networkExtras: true });
    const first = await read(FIXTURE_NOW_MS);
    const second = await read(FIXTURE_NOW_MS);
    expect(first.extras?.tautulli?.segments.length).toBeGreaterThan(0);
    // The same object: the reader thread answered `unchanged` and nothing was rebuilt or cloned.
    expect(second.extras?.tautulli).toBe(first.extras?.tautulli);
    expect(second.extras?.plex).toBe(first.extras?.plex);
    writeStoppedPlays(dbs.tautulliDb, { startedS: FIXTURE_NOW_S - 600, stoppedS: FIXTURE_NOW_S - 60 });
    const third = await read(FIXTURE_NOW_MS);
    // Read whole again (a new object), under a new token.
    expect(third.extras?.tautulli).not.toBe(first.extras?.tautulli);
    // With the new play's segment among the rest.
    expect(third.extras?.tautulli?.segments).toHaveLength(first.extras!.tautulli!.segments.length + 1);
    expect(third.extras?.tautulli?.segments).toContainEqual([FIXTURE_NOW_S - 600, FIXTURE_NOW_S - 60]);
  });
});

describe('Tautulli history kept while its token holds', () => {
  /** The uncached source at the same `now`: what every cycle's section must equal. */
  const plainHistory = async (tautulliDb: string, now: number) => {
    const r = await readTautulli({ dbPath: tautulliDb, now, timeZone: 'UTC' });
    return r.ok ? r.data.history : undefined;
  };

  it('hands the kept section on while nothing changed, reads it again after a play, and at most HISTORY_MAX_AGE_MS after the last read', async () => {
    const dbs = fixture();
    const read = reader(dbs);
    const history = async (now: number) => {
      const r = await read(now);
      if (!r.tautulli.ok) throw new Error(r.tautulli.error.message);
      expect(r.tautulli.data.history).toEqual(await plainHistory(dbs.tautulliDb, now));
      return r.tautulli.data.history;
    };
    const first = await history(FIXTURE_NOW_MS);
    // The same lists: the reader thread answered `unchanged` and the kept section was handed on
    // (with the 24-hour and 7-day windows it read afresh).
    expect((await history(FIXTURE_NOW_MS + 30_000))?.topUsers).toBe(first?.topUsers);
    writeStoppedPlays(dbs.tautulliDb, { startedS: FIXTURE_NOW_S - 600, stoppedS: FIXTURE_NOW_S - 60 });
    const afterPlay = await history(FIXTURE_NOW_MS + 60_000);
    expect(afterPlay?.topUsers).not.toBe(first?.topUsers);
    expect((await history(FIXTURE_NOW_MS + 90_000))?.topUsers).toBe(afterPlay?.topUsers);
    // Past the age limit a kept section is read again even though its token holds.
    expect((await history(FIXTURE_NOW_MS + 60_000 + HISTORY_MAX_AGE_MS))?.topUsers).not.toBe(afterPlay?.topUsers);
  });
});

describe('Tautulli history kept, windows read afresh', () => {
  it('hands the kept section on with this cycle’s 24-hour window when `now` carries a row past its edge', async () => {
    const dbs = fixture();
    const db = new Database(dbs.tautulliDb, { readonly: true });
    const nowS = FIXTURE_NOW_MS / 1000;
    // A row of the last day whose 24-hour edge no other row shares, nor the 30-day edge at that time.
    const stops = db.prepare('SELECT stopped FROM session_history ORDER BY stopped').pluck().all() as number[];
    db.close();
    const count = (t: number) => stops.filter((s) => s === t).length;
    const edge = stops.find((s) => s > nowS - 86_400 && s < nowS && count(s) === 1 && count(s + 86_400 - 30 * 86_400) === 0)!;
    const inside = (edge + 86_400) * 1000;
    const plain = async (now: number) => {
      const r = await readTautulli({ dbPath: dbs.tautulliDb, now, timeZone: 'UTC' });
      return r.ok ? r.data.history : undefined;
    };
    expect((await plain(inside + 1000))?.windows['24h']).not.toEqual((await plain(inside))?.windows['24h']);
    const read = reader(dbs);
    const history = async (now: number) => {
      const r = await read(now);
      return r.tautulli.ok ? r.tautulli.data.history : undefined;
    };
    const first = await history(inside);
    const next = await history(inside + 1000);
    expect(next?.topUsers).toBe(first?.topUsers);
    expect(next).toEqual(await plain(inside + 1000));
  });
});

import Database from 'better-sqlite3';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceName } from '../../src/snapshot/schema.js';
import { copyFixtureDbs, fixtureDbs, leaveWal, stampSessions } from '../support/fixtures.js';
import { decodePng } from '../support/png.js';
import { configFile, runCli } from './support/cli.js';
import { hashDb, httpClient } from './support/http.js';
import { startTestMarquee, type TestMarquee } from '../support/marquee-instance.js';
import { fakeSystemInfo, swapSourceReader, type HostMode } from './support/sources.js';

/**
 * Drill 2: sources misbehaving while images keep being served. Each fault must degrade its own
 * section (stale, with the error code) and /health (503, the check failing with a cause), leave
 * the image at 200, never change a byte of Plex's or Tautulli's files, and heal on the next cycle
 * once the fault is gone.
 */

let m: TestMarquee;
let client: ReturnType<typeof httpClient>;
let hostMode: HostMode = 'ok';
const pristine = fixtureDbs('tiny');

beforeAll(async () => {
  m = await startTestMarquee({ profile: 'tiny', collect: false });
  client = httpClient(m.url, 4);
  swapSourceReader(m.collector, {
    plexDb: m.dbs.plexDb,
    tautulliDb: m.dbs.tautulliDb,
    privateSections: [],
    timeZone: 'UTC',
    hostTimeoutMs: 400,
    systemInfo: fakeSystemInfo(() => hostMode),
    tautulliSessionsStaleAfterMs: 10 * 60_000,
  });
  const first = await m.collector.collect();
  expect(Object.values(first.sources).map((s) => s.status)).toEqual(['ok', 'ok', 'ok']);
});
afterAll(async () => {
  client?.close();
  await m?.stop();
});

const fileOf = (source: SourceName) => (source === 'plex' ? m.dbs.plexDb : m.dbs.tautulliDb);
function restore(source: 'plex' | 'tautulli'): void {
  const to = fileOf(source);
  for (const suffix of ['-wal', '-shm']) rmSync(`${to}${suffix}`, { force: true });
  copyFileSync(source === 'plex' ? pristine.plexDb : pristine.tautulliDb, to);
  // A restored Tautulli file is as a running Tautulli keeps it: its live rows freshly written.
  if (source === 'tautulli') stampSessions(to, Date.now());
}
const check = async () => {
  const res = await client.get('/health');
  return { status: res.status, body: JSON.parse(res.body.toString()) as { checks: Record<string, { status: string; output?: string }[]> } };
};
const checkName: Record<SourceName, string> = { plex: 'plex:responseTime', tautulli: 'tautulli:responseTime', host: 'host:responseTime' };

async function expectImageServed(): Promise<void> {
  const res = await client.get('/i/signature.png');
  expect(res.status).toBe(200);
  expect(decodePng(res.body).width).toBe(600);
}

/** Fault on, cycle: degraded, image served, files untouched. Fault off, cycle: healed. */
async function drill(source: SourceName, code: string | RegExp, inject: () => void | (() => void), clear?: () => void): Promise<void> {
  const undo = inject();
  const file = source === 'host' ? null : fileOf(source);
  const before = file ? hashDb(file) : null;
  const snapshot = await m.collector.collect();
  const status = snapshot.sources[source];
  expect(status.status, JSON.stringify(status)).toBe('stale');
  expect(status.error?.code).toMatch(code);
  const health = await check();
  expect(health.status).toBe(503);
  expect(health.body.checks[checkName[source]]![0]).toMatchObject({
    status: 'fail',
    output: expect.stringMatching(/^serving last good data; /),
  });
  await expectImageServed();
  if (file) expect(hashDb(file)).toEqual(before);
  if (typeof undo === 'function') undo();
  clear?.();
  const restored = file ? hashDb(file) : null;
  const healed = await m.collector.collect();
  expect(healed.sources[source], JSON.stringify(healed.sources[source])).toMatchObject({ status: 'ok' });
  expect((await check()).body.checks[checkName[source]]![0]!.status).toBe('pass');
  if (file) expect(hashDb(file)).toEqual(restored);
}

const corrupt = (file: string, from: number, length: number) => {
  const fd = openSync(file, 'r+');
  const size = statSync(file).size;
  const bytes = Buffer.alloc(Math.min(length, size - from));
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2_654_435_761) >>> 24;
  writeSync(fd, bytes, 0, bytes.length, from);
  closeSync(fd);
};
/** Changes a DB as an upgrade would. PMS's ICU triggers and index cannot compile outside Plex's
 *  SQLite, so they are dropped first (a real PMS migration rewrites them itself). */
const alter = (file: string, sql: string) => {
  const db = new Database(file);
  const icu = db.prepare("SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'index') AND sql LIKE '%icu%'").all() as {
    type: string;
    name: string;
  }[];
  for (const o of icu) db.exec(`DROP ${o.type.toUpperCase()} "${o.name}"`);
  db.exec(sql);
  db.close();
};

describe('drill 2: a source database that breaks', () => {
  it.each([
    ['Plex DB deleted', 'plex', 'missing', () => rmSync(pristineCopy('plex'))],
    ['Tautulli DB deleted', 'tautulli', 'missing', () => rmSync(pristineCopy('tautulli'))],
    ['Plex DB replaced by an unrelated SQLite file', 'plex', 'schema', () => replaceWithEmptyDb(pristineCopy('plex'))],
    [
      'Plex DB truncated to half',
      'plex',
      /corrupt|schema/,
      () => truncateSync(pristineCopy('plex'), Math.floor(statSync(m.dbs.plexDb).size / 2)),
    ],
    ['Tautulli DB truncated to 0 bytes', 'tautulli', 'schema', () => truncateSync(pristineCopy('tautulli'), 0)],
    ['Plex DB pages overwritten with random bytes', 'plex', 'corrupt', () => corrupt(pristineCopy('plex'), 100, 10 ** 7)],
    ['Tautulli DB header overwritten', 'tautulli', 'corrupt', () => corrupt(pristineCopy('tautulli'), 0, 64)],
    [
      'Plex upgrade renamed a column',
      'plex',
      'schema',
      () => alter(pristineCopy('plex'), 'ALTER TABLE library_sections RENAME COLUMN section_type TO kind'),
    ],
    [
      'Plex upgrade dropped a column',
      'plex',
      'schema',
      () => alter(pristineCopy('plex'), 'DROP INDEX index_media_parts_on_size; ALTER TABLE media_parts DROP COLUMN size'),
    ],
    [
      'Tautulli upgrade renamed a sessions column',
      'tautulli',
      'schema',
      () => alter(pristineCopy('tautulli'), 'ALTER TABLE sessions RENAME COLUMN bandwidth TO bandwidth_kbps'),
    ],
  ] as const)('%s: degrades, keeps serving, heals', async (_what, source, code, inject) => {
    await drill(source, code, inject, () => restore(source));
  });

  it('picks up a DB replaced by another valid one (restored from a backup) on the next cycle', async () => {
    const before = (await m.collector.collect()).library!.totals.movies;
    const demo = copyFixtureDbs('demo');
    copyFileSync(demo.plexDb, m.dbs.plexDb);
    const swapped = await m.collector.collect();
    expect(swapped.sources.plex.status).toBe('ok');
    expect(swapped.library!.totals.movies).not.toBe(before);
    restore('plex');
    expect((await m.collector.collect()).library!.totals.movies).toBe(before);
  });
});

describe('drill 2: live writers, WAL and directory permissions', () => {
  it('reads through a WAL writer holding a long write transaction, without seeing its changes', async () => {
    const writer = new Database(m.dbs.plexDb);
    writer.exec("BEGIN IMMEDIATE; UPDATE library_sections SET name = name || ' (renaming)'");
    const before = hashDb(m.dbs.plexDb);
    const snapshot = await m.collector.collect();
    expect(snapshot.sources.plex.status).toBe('ok');
    expect(snapshot.library!.sections.every((s) => !s.name.endsWith('(renaming)'))).toBe(true);
    expect(hashDb(m.dbs.plexDb)).toEqual(before);
    writer.exec('ROLLBACK');
    writer.close();
  });

  it('reports a rollback-journal DB locked by an exclusive writer as locked, and heals when it commits', async () => {
    alter(m.dbs.plexDb, 'PRAGMA journal_mode = DELETE');
    const writer = new Database(m.dbs.plexDb);
    await drill(
      'plex',
      'locked',
      () => {
        writer.exec("BEGIN EXCLUSIVE; UPDATE library_sections SET name = name || ' (vacuum)'");
      },
      () => {
        writer.exec('ROLLBACK');
        writer.close();
      },
    );
    restore('plex');
  }, 30_000);

  it('survives the -wal vanishing under a live writer, and heals when the writer restarts', async () => {
    const writer = new Database(m.dbs.plexDb);
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec("UPDATE library_sections SET name = name || ' 2'");
    expect(statSync(`${m.dbs.plexDb}-wal`).size).toBeGreaterThan(0);
    rmSync(`${m.dbs.plexDb}-wal`);
    const before = hashDb(m.dbs.plexDb);
    const snapshot = await m.collector.collect();
    // Plex's own commit is lost with its -wal; what matters is that we neither crash nor write.
    expect(['ok', 'stale']).toContain(snapshot.sources.plex.status);
    await expectImageServed();
    expect(hashDb(m.dbs.plexDb)).toEqual(before);
    writer.close();
    restore('plex');
    expect((await m.collector.collect()).sources.plex.status).toBe('ok');
  });

  it('treats "playing" rows Tautulli last wrote an hour ago as Tautulli down, and heals when it writes again', async () => {
    await drill(
      'tautulli',
      'stale',
      // Every live row's last write (`stopped`) an hour old: no running Tautulli leaves that.
      () => stampSessions(m.dbs.tautulliDb, Date.now() - 3_600_000),
      // Tautulli is back: its next timeline event rewrites a playing row, stamping `stopped`.
      () => alter(m.dbs.tautulliDb, `UPDATE sessions SET stopped = ${Math.floor(Date.now() / 1000)} WHERE state = 'playing'`),
    );
    const health = await check();
    expect(health.status).toBe(200);
    restore('tautulli');
  });
});

describe('drill 2: the read-only directory (Plex and Tautulli stopped, volume not writable)', () => {
  it.each([
    ['stopped cleanly: no -wal, no -shm', false],
    ['crashed or backed up: a -wal with commits but no -shm', true],
  ])(
    '%s: an unprivileged collector reads both through private copies, writing nothing',
    async (_what, leftoverWal) => {
      const dbs = copyFixtureDbs('tiny');
      for (const f of [dbs.plexDb, dbs.tautulliDb]) for (const x of ['-wal', '-shm']) rmSync(`${f}${x}`, { force: true });
      if (leftoverWal)
        leaveWal(dbs.tautulliDb, {
          sql: "UPDATE users SET friendly_name = 'From the WAL' WHERE user_id = (SELECT MIN(user_id) FROM users)",
        });
      const dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-drill-ro-data-'));
      chmodSync(dataDir, 0o777);
      const before = [hashDb(dbs.plexDb), hashDb(dbs.tautulliDb)];
      chmodSync(dbs.dir, 0o555);
      try {
        const env = {
          MARQUEE_CONFIG: configFile(),
          MARQUEE_PLEX_DB: dbs.plexDb,
          MARQUEE_TAUTULLI_DB: dbs.tautulliDb,
          MARQUEE_DATA_DIR: dataDir,
        };
        // A reader-thread folder another user's Marquee left in /tmp when it died: not ours to remove,
        // and no reason not to read.
        const leftover = mkdtempSync(path.join(tmpdir(), 'marquee-sources-999999999.1-'));
        chmodSync(leftover, 0o700);
        const run = runCli(['collect', '--once', '--print'], env, { asNobody: true });
        expect((await run.exited).code, run.stderr()).toBe(0);
        const snapshot = JSON.parse(run.stdout()) as { sources: Record<SourceName, { status: string }> };
        expect([snapshot.sources.plex.status, snapshot.sources.tautulli.status], JSON.stringify(snapshot.sources)).toEqual(['ok', 'ok']);
        expect([hashDb(dbs.plexDb), hashDb(dbs.tautulliDb)]).toEqual(before);
        expect(existsSync(`${dbs.plexDb}-shm`) || existsSync(`${dbs.tautulliDb}-shm`)).toBe(false);
      } finally {
        chmodSync(dbs.dir, 0o755);
      }
    },
    60_000,
  );
});

describe('drill 2: host metrics misbehaving', () => {
  it.each([
    ['throws synchronously', 'throw', 'unavailable'],
    ['rejects', 'reject', 'unavailable'],
    ['hangs', 'hang', 'timeout'],
  ] as const)('systeminformation that %s degrades host metrics only, and heals', async (_what, mode, code) => {
    await drill('host', code, () => {
      hostMode = mode;
      return () => (hostMode = 'ok');
    });
  });
});

/** The fault is applied to the live copy the running Marquee reads. */
function pristineCopy(source: 'plex' | 'tautulli'): string {
  return fileOf(source);
}
function replaceWithEmptyDb(file: string): void {
  const tmp = `${file}.other`;
  const db = new Database(tmp);
  db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
  db.close();
  rmSync(file);
  writeFileSync(file, readFileSync(tmp));
  rmSync(tmp);
}

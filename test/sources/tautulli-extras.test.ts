import path from 'node:path';
import { tmpdir } from 'node:os';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTautulli, type TautulliResult } from '../../src/sources/tautulli/tautulli-source.js';
import { fixtureDbs, FIXTURE_NOW_MS, FIXTURE_NOW_S } from '../support/fixtures.js';
import { historyTotals, unionMostConcurrent } from '../support/network-oracle.js';
import { deleteHistoryRows } from '../support/tautulli-writes.js';

/**
 * The Tautulli source's network extras (issue 20): the raw segments of the most-concurrent sweep and
 * the home-stats rows of every key. Oracles: the segment rows read with a plain query, and
 * Tautulli's home-stats SQL without LIMIT (test/support/network-oracle.ts).
 */
const { tautulliDb } = fixtureDbs('demo');
const options = { dbPath: tautulliDb, now: FIXTURE_NOW_MS, timeZone: 'UTC', topLimit: 5 };
let plain: TautulliResult;
let asked: TautulliResult;

beforeAll(async () => {
  plain = await readTautulli(options);
  asked = await readTautulli({ ...options, networkExtras: true });
});

const extrasOf = (r: TautulliResult) => {
  if (!r.ok || !r.extras || 'unchanged' in r.extras) throw new Error('no extras');
  return r.extras;
};

describe('Tautulli network extras', () => {
  it('are read only when asked, and leave the snapshot data as a plain read gives it', () => {
    expect('extras' in plain).toBe(false);
    expect(asked.ok && plain.ok && asked.data).toEqual(plain.ok && plain.data);
  });

  it('carry every segment of the last 30 days that has media info', () => {
    const db = new Database(tautulliDb, { readonly: true });
    const rows = db
      .prepare(
        `SELECT sh.started, sh.stopped FROM session_history sh JOIN session_history_media_info m ON m.id = sh.id
         WHERE sh.stopped >= ?`,
      )
      .raw()
      .all(FIXTURE_NOW_S - 30 * 86400) as number[][];
    db.close();
    const sort = (list: ReadonlyArray<readonly number[]>) => list.map((s) => `${s[0]}-${s[1]}`).sort();
    expect(rows.length).toBeGreaterThan(100);
    expect(sort(extrasOf(asked).segments)).toEqual(sort(rows));
  });

  it('carry every user, film, show and platform with Tautulli’s counts', () => {
    const x = extrasOf(asked);
    const expected = historyTotals([tautulliDb], FIXTURE_NOW_S);
    const as = <T>(rows: T[], key: (r: T) => string, v: (r: T) => { plays: number; watchTimeS: number }) =>
      new Map(rows.map((r) => [key(r), v(r)]));
    const totals = (r: { plays: number; watchTimeS: number }) => ({ plays: r.plays, watchTimeS: r.watchTimeS });
    expect(as(x.users, (u) => String(u.userId), totals)).toEqual(expected.users);
    expect(as(x.movies, (m) => `${m.title} (${m.year ?? ''})`, totals)).toEqual(expected.movies);
    expect(as(x.shows, (s) => s.title, totals)).toEqual(expected.shows);
    expect(as(x.platforms, (p) => p.platform, totals)).toEqual(expected.platforms);
    expect(x.users.length).toBeGreaterThan(5);
  });

  it('begin with the snapshot’s own top rows, in its order', () => {
    const x = extrasOf(asked);
    const history = asked.ok ? asked.data.history! : null;
    expect(x.users.slice(0, 5).map((u) => ({ viewer: { name: u.name }, plays: u.plays, watchTimeS: u.watchTimeS }))).toEqual(
      history?.topUsers,
    );
    expect(x.platforms.slice(0, 5).map((p) => ({ platform: p.platform, plays: p.plays, watchTimeS: p.watchTimeS }))).toEqual(
      history?.topPlatforms,
    );
    expect(x.movies.slice(0, 5).map((m) => m.title)).toEqual(history?.topMovies.map((m) => m.watching?.title));
  });

  it("answer `unchanged` while the caller's token holds, and read whole again once a play is added or a name changes", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-extras-token-'));
    const file = path.join(dir, 'tautulli.db');
    copyFileSync(tautulliDb, file);
    if (existsSync(`${tautulliDb}-wal`)) copyFileSync(`${tautulliDb}-wal`, `${file}-wal`);
    const read = (known?: string) => readTautulli({ ...options, dbPath: file, networkExtras: known ? { knownToken: known } : true });
    const first = await read();
    const token = first.ok && first.extras ? first.extras.token : undefined;
    expect(token).toBeTruthy();
    const again = await read(token);
    expect(again.ok && again.extras).toEqual({ token, unchanged: true });
    // A new play: Tautulli writes its history row when it stops (activity_processor.write_session_history).
    const db = new Database(file);
    db.prepare(
      `INSERT INTO session_history (started, stopped, user_id, reference_id, media_type, platform, paused_counter)
       SELECT started, stopped, user_id, reference_id, media_type, platform, paused_counter FROM session_history ORDER BY id DESC LIMIT 1`,
    ).run();
    db.close();
    const afterPlay = await read(token);
    expect(afterPlay.ok && afterPlay.extras && 'segments' in afterPlay.extras).toBe(true);
    const newToken = afterPlay.ok && afterPlay.extras ? afterPlay.extras.token : undefined;
    expect(newToken).not.toBe(token);
    // A friendly name edited in Tautulli's Users page (users.friendly_name rewritten in place).
    const edit = new Database(file);
    edit.prepare("UPDATE users SET friendly_name = 'Renamed Person' WHERE rowid = (SELECT MIN(rowid) FROM users)").run();
    edit.close();
    const afterRename = await read(newToken);
    expect(afterRename.ok && afterRename.extras && 'segments' in afterRename.extras).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });
  /**
   * The token is what decides that a cached set of extras is still the truth, so each way the
   * window's rows can change must move it, and what is read then must be the oracle's (Tautulli's
   * home-stats SQL and its sweep over the raw rows, network-oracle.ts) for the new state.
   */
  describe('token moves whenever the rows behind the extras do', () => {
    let dir: string;
    let file: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'marquee-extras-stale-'));
      file = path.join(dir, 'tautulli.db');
      copyFileSync(tautulliDb, file);
      if (existsSync(`${tautulliDb}-wal`)) copyFileSync(`${tautulliDb}-wal`, `${file}-wal`);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const readAt = (nowS: number, known?: string) =>
      readTautulli({ ...options, dbPath: file, now: nowS * 1000, networkExtras: known ? { knownToken: known } : true });
    const tokenOf = (r: TautulliResult) => (r.ok && r.extras ? r.extras.token : undefined);
    const expectOracle = (r: TautulliResult, nowS: number) => {
      const x = extrasOf(r);
      const expected = historyTotals([file], nowS);
      const totals = (v: { plays: number; watchTimeS: number }) => ({ plays: v.plays, watchTimeS: v.watchTimeS });
      expect(new Map(x.users.map((u) => [String(u.userId), totals(u)]))).toEqual(expected.users);
      expect(new Map(x.movies.map((m) => [`${m.title} (${m.year ?? ''})`, totals(m)]))).toEqual(expected.movies);
      expect(new Map(x.shows.map((m) => [m.title, totals(m)]))).toEqual(expected.shows);
      const peak = unionMostConcurrent([file], nowS);
      const own = r.ok ? r.data.history!.mostConcurrent : null;
      expect(own).toEqual({ streams: peak.streams, at: peak.at === null ? null : peak.at * 1000 });
    };

    it('when `now` carries the oldest row of the window past its edge', async () => {
      const db = new Database(file, { readonly: true });
      const edge = db
        .prepare('SELECT MIN(stopped) FROM session_history WHERE stopped >= ?')
        .pluck()
        .get(FIXTURE_NOW_S - 30 * 86_400) as number;
      db.close();
      // At `inside` the row stopped exactly at the window's first second; one second later it is out.
      const inside = edge + 30 * 86_400;
      const first = await readAt(inside);
      const held = await readAt(inside, tokenOf(first));
      expect(held.ok && held.extras).toEqual({ token: tokenOf(first), unchanged: true });
      // While it holds, the top lists are read to their LIMIT only: the snapshot's data is the same.
      expect(held.ok && held.data).toEqual(first.ok && first.data);
      const after = await readAt(inside + 1, tokenOf(first));
      expect(after.ok && after.extras && 'segments' in after.extras).toBe(true);
      expect(tokenOf(after)).not.toBe(tokenOf(first));
      expectOracle(after, inside + 1);
    });

    it('when a row of the window is deleted (Tautulli\'s "delete history")', async () => {
      const before = await readAt(FIXTURE_NOW_S);
      const db = new Database(file, { readonly: true });
      // Not the newest row: the newest id alone would already move the token.
      const id = db
        .prepare(`SELECT id FROM session_history WHERE stopped >= ? AND media_type = 'movie' ORDER BY id LIMIT 1`)
        .pluck()
        .get(FIXTURE_NOW_S - 29 * 86_400) as number;
      db.close();
      deleteHistoryRows(file, [id]);
      const after = await readAt(FIXTURE_NOW_S, tokenOf(before));
      expect(after.ok && after.extras && 'segments' in after.extras).toBe(true);
      expect(tokenOf(after)).not.toBe(tokenOf(before));
      expectOracle(after, FIXTURE_NOW_S);
    });
  });
});

import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execSchema, readSchema } from '../../fixtures/generator/sql.js';
import { mostConcurrent } from '../../src/sources/tautulli/concurrency.js';
import { readTautulli, type TautulliData } from '../../src/sources/tautulli/tautulli-source.js';
import { FIXTURE_NOW_MS, FIXTURE_NOW_S, fixtureDbs } from '../support/fixtures.js';

/**
 * Oracle: raw rows, Tautulli's rules applied in JavaScript. A play is a reference_id group of
 * segments that stopped inside the window; its watch time is sum(stopped - started) - sum(paused).
 */
const { tautulliDb } = fixtureDbs('demo');

interface Segment {
  id: number;
  reference_id: number;
  started: number;
  stopped: number;
  paused_counter: number | null;
  user_id: number;
  platform: string;
  media_type: string;
}

let segments: Segment[];
let users: Map<number, string>;
let data: TautulliData;

beforeAll(async () => {
  const db = new Database(tautulliDb, { readonly: true });
  segments = db
    .prepare('SELECT id, reference_id, started, stopped, paused_counter, user_id, platform, media_type FROM session_history')
    .all() as Segment[];
  users = new Map(
    (
      db.prepare('SELECT user_id, username, friendly_name FROM users').all() as {
        user_id: number;
        username: string;
        friendly_name: string | null;
      }[]
    ).map((u) => [u.user_id, u.friendly_name?.trim() ? u.friendly_name : u.username]),
  );
  db.close();
  const result = await readTautulli({ dbPath: tautulliDb, now: FIXTURE_NOW_MS, timeZone: 'UTC', topLimit: 5 });
  if (!result.ok) throw new Error(result.error.message);
  data = result.data;
});

function plays(sinceS: number, filter: (s: Segment) => boolean = () => true) {
  const groups = new Map<number, { d: number; first: Segment }>();
  for (const s of segments) {
    if (!(s.stopped >= sinceS) || !filter(s)) continue;
    const g = groups.get(s.reference_id) ?? { d: 0, first: s };
    g.d += (s.stopped > 0 ? s.stopped - s.started : 0) - (s.paused_counter ?? 0);
    groups.set(s.reference_id, g);
  }
  return [...groups.values()];
}

describe('Tautulli source: history as Tautulli computes it', () => {
  it.each([
    ['24h', 1],
    ['7d', 7],
    ['30d', 30],
  ] as const)('counts plays and watch time for the last %s', (key, days) => {
    const expected = plays(FIXTURE_NOW_S - days * 86_400);
    expect(data.history.windows[key]).toEqual({ plays: expected.length, watchTimeS: expected.reduce((n, p) => n + p.d, 0) });
  });

  it('groups resumed segments into one play', () => {
    expect(segments.some((s) => s.reference_id !== s.id)).toBe(true);
    const raw = segments.filter((s) => s.stopped >= FIXTURE_NOW_S - 30 * 86_400).length;
    expect(data.history.windows['30d'].plays).toBeLessThan(raw);
  });

  it('ranks the top users by plays over 30 days, with their display names', () => {
    const byUser = new Map<number, number>();
    for (const p of plays(FIXTURE_NOW_S - 30 * 86_400)) byUser.set(p.first.user_id, (byUser.get(p.first.user_id) ?? 0) + 1);
    const top = [...byUser].sort((a, b) => b[1] - a[1])[0]!;
    expect(data.history.topUsers[0]).toMatchObject({ viewer: { name: users.get(top[0]) }, plays: top[1] });
    expect(data.history.topUsers.map((u) => u.plays)).toEqual([...data.history.topUsers.map((u) => u.plays)].sort((a, b) => b - a));
  });

  it('ranks the top platforms over 30 days', () => {
    const byPlatform = new Map<string, number>();
    for (const p of plays(FIXTURE_NOW_S - 30 * 86_400)) byPlatform.set(p.first.platform, (byPlatform.get(p.first.platform) ?? 0) + 1);
    const best = Math.max(...byPlatform.values());
    expect(data.history.topPlatforms[0]!.plays).toBe(best);
  });

  it('buckets 30 days of plays per UTC hour and per day, missing days as zero', () => {
    const hours = new Array<number>(24).fill(0);
    for (const p of plays(FIXTURE_NOW_S - 30 * 86_400)) hours[new Date(p.first.started * 1000).getUTCHours()]!++;
    expect(data.history.playsByHour).toEqual(hours);
    expect(data.history.playsByDay).toHaveLength(30);
    expect(data.history.playsByDay.at(-1)!.date).toBe(new Date(FIXTURE_NOW_MS).toISOString().slice(0, 10));
  });

  it('finds the most concurrent streams with a sweep (stops before starts at equal times)', () => {
    const db = new Database(tautulliDb, { readonly: true });
    const withMedia = new Set((db.prepare('SELECT id FROM session_history_media_info').all() as { id: number }[]).map((r) => r.id));
    db.close();
    const since = FIXTURE_NOW_S - 30 * 86_400;
    const window = segments.filter((s) => s.stopped >= since && withMedia.has(s.id));
    let best = 0;
    for (const s of window) {
      // Streams running at the instant s started (a stream stopping exactly then does not count).
      const running = window.filter((o) => o.started <= s.started && o.stopped > s.started).length;
      best = Math.max(best, running);
    }
    expect(data.history.mostConcurrent.streams).toBe(best);
    expect(best).toBeGreaterThan(1);
  });
});

describe('Tautulli source: live streams', () => {
  it('reads live sessions, ignoring rows that have stopped', () => {
    const db = new Database(tautulliDb, { readonly: true });
    const live = db.prepare("SELECT * FROM sessions WHERE stopped IS NULL AND state <> 'stopped' ORDER BY started, id").all() as Record<
      string,
      unknown
    >[];
    const stale = db.prepare("SELECT COUNT(*) AS n FROM sessions WHERE stopped IS NOT NULL OR state = 'stopped'").get() as { n: number };
    db.close();
    expect(stale.n).toBeGreaterThan(0);
    const a = data.activity;
    expect(a.streamCount).toBe(live.length);
    expect(a.transcode).toBe(live.filter((s) => s.transcode_decision === 'transcode').length);
    expect(a.directStream).toBe(live.filter((s) => s.transcode_decision === 'copy').length);
    expect(a.directPlay).toBe(live.filter((s) => s.transcode_decision === 'direct play').length);
    expect(a.paused).toBe(live.filter((s) => s.state === 'paused').length);
    const sum = (rows: Record<string, unknown>[]) => rows.reduce((n, s) => n + Number(s.bandwidth ?? 0), 0);
    expect(a.bandwidthKbps).toEqual({
      total: sum(live),
      lan: sum(live.filter((s) => s.location === 'lan')),
      wan: sum(live.filter((s) => s.location === 'wan')),
    });
    const first = live[0]!;
    const stream = a.streams[0]!;
    expect(stream.progress).toBeCloseTo(Number(first.view_offset) / Number(first.duration), 6);
  });
});

describe('Tautulli source: private sections', () => {
  it('leaves plays of a private section out of every public number and hides what streams from it play', async () => {
    const db = new Database(tautulliDb, { readonly: true });
    const movies = db
      .prepare("SELECT section_id, section_name FROM library_sections WHERE section_type = 'movie' ORDER BY section_id")
      .get() as {
      section_id: number;
      section_name: string;
    };
    const sectionOf = new Map(
      (db.prepare('SELECT id, section_id FROM session_history').all() as { id: number; section_id: number }[]).map((r) => [
        r.id,
        r.section_id,
      ]),
    );
    db.close();
    const result = await readTautulli({ dbPath: tautulliDb, now: FIXTURE_NOW_MS, timeZone: 'UTC', privateSections: [movies.section_name] });
    if (!result.ok) throw new Error(result.error.message);
    const expected = plays(FIXTURE_NOW_S - 30 * 86_400, (s) => sectionOf.get(s.id) !== movies.section_id);
    expect(expected.length).toBeLessThan(plays(FIXTURE_NOW_S - 30 * 86_400).length);
    expect(result.data.history.windows['30d'].plays).toBe(expected.length);
    expect(result.data.history.topMovies.every((m) => m.plays > 0)).toBe(true);
    expect(result.data.activity.streamCount).toBe(data.activity.streamCount);
  });
});

describe('Tautulli source: the windowed history read', () => {
  const DAY = 86_400;
  const now = FIXTURE_NOW_S;
  // [id, reference_id, started, stopped, section_id]: sectionless and ''-section segments, a play
  // resumed across the window edge, and history far older than the window.
  const rows: Array<[number, number, number, number, number | string | null]> = [
    [1, 1, now - 400 * DAY, now - 400 * DAY + 3600, 1],
    [2, 2, now - 31 * DAY - 600, now - 31 * DAY, 1],
    [3, 2, now - 29 * DAY, now - 29 * DAY + 900, 1],
    [4, 4, now - 20 * DAY, now - 20 * DAY + 1200, null],
    [5, 5, now - 20 * DAY + 1200, now - 20 * DAY + 2400, ''],
    [6, 6, now - 6 * DAY, now - 6 * DAY + 1800, 2],
    [7, 6, now - 6 * DAY + 3600, now - 6 * DAY + 5400, 2],
    [8, 8, now - 3600, now - 600, 3],
  ];
  let dir: string;
  let dbPath: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'marquee-tautulli-window-'));
    dbPath = path.join(dir, 'tautulli.db');
    const db = new Database(dbPath);
    execSchema(db, readSchema('tautulli-schema.sql'), 'tables');
    execSchema(db, readSchema('tautulli-schema.sql'), 'indexes');
    const insert = db.prepare(
      `INSERT INTO session_history (id, reference_id, started, stopped, section_id, user_id, user, platform, media_type, paused_counter)
       VALUES (?, ?, ?, ?, ?, 1, 'a', 'Web', 'movie', 60)`,
    );
    const media = db.prepare(`INSERT INTO session_history_media_info (id, transcode_decision) VALUES (?, 'direct play')`);
    for (const row of rows) {
      insert.run(...row);
      media.run(row[0]);
    }
    db.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['24h', 1],
    ['7d', 7],
    ['30d', 30],
  ] as const)('counts every segment that stopped in the last %s, with or without a section', async (key, days) => {
    const result = await readTautulli({ dbPath, now: now * 1000, timeZone: 'UTC' });
    if (!result.ok) throw new Error(result.error.message);
    const inWindow = rows.filter(([, , , stopped]) => stopped >= now - days * DAY);
    const plays = new Set(inWindow.map(([, referenceId]) => referenceId));
    const watchTimeS = inWindow.reduce((n, [, , started, stopped]) => n + stopped - started - 60, 0);
    expect(result.data.history.windows[key]).toEqual({ plays: plays.size, watchTimeS });
  });

  it('places a play in the hour its first segment inside the window started, and sweeps back-to-back segments apart', async () => {
    const result = await readTautulli({ dbPath, now: now * 1000, timeZone: 'UTC' });
    if (!result.ok) throw new Error(result.error.message);
    const hours = new Array<number>(24).fill(0);
    for (const id of [3, 4, 5, 6, 8]) hours[new Date(rows[id - 1]![2] * 1000).getUTCHours()]!++;
    expect(result.data.history.playsByHour).toEqual(hours);
    // Rows 4 and 5 meet at one instant; none of the others overlap.
    expect(result.data.history.mostConcurrent.streams).toBe(1);
  });
});

describe('mostConcurrent', () => {
  it.each([
    ['nothing', [], { count: 0, at: null }],
    [
      'back-to-back segments',
      [
        [10, 20],
        [20, 30],
      ],
      { count: 1, at: 10 },
    ],
    [
      'nested segments',
      [
        [10, 40],
        [15, 20],
        [18, 19],
        [30, 35],
      ],
      { count: 3, at: 18 },
    ],
    [
      'equal starts',
      [
        [5, 9],
        [5, 7],
        [1, 5],
      ],
      { count: 2, at: 5 },
    ],
    [
      'fractional times',
      [
        [1.5, 3],
        [2.25, 4],
        [3, 5.5],
      ],
      { count: 2, at: 2.25 },
    ],
  ] as const)('%s', (_name, segments, expected) => {
    expect(mostConcurrent(segments)).toEqual(expected);
  });
});

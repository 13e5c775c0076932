import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execSchema, readSchema } from '../../fixtures/generator/sql.js';
import { loadConfig } from '../../src/config/load.js';
import { sourcesConfig } from '../../src/sources/read-all.js';
import { mostConcurrent } from '../../src/snapshot/concurrency.js';
import { readTautulli, type TautulliData } from '../../src/sources/tautulli/tautulli-source.js';
import { copyFixtureDbs, FIXTURE_NOW_MS, FIXTURE_NOW_S, fixtureDbs } from '../support/fixtures.js';

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
    expect(data.history!.windows[key]).toEqual({ plays: expected.length, watchTimeS: expected.reduce((n, p) => n + p.d, 0) });
  });

  it('groups resumed segments into one play', () => {
    expect(segments.some((s) => s.reference_id !== s.id)).toBe(true);
    const raw = segments.filter((s) => s.stopped >= FIXTURE_NOW_S - 30 * 86_400).length;
    expect(data.history!.windows['30d'].plays).toBeLessThan(raw);
  });

  it('ranks the top users by plays over 30 days, with their display names', () => {
    const byUser = new Map<number, number>();
    for (const p of plays(FIXTURE_NOW_S - 30 * 86_400)) byUser.set(p.first.user_id, (byUser.get(p.first.user_id) ?? 0) + 1);
    const top = [...byUser].sort((a, b) => b[1] - a[1])[0]!;
    expect(data.history!.topUsers[0]).toMatchObject({ viewer: { name: users.get(top[0]) }, plays: top[1] });
    expect(data.history!.topUsers.map((u) => u.plays)).toEqual([...data.history!.topUsers.map((u) => u.plays)].sort((a, b) => b - a));
  });

  it('ranks the top platforms over 30 days', () => {
    const byPlatform = new Map<string, number>();
    for (const p of plays(FIXTURE_NOW_S - 30 * 86_400)) byPlatform.set(p.first.platform, (byPlatform.get(p.first.platform) ?? 0) + 1);
    const best = Math.max(...byPlatform.values());
    expect(data.history!.topPlatforms[0]!.plays).toBe(best);
  });

  it('lists 30 calendar days ending today, missing days as zero (values: see tautulli-conformance.test.ts)', () => {
    expect(data.history!.playsByDay).toHaveLength(30);
    expect(data.history!.playsByDay.at(-1)!.date).toBe(new Date(FIXTURE_NOW_MS).toISOString().slice(0, 10));
    expect(data.history!.playsByWeekday).toHaveLength(7);
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
    expect(data.history!.mostConcurrent.streams).toBe(best);
    expect(best).toBeGreaterThan(1);
  });
});

describe('Tautulli source: live streams', () => {
  it('reads every row Tautulli keeps for a live stream (stopped = last write), ignoring one being stopped', () => {
    const db = new Database(tautulliDb, { readonly: true });
    const live = db.prepare("SELECT * FROM sessions WHERE state <> 'stopped' ORDER BY started, id").all() as Record<string, unknown>[];
    const stopping = db.prepare("SELECT COUNT(*) AS n FROM sessions WHERE state = 'stopped'").get() as { n: number };
    db.close();
    // As Tautulli writes them: never a NULL `stopped` on a live row.
    expect(live.every((s) => typeof s.stopped === 'number')).toBe(true);
    expect(stopping.n).toBeGreaterThan(0);
    const a = data.activity;
    expect(a.streamCount).toBe(live.length);
    expect(a.streamCount).toBeGreaterThan(0);
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
    expect(a.bandwidthKbps.total).toBeGreaterThan(0);
    const first = live[0]!;
    const stream = a.streams[0]!;
    expect(stream.progress).toBeCloseTo(Number(first.view_offset) / Number(first.duration), 6);
    // When each stream began (privacy.nowPlayingDelayS counts from it): the row's first write.
    expect(a.streams.map((s) => s.startedAt)).toEqual(live.map((s) => Number(s.started) * 1000));
  });

  it('with the stale check on, counts rows written within the limit as live', async () => {
    const result = await readTautulli({ dbPath: tautulliDb, now: FIXTURE_NOW_MS, timeZone: 'UTC', sessionsStaleAfterMs: 600_000 });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.data.activity.streamCount).toBe(data.activity.streamCount);
    expect(result.data.skipped?.ghostSessions).toBe(0);
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
    expect(result.data.history!.windows['30d'].plays).toBe(expected.length);
    expect(result.data.history!.topMovies.every((m) => m.plays > 0)).toBe(true);
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
    expect(result.data.history!.windows[key]).toEqual({ plays: plays.size, watchTimeS });
  });

  it('draws no graph series without session_history_metadata or a library of its type, as graphs.py', async () => {
    const result = await readTautulli({ dbPath, now: now * 1000, timeZone: 'UTC' });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.data.history!.playsByHour.every((n) => n === 0)).toBe(true);
    // Rows 4 and 5 meet at one instant; none of the others overlap.
    expect(result.data.history!.mostConcurrent.streams).toBe(1);
  });
});

describe('mostConcurrent', () => {
  it.each([
    ['nothing', [], { count: 0, at: null }],
    [
      'back-to-back segments (the later run is the moment)',
      [
        [10, 20],
        [20, 30],
      ],
      { count: 1, at: 20 },
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
      { count: 2, at: 3 },
    ],
  ] as const)('%s', (_name, segments, expected) => {
    expect(mostConcurrent(segments)).toEqual(expected);
  });
});

describe('Tautulli source: rows no running Tautulli would leave', () => {
  const HOUR_S = 3600;
  let copy: ReturnType<typeof copyFixtureDbs>;
  beforeAll(() => {
    copy = copyFixtureDbs('tiny');
  });
  afterAll(() => rmSync(copy.dir, { recursive: true, force: true }));

  const read = () => readTautulli({ dbPath: copy.tautulliDb, now: FIXTURE_NOW_MS, timeZone: 'UTC', sessionsStaleAfterMs: 600_000 });
  const exec = (sql: string, ...args: unknown[]) => {
    const db = new Database(copy.tautulliDb);
    db.prepare(sql).run(...args);
    db.close();
  };
  const liveRows = () => {
    const db = new Database(copy.tautulliDb, { readonly: true });
    const n = db.prepare("SELECT COUNT(*) FROM sessions WHERE state <> 'stopped'").pluck().get() as number;
    db.close();
    return n;
  };

  it('leaves out a playing row whose last write is hours old while others are fresh, and counts it', async () => {
    const before = liveRows();
    exec("UPDATE sessions SET stopped = ? WHERE id = (SELECT MIN(id) FROM sessions WHERE state = 'playing')", FIXTURE_NOW_S - 3 * HOUR_S);
    const result = await read();
    if (!result.ok) throw new Error(result.error.message);
    expect(result.data.activity.streamCount).toBe(before - 1);
    expect(result.data.skipped?.ghostSessions).toBe(1);
  });

  it('fails (the section goes stale) when every live-looking row was left by a Tautulli that stopped writing', async () => {
    exec("UPDATE sessions SET stopped = ? WHERE state <> 'stopped'", FIXTURE_NOW_S - 5 * HOUR_S);
    const result = await read();
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('stale');
      expect(result.error.detail).toMatch(/Tautulli has not written a live session for 300 min/);
    }
  });

  it('skips and counts history rows with no reference_id, stopped before started, negative pauses or unknown media types', async () => {
    const before = await readTautulli({ dbPath: copy.tautulliDb, now: FIXTURE_NOW_MS, timeZone: 'UTC' });
    if (!before.ok) throw new Error(before.error.message);
    const t = FIXTURE_NOW_S - 2 * HOUR_S;
    const insert = `INSERT INTO session_history (reference_id, started, stopped, paused_counter, media_type, section_id, user_id, user, platform)
                    VALUES (?, ?, ?, ?, ?, 1, 1, 'x', 'Web')`;
    exec(insert, null, t, t + 600, 0, 'movie');
    exec(insert, 1, t + 600, t, 0, 'movie');
    exec(insert, 1, t, t + 600, -50, 'movie');
    exec(insert, 1, t, t + 600, 0, 'podcast');
    const after = await readTautulli({ dbPath: copy.tautulliDb, now: FIXTURE_NOW_MS, timeZone: 'UTC' });
    if (!after.ok) throw new Error(after.error.message);
    expect(after.data.history!.windows).toEqual(before.data.history!.windows);
    expect(after.data.skipped?.malformedHistory).toBe(4);
  });

  it('skips a live row of a media type Tautulli does not write', async () => {
    exec(
      "UPDATE sessions SET stopped = ?, media_type = 'podcast' WHERE id = (SELECT MAX(id) FROM sessions WHERE state <> 'stopped')",
      FIXTURE_NOW_S,
    );
    exec("UPDATE sessions SET stopped = ? WHERE state <> 'stopped' AND media_type <> 'podcast'", FIXTURE_NOW_S - 30);
    const result = await read();
    if (!result.ok) throw new Error(result.error.message);
    expect(result.data.skipped?.malformedSessions).toBe(1);
    expect(result.data.activity.streamCount).toBe(liveRows() - 1);
  });
});

describe("Tautulli's Group History setting", () => {
  it('reaches the source from tautulli.groupHistory (default on, as in Tautulli)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-group-'));
    try {
      const file = path.join(dir, 'marquee.yaml');
      const load = (yaml: string) => {
        writeFileSync(file, yaml);
        return sourcesConfig(loadConfig({ MARQUEE_CONFIG: file, MARQUEE_TAUTULLI_DB: tautulliDb, MARQUEE_PLEX_DB: tautulliDb }, dir));
      };
      expect(load('').tautulliGroupHistory).toBe(true);
      expect(load('tautulli:\n  groupHistory: false\n').tautulliGroupHistory).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('off, counts every segment as a play', async () => {
    const result = await readTautulli({ dbPath: tautulliDb, now: FIXTURE_NOW_MS, timeZone: 'UTC', groupHistory: false });
    if (!result.ok) throw new Error(result.error.message);
    const raw = segments.filter((s) => s.stopped >= FIXTURE_NOW_S - 30 * 86_400).length;
    expect(result.data.history!.windows['30d'].plays).toBe(raw);
  });
});

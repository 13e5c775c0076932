import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixtures } from '../../fixtures/generator/index.js';
import { readTautulli, type TautulliData } from '../../src/sources/tautulli/tautulli-source.js';

/**
 * Every number the Tautulli source reports, against Tautulli's own SQL run by an independent oracle
 * (test/support/tautulli-oracle.mjs) in a process whose TZ is the zone under test, on databases the
 * producer-faithful generator wrote. Two pinned clocks put both DST changes of New York, Paris and
 * Lord Howe (a 30-minute shift) inside the 30-day window; Kolkata and Kathmandu have half- and
 * quarter-hour offsets. Grouping on and off are both Tautulli settings.
 */
const ORACLE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../support/tautulli-oracle.mjs');
const ZONES = ['UTC', 'America/New_York', 'Europe/Paris', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe'];
const CLOCKS = {
  // Window 2026-03-07 .. 2026-04-06: New York springs forward Mar 8, Paris Mar 29, Lord Howe falls back Apr 5.
  spring: Date.UTC(2026, 3, 6, 10, 17, 23) / 1000,
  // Window 2026-10-03 .. 2026-11-02: Lord Howe springs forward Oct 4 (local), Paris falls back Oct 25, New York Nov 1.
  autumn: Date.UTC(2026, 10, 2, 8, 41, 5) / 1000,
};
const LIMIT = 5;

interface Oracle {
  windows: Record<'24h' | '7d' | '30d', { plays: number; watchTimeS: number }>;
  playsByHour: number[];
  playsByDay: { date: string; plays: number }[];
  playsByWeekday: number[];
  topMovies: { title: string; year: number | string | null; plays: number; watchTimeS: number }[];
  topShows: { title: string; year: number | string | null; plays: number; watchTimeS: number }[];
  topUsers: { name: string | null; user: string; plays: number; watchTimeS: number }[];
  topPlatforms: { platform: string; plays: number; watchTimeS: number }[];
  mostConcurrent: { streams: number; at: number | null };
  sessions: { transcode_decision: string; state: string; bandwidth: number; location: string }[];
}

function oracle(db: string, now: number, zone: string, group: boolean): Oracle {
  const out = execFileSync(process.execPath, [ORACLE, db, String(now), group ? '1' : '0', String(LIMIT)], {
    env: { ...process.env, TZ: zone },
    encoding: 'utf8',
  });
  return JSON.parse(out) as Oracle;
}

const yearOf = (y: number | string | null) => (y === null || y === '' ? null : Number(y));

let dir: string;
const dbs: Record<keyof typeof CLOCKS, string> = { spring: '', autumn: '' };

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'marquee-conformance-'));
  for (const [name, now] of Object.entries(CLOCKS) as [keyof typeof CLOCKS, number][]) {
    dbs[name] = generateFixtures(path.join(dir, name), { profile: 'conformance', now, seed: 11 }).tautulliDb;
  }
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(Object.keys(CLOCKS) as (keyof typeof CLOCKS)[])('Tautulli conformance, %s clock', (clock) => {
  describe.each(ZONES)('in %s', (zone) => {
    describe.each([true, false])('group history %s', (group) => {
      let expected: Oracle;
      let data: TautulliData;
      beforeAll(async () => {
        const now = CLOCKS[clock];
        expected = oracle(dbs[clock], now, zone, group);
        const result = await readTautulli({ dbPath: dbs[clock], now: now * 1000, timeZone: zone, topLimit: LIMIT, groupHistory: group });
        if (!result.ok) throw new Error(result.error.message);
        data = result.data;
      });

      it('plays per local hour, calendar day and weekday equal graphs.py', () => {
        expect(data.history!.playsByHour).toEqual(expected.playsByHour);
        expect(data.history!.playsByDay).toEqual(expected.playsByDay);
        expect(data.history!.playsByWeekday).toEqual(expected.playsByWeekday);
      });

      it("plays and watch time per window equal the libraries' watch-time stats summed", () => {
        expect(data.history!.windows).toEqual(expected.windows);
      });

      it('top movies, shows, users and platforms equal get_home_stats', () => {
        const h = data.history!;
        expect(
          h.topMovies.map((m) => ({ title: m.watching?.title, year: m.watching?.year, plays: m.plays, watchTimeS: m.watchTimeS })),
        ).toEqual(expected.topMovies.map((m) => ({ ...m, year: yearOf(m.year) })));
        expect(
          h.topShows.map((m) => ({ title: m.watching?.title, year: m.watching?.year, plays: m.plays, watchTimeS: m.watchTimeS })),
        ).toEqual(expected.topShows.map((m) => ({ ...m, year: yearOf(m.year) })));
        // Known difference: a user with no `users` row has no name in Tautulli; Marquee shows the
        // username its history rows carry.
        expect(h.topUsers.map((u) => ({ name: u.viewer?.name, plays: u.plays, watchTimeS: u.watchTimeS }))).toEqual(
          expected.topUsers.map((u) => ({ name: u.name ?? u.user, plays: u.plays, watchTimeS: u.watchTimeS })),
        );
        expect(h.topPlatforms).toEqual(expected.topPlatforms);
      });

      it('most concurrent streams and the last moment they were reached equal calc_most_concurrent', () => {
        expect(data.history!.mostConcurrent).toEqual({
          streams: expected.mostConcurrent.streams,
          at: expected.mostConcurrent.at === null ? null : expected.mostConcurrent.at * 1000,
        });
      });

      it('live streams are the sessions rows Tautulli is streaming, with their decisions and bandwidth', () => {
        const rows = expected.sessions;
        expect(rows.length).toBeGreaterThan(0);
        const a = data.activity;
        expect(a.streamCount).toBe(rows.length);
        expect([a.transcode, a.directStream, a.directPlay]).toEqual(
          ['transcode', 'copy', 'direct play'].map((d) => rows.filter((r) => r.transcode_decision === d).length),
        );
        expect(a.paused).toBe(rows.filter((r) => r.state === 'paused').length);
        const sum = (pick: (r: (typeof rows)[number]) => boolean) => rows.filter(pick).reduce((n, r) => n + r.bandwidth, 0);
        expect(a.bandwidthKbps).toEqual({
          total: sum(() => true),
          lan: sum((r) => r.location === 'lan'),
          wan: sum((r) => r.location === 'wan'),
        });
      });
    });
  });
});

describe('the conformance fixtures exercise what they claim', () => {
  it('resumed plays span hours and days, so per-slot grouping matters', () => {
    const zone = 'UTC';
    const grouped = oracle(dbs.spring, CLOCKS.spring, zone, true);
    const ungrouped = oracle(dbs.spring, CLOCKS.spring, zone, false);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    // Grouping merges segments into plays, yet the hour graph counts a play once per hour it started in.
    expect(sum(ungrouped.playsByHour)).toBeGreaterThan(sum(grouped.playsByHour));
    expect(sum(grouped.playsByHour)).toBeGreaterThan(grouped.windows['30d'].plays);
  });

  it('half-hour zones move plays to another local hour than UTC does', () => {
    const utc = oracle(dbs.spring, CLOCKS.spring, 'UTC', true);
    const kolkata = oracle(dbs.spring, CLOCKS.spring, 'Asia/Kolkata', true);
    // Neither a 5-hour nor a 6-hour shift of the UTC graph gives the +05:30 one.
    expect(kolkata.playsByHour).not.toEqual([...utc.playsByHour.slice(19), ...utc.playsByHour.slice(0, 19)]);
    expect(kolkata.playsByHour).not.toEqual([...utc.playsByHour.slice(18), ...utc.playsByHour.slice(0, 18)]);
  });
});

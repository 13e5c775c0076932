import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { readBackfill } from '../../src/sources/backfill.js';
import { copyFixtureDbs, FIXTURE_NOW_MS, fixtureDbs } from '../support/fixtures.js';

/**
 * What a seeded point should say at time t, computed here with SQL straight from Tautulli's tables:
 * the segments session_history has running at t, plus the sessions still playing (the rows a live
 * reading takes: not stopped or errored, a media type Tautulli records) that had started by t.
 */
function oracle(tautulliDb: string, options: { delayS?: number; ghostsBeforeS?: number } = {}) {
  const db = new Database(tautulliDb, { readonly: true });
  const delay = options.delayS ?? 0;
  const history = db.prepare(
    `SELECT COUNT(*) AS streams, COALESCE(SUM(sh.bandwidth), 0) AS bandwidth,
            COALESCE(SUM(shmi.transcode_decision = 'transcode'), 0) AS transcodes
     FROM session_history sh LEFT JOIN session_history_media_info shmi ON shmi.id = sh.id
     WHERE sh.started + ? <= ? AND sh.stopped > ?`,
  );
  const live = db.prepare(
    `SELECT COUNT(*) AS streams, COALESCE(SUM(bandwidth), 0) AS bandwidth,
            COALESCE(SUM('transcode' IN (transcode_decision, video_decision, audio_decision)), 0) AS transcodes
     FROM sessions
     WHERE (state IS NULL OR state NOT IN ('stopped', 'error')) AND media_type IN ('movie', 'episode', 'track', 'clip', 'photo')
       AND started + ? <= ? AND stopped >= ?`,
  );
  return {
    at(atMs: number) {
      const t = atMs / 1000;
      const h = history.get(delay, t, t) as { streams: number; bandwidth: number; transcodes: number };
      const l = live.get(delay, t, options.ghostsBeforeS ?? 0) as { streams: number; bandwidth: number; transcodes: number };
      return { streams: h.streams + l.streams, transcodes: h.transcodes + l.transcodes, bandwidthKbps: h.bandwidth + l.bandwidth };
    },
    /** What a live reading counts now. */
    liveNow: () =>
      db.prepare(`SELECT COUNT(*) FROM sessions WHERE state IS NULL OR state NOT IN ('stopped', 'error')`).pluck().get() as number,
    close: () => db.close(),
  };
}

describe('graph history backfill', () => {
  const dbs = fixtureDbs('demo');
  const points = readBackfill({ ...dbs, now: FIXTURE_NOW_MS, windowMs: 86_400_000, stepMs: 300_000 });

  it('covers the last 24 hours in 5-minute steps, oldest first', () => {
    expect(points).toHaveLength(288);
    expect(points.every((p, i) => i === 0 || p.at - points[i - 1]!.at === 300_000)).toBe(true);
  });

  it('counts the streams Tautulli recorded as running at each step, finished or still playing', () => {
    const o = oracle(dbs.tautulliDb);
    for (const p of points.filter((_, i) => i % 24 === 0 || i >= 270)) {
      expect({ streams: p.streams, transcodes: p.transcodes, bandwidthKbps: p.bandwidthKbps }, new Date(p.at).toISOString()).toEqual(
        o.at(p.at),
      );
    }
    o.close();
    expect(Math.max(...points.map((p) => p.streams))).toBeGreaterThan(0);
  });

  it("takes CPU from Plex's own resource statistics", () => {
    expect(points.some((p) => p.cpuPct !== null)).toBe(true);
  });
});

describe('the seed ends where the live reading starts', () => {
  it('counts the streams playing now, so the last seeded point is not 0 beside a live count of several', () => {
    const dbs = fixtureDbs('demo');
    const o = oracle(dbs.tautulliDb);
    const last = readBackfill({ ...dbs, now: FIXTURE_NOW_MS, windowMs: 3_600_000, stepMs: 300_000 }).at(-1)!;
    // The fixture has streams playing now; the seed used to end at 0 (only finished plays counted).
    expect(o.liveNow()).toBeGreaterThan(1);
    expect(last.streams).toBe(o.at(last.at).streams);
    expect(last.streams).toBeGreaterThan(0);
    expect(last.bandwidthKbps).toBeGreaterThan(0);
    o.close();
  });

  it("leaves out a stopped Tautulli's ghost rows, as the live reading does", () => {
    // Every session row last written an hour ago: with a 10-minute limit none of them is live.
    const dbs = copyFixtureDbs('demo', { sessionsWrittenAt: FIXTURE_NOW_MS - 3_600_000 });
    const o = oracle(dbs.tautulliDb, { ghostsBeforeS: (FIXTURE_NOW_MS - 600_000) / 1000 });
    const options = { ...dbs, now: FIXTURE_NOW_MS, windowMs: 3_600_000, stepMs: 300_000 };
    const strict = readBackfill({ ...options, sessionsStaleAfterMs: 600_000 });
    const lenient = readBackfill(options);
    for (const p of strict) expect(p.streams).toBe(o.at(p.at).streams);
    expect(lenient.at(-1)!.streams).toBeGreaterThan(strict.at(-1)!.streams);
    o.close();
  });

  it('counts a stream from when the privacy delay lets the live reading show it', () => {
    const dbs = fixtureDbs('demo');
    const o = oracle(dbs.tautulliDb, { delayS: 1800 });
    const points = readBackfill({ ...dbs, now: FIXTURE_NOW_MS, windowMs: 3_600_000, stepMs: 300_000, nowPlayingDelayMs: 1_800_000 });
    for (const p of points) expect(p.streams).toBe(o.at(p.at).streams);
    const undelayed = readBackfill({ ...dbs, now: FIXTURE_NOW_MS, windowMs: 3_600_000, stepMs: 300_000 });
    expect(points.at(-1)!.streams).toBeLessThan(undelayed.at(-1)!.streams);
    o.close();
  });
});

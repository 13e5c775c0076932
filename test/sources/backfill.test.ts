import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { readBackfill } from '../../src/sources/backfill.js';
import { FIXTURE_NOW_MS, fixtureDbs } from '../support/fixtures.js';

describe('graph history backfill', () => {
  const dbs = fixtureDbs('demo');
  const points = readBackfill({ ...dbs, now: FIXTURE_NOW_MS, windowMs: 86_400_000, stepMs: 300_000 });

  it('covers the last 24 hours in 5-minute steps, oldest first', () => {
    expect(points).toHaveLength(288);
    expect(points.every((p, i) => i === 0 || p.at - points[i - 1]!.at === 300_000)).toBe(true);
  });

  it('counts the streams Tautulli recorded as running at each step', () => {
    const db = new Database(dbs.tautulliDb, { readonly: true });
    const running = db.prepare('SELECT COUNT(*) FROM session_history WHERE started <= ? AND stopped > ?').pluck();
    for (const p of points.filter((_, i) => i % 24 === 0)) expect(p.streams).toBe(running.get(p.at / 1000, p.at / 1000));
    db.close();
    expect(Math.max(...points.map((p) => p.streams))).toBeGreaterThan(0);
  });

  it("takes CPU from Plex's own resource statistics", () => {
    expect(points.some((p) => p.cpuPct !== null)).toBe(true);
  });
});

import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { metricsConfigSchema, type MetricDefs } from '../../src/metrics/config.js';
import { migrate } from '../../src/stores/sqlite/migrate.js';
import { FIXTURE_NOW_S, fixtureDbs } from '../support/fixtures.js';

/** Offset used by the cookbook runs: not UTC, so a bucket in the wrong zone shows up. */
export const TZ_OFFSET_MIN = 120;

export const parseDefs = (input: unknown): MetricDefs => metricsConfigSchema.parse(input);

/** Raw rows, straight from one table: the independent side of a comparison does its own maths. */
export function rawRows<T>(file: string, sql: string): T[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

export interface Point {
  at: number;
  streams: number;
  transcodes: number;
  bandwidth_kbps: number;
  cpu_pct: number | null;
  mem_pct: number | null;
  temperature_c: number | null;
}

/**
 * Marquee's own store as the collector would leave it: one point every 5 minutes for 8 days,
 * streams counted from the demo Tautulli history (segments in progress at that instant) and a
 * temperature that rises with load. No fixture ships a marquee.db, so this stands in for one.
 */
export function demoHistoryStore(): { file: string; points: Point[] } {
  const segments = rawRows<{ started: number; stopped: number }>(
    fixtureDbs('demo').tautulliDb,
    'SELECT started, stopped FROM session_history',
  );
  const points: Point[] = [];
  const first = FIXTURE_NOW_S - 8 * 86_400;
  const recent = segments.filter((s) => s.stopped >= first);
  for (let i = 0, t = first; t <= FIXTURE_NOW_S; i++, t += 300) {
    const streams = recent.filter((s) => s.started <= t && t < s.stopped).length;
    points.push({
      at: t * 1000,
      streams,
      transcodes: Math.floor(streams / 3),
      bandwidth_kbps: streams * 4000,
      cpu_pct: Math.min(100, 4 + 18 * streams),
      mem_pct: 40,
      // Every 17th reading missing, as when the sensor is unavailable.
      temperature_c: i % 17 === 0 ? null : 38 + 6.5 * streams + ((i * 37) % 11) / 2,
    });
  }
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'marquee-metrics-')), 'marquee.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  migrate(db);
  const insert = db.prepare(
    'INSERT INTO history_points (at, streams, transcodes, bandwidth_kbps, cpu_pct, mem_pct, temperature_c) VALUES (@at, @streams, @transcodes, @bandwidth_kbps, @cpu_pct, @mem_pct, @temperature_c)',
  );
  db.transaction(() => points.forEach((p) => insert.run(p)))();
  db.close();
  return { file, points };
}

import type Database from 'better-sqlite3';
import type { SegmentTimes } from '../../snapshot/concurrency.js';
import type { HistoryQueries } from './queries.js';
import type { TautulliExtras, TitledRow } from '../../snapshot/source-results.js';

/** SQLite reads a negative LIMIT as no limit: the same statements, every row. */
const EVERY_ROW = -1;

/** Reads the extras inside the caller's read transaction, with the parameters its history used. */
export function readTautulliExtras(
  db: Database.Database,
  queries: HistoryQueries,
  params: { since: number; private: string },
  segments: SegmentTimes[],
  year: (value: unknown) => number | null,
): TautulliExtras {
  const all = <T>(sql: string) => db.prepare(sql).all({ ...params, limit: EVERY_ROW }) as T[];
  type Titled = { title: string | null; year: unknown; thumb: string | null; plays: number; watchTimeS: number; lastWatch: number };
  const titled = (r: Titled): TitledRow => ({
    title: r.title ?? '',
    year: year(r.year),
    thumb: r.thumb || null,
    plays: r.plays,
    watchTimeS: r.watchTimeS,
    lastWatch: Number(r.lastWatch) || 0,
  });
  return {
    segments,
    users: all<{ userId: number | null; name: string | null; plays: number; watchTimeS: number; lastWatch: number }>(queries.topUsers).map(
      (r) => ({
        userId: r.userId,
        name: r.name ?? 'unknown',
        plays: r.plays,
        watchTimeS: r.watchTimeS,
        lastWatch: Number(r.lastWatch) || 0,
      }),
    ),
    movies: all<Titled>(queries.topMovies).map(titled),
    shows: all<Titled>(queries.topShows).map(titled),
    platforms: all<{ platform: string | null; plays: number; watchTimeS: number; lastWatch: number }>(queries.topPlatforms).map((r) => ({
      platform: r.platform ?? 'Unknown',
      plays: r.plays,
      watchTimeS: r.watchTimeS,
      lastWatch: Number(r.lastWatch) || 0,
    })),
  };
}

export type { TautulliExtras, TitledRow };

import type Database from 'better-sqlite3';
import type { SegmentTimes } from './concurrency.js';
import type { HistoryQueries } from './queries.js';

/**
 * What the network image needs from one server's Tautulli beyond its snapshot (issue 20), so that
 * its numbers over several servers are Tautulli's numbers over their union, not sums of summaries:
 *
 * - `segments`: the [started, stopped] pairs the most-concurrent sweep reads (concurrencySql, 30
 *   days, private sections out): the network's peak is the sweep over every server's segments,
 *   which the sum or the maximum of the servers' peaks is not.
 * - `users`, `movies`, `shows`, `platforms`: the home-stats rows of EVERY key, not the top few. A
 *   top-N merge is not exact: a film sixth on two servers can be first on the network. The rows are
 *   keyed as Tautulli keys them, so the same key on two servers is one row of the union: a user by
 *   user_id (Tautulli's user_id is the plex.tv account id, the same on every server the account
 *   uses), a film by (full title, year), a show by its title, a platform by its name. Each row
 *   carries lastWatch, Tautulli's tie-break.
 *
 * Costs one more run of each top query without its LIMIT (the grouped work is the same; only the
 * kept rows grow); the segments are the ones the source already read.
 */
export interface TautulliExtras {
  segments: SegmentTimes[];
  users: Array<{ userId: number | null; name: string; plays: number; watchTimeS: number; lastWatch: number }>;
  movies: Array<TitledRow>;
  shows: Array<TitledRow>;
  platforms: Array<{ platform: string; plays: number; watchTimeS: number; lastWatch: number }>;
}

export interface TitledRow {
  title: string;
  year: number | null;
  thumb: string | null;
  plays: number;
  watchTimeS: number;
  lastWatch: number;
}

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

import type { SegmentTimes } from '../../snapshot/concurrency.js';
import type { TautulliExtras, TitledRow } from '../../snapshot/source-results.js';
import { validYear } from './values.js';

/**
 * What the network aggregation needs from one Tautulli (issue 20), from rows the history read has
 * already fetched: the most-concurrent segments and the top lists read whole (LIMIT -1) instead of
 * their first `topLimit`, so lists can be merged across servers exactly. No query of its own.
 */
export interface TopUserRow {
  userId: number | null;
  name: string | null;
  plays: number;
  watchTimeS: number;
  lastWatch: number;
}

/** A film or show row of Tautulli's home-stats queries (queries.ts topMovies / topShows). */
export interface TitledSourceRow {
  title: string | null;
  year: number | string | null;
  thumb: string | null;
  plays: number;
  watchTimeS: number;
  lastWatch: number;
}

export function tautulliExtras(rows: {
  segments: SegmentTimes[];
  users: TopUserRow[];
  movies: TitledSourceRow[];
  shows: TitledSourceRow[];
  platforms: Array<{ platform: string | null; plays: number; watchTimeS: number; lastWatch: number }>;
}): TautulliExtras {
  const titled = (r: TitledSourceRow): TitledRow => ({
    title: r.title ?? '',
    year: validYear(r.year),
    thumb: r.thumb || null,
    plays: r.plays,
    watchTimeS: r.watchTimeS,
    lastWatch: Number(r.lastWatch) || 0,
  });
  return {
    segments: rows.segments,
    users: rows.users.map((r) => ({
      userId: r.userId,
      name: r.name ?? 'unknown',
      plays: r.plays,
      watchTimeS: r.watchTimeS,
      lastWatch: Number(r.lastWatch) || 0,
    })),
    movies: rows.movies.map(titled),
    shows: rows.shows.map(titled),
    platforms: rows.platforms.map((r) => ({
      platform: r.platform ?? 'Unknown',
      plays: r.plays,
      watchTimeS: r.watchTimeS,
      lastWatch: Number(r.lastWatch) || 0,
    })),
  };
}

export type { TautulliExtras, TitledRow };

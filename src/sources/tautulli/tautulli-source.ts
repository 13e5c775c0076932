import type Database from 'better-sqlite3';
import type { History } from '../../snapshot/schema.js';
import { runSource, type SourceResult } from '../result.js';
import { openReadOnly } from '../sqlite-readonly.js';
import { playGraphs, type GraphSegment } from './buckets.js';
import { mostConcurrent, type SegmentTimes } from '../../snapshot/concurrency.js';
import * as q from './queries.js';
import { tautulliExtras, type TautulliExtras, type TitledSourceRow, type TopUserRow } from './network-extras.js';
import type { TautulliData } from '../../snapshot/source-results.js';
import { readSessions } from './sessions.js';
import { validYear } from './values.js';
import { extrasToken, historyToken, readChanges, type TautulliHistoryUnchanged } from './change-tokens.js';

export interface TautulliSourceOptions {
  dbPath: string;
  /** Epoch ms; windows are measured back from here. */
  now: number;
  timeZone: string;
  topLimit?: number;
  busyTimeoutMs?: number;
  /** Section names or ids whose plays are not counted publicly and whose titles never appear. */
  privateSections?: ReadonlyArray<string | number>;
  /**
   * Tautulli's "Group History" setting (GROUP_HISTORY_TABLES, on by default): on, a play is a
   * reference_id group of segments; off, every segment is a play. It lives in Tautulli's config.ini,
   * not in its database, so the admin mirrors it here (config tautulli.groupHistory).
   */
  groupHistory?: boolean;
  /**
   * Tautulli rewrites a live session's row, stamping `stopped` with the write time, at least once a
   * minute while it plays and on every event while paused (activity_handler.process: update_db_session
   * after 60 s, on_pause(still_paused=True)), and force-stops a session it has not heard of for 5
   * minutes. A row last written longer ago than this was left by a Tautulli that stopped: it is not a
   * live stream. When every live-looking row is such a ghost, the source fails and the section goes
   * stale. Undefined or 0: off (demo data, whose rows were written once).
   */
  sessionsStaleAfterMs?: number;
  /** Also read what the network image needs (network-extras.ts); off: a one-server cycle costs nothing more. */
  networkExtras?: boolean | { knownToken: string };
  /**
   * Answer the history section's token (change-tokens.ts) beside it; with the token of the history
   * the caller keeps, answer `unchanged` instead of reading the history again while it holds.
   */
  historyCache?: boolean | { knownToken: string };
}

/** The answer when the caller's extras token is still current: keep the extras read with it. */
export interface TautulliExtrasUnchanged {
  token: string;
  unchanged: true;
}

/**
 * A Tautulli read; `extras` with options.networkExtras, on success, with the token they were read
 * under (or only that token while the caller's is current). Never part of a snapshot.
 */
export type TautulliResult = SourceResult<TautulliData> & {
  extras?: (TautulliExtras & { token?: string }) | TautulliExtrasUnchanged;
  /**
   * With options.historyCache: the history section's token; `unchanged` when it is the caller's,
   * with this read's 24-hour and 7-day windows, and then `data.history` is null and
   * `data.skipped.malformedHistory` 0: the caller's kept section stands with these windows
   * (read-all.ts puts it back before the result leaves src/sources).
   */
  historyCache?: { token: string } | TautulliHistoryUnchanged;
};

export type { TautulliData };

const DAY_S = 86_400;
const PAGE_CACHE_PAGES = 256;

/** Without a known token, the extras are always read whole. */
export async function readTautulli(
  options: TautulliSourceOptions & { networkExtras: true },
): Promise<SourceResult<TautulliData> & { extras?: TautulliExtras & { token?: string } }>;
export async function readTautulli(options: TautulliSourceOptions): Promise<TautulliResult>;
export async function readTautulli(options: TautulliSourceOptions): Promise<TautulliResult> {
  let extras: TautulliResult['extras'];
  let historyCache: TautulliResult['historyCache'];
  const result = await runSource(() => {
    const handle = openReadOnly(options.dbPath, options.busyTimeoutMs);
    try {
      // Same reason as the Plex source: a one-cycle connection only ever grows better-sqlite3's
      // 16 MB default page cache, and each cycle's fresh pages were RSS the server never got back.
      handle.db.pragma(`cache_size = ${PAGE_CACHE_PAGES}`);
      return handle.db.transaction((): TautulliData => {
        const privateIds = JSON.stringify(privateSectionIds(handle.db, options.privateSections ?? []));
        const live = readSessions(handle.db, options, privateIds);
        const grouped = options.groupHistory !== false;
        // One query a cycle says what changed, for the history's token and the extras' alike.
        const changes = options.historyCache || options.networkExtras ? readChanges(handle.db, options.now) : [];
        const currentExtras = options.networkExtras ? extrasToken(changes, privateIds, grouped) : undefined;
        if (options.historyCache) {
          const token = historyToken(
            changes,
            { now: options.now, timeZone: options.timeZone, topLimit: options.topLimit ?? 5, groupHistory: grouped },
            privateIds,
          );
          const known = typeof options.historyCache === 'object' ? options.historyCache.knownToken : undefined;
          // The extras are made from the history's rows: kept only while their own token holds too.
          const keptExtras = typeof options.networkExtras === 'object' ? options.networkExtras.knownToken : undefined;
          if (token === known && keptExtras === currentExtras) {
            // The 24-hour and 7-day windows move with `now` every few minutes on a busy server:
            // read every time (~10 ms on large), so the token follows the 30 days' rows only.
            const windows = {
              '24h': windowTotals(handle.db, options, privateIds, 1),
              '7d': windowTotals(handle.db, options, privateIds, 7),
            };
            historyCache = { token, unchanged: true, windows };
            if (keptExtras !== undefined) extras = { token: keptExtras, unchanged: true };
            return {
              activity: live.activity,
              history: null,
              skipped: { ghostSessions: live.ghosts, malformedSessions: live.malformed, malformedHistory: 0 },
            };
          }
          historyCache = { token };
        }
        const history = readHistory(handle.db, options, privateIds, currentExtras);
        extras = history.extras;
        return {
          activity: live.activity,
          history: history.history,
          skipped: { ghostSessions: live.ghosts, malformedSessions: live.malformed, malformedHistory: history.malformed },
        };
      })();
    } finally {
      handle.close();
    }
  });
  if (!result.ok) return result;
  return { ...result, ...(extras ? { extras } : {}), ...(historyCache ? { historyCache } : {}) };
}

function privateSectionIds(db: Database.Database, sections: ReadonlyArray<string | number>): number[] {
  const names = sections.filter((s): s is string => typeof s === 'string');
  const byName = names.length
    ? (db
        .prepare(q.privateSectionIdsSql)
        .pluck()
        .all({ names: JSON.stringify(names) }) as number[])
    : [];
  return [...new Set([...sections.filter((s): s is number => typeof s === 'number'), ...byName])];
}

/** `token`: the extras' token now (with options.networkExtras), which decides whether they are read whole. */
function readHistory(
  db: Database.Database,
  options: TautulliSourceOptions,
  privateIds: string,
  token: string | undefined,
): { history: History; malformed: number; extras?: TautulliResult['extras'] } {
  const nowS = Math.floor(options.now / 1000);
  const limit = options.topLimit ?? 5;
  const queries = q.historyQueries(options.groupHistory === false ? 'id' : 'reference_id');
  const window = (days: number) => windowTotals(db, options, privateIds, days);
  const since30 = nowS - 30 * DAY_S;
  // While the extras' token holds, the caller keeps what it has: tens of thousands of rows are not
  // rebuilt, cloned and collected each cycle.
  const known = typeof options.networkExtras === 'object' ? options.networkExtras.knownToken : undefined;
  const rebuild = token !== undefined && token !== known;
  // Each top list is read once: whole when new extras are wanted, else its first `limit` (the
  // grouped work is the same; only the rows made and handed over differ).
  const every = rebuild ? EVERY_ROW : limit;
  const top = <T>(sql: string, rows = every) => db.prepare(sql).all({ since: since30, limit: rows, private: privateIds }) as T[];
  type Platform = { platform: string | null; plays: number; watchTimeS: number; lastWatch: number };
  // Every play of the 30 days is in exactly one platform's row: their sums are the 30-day window, one
  // grouped pass fewer per cycle.
  const platforms = top<Platform>(queries.topPlatforms, EVERY_ROW);
  // Tens of thousands of rows: arrays are much cheaper to hand over than objects.
  const graphRows = db.prepare(queries.graphSegments).raw().all({ since: since30, private: privateIds }) as GraphSegment[];
  const libraryTypes = new Set(db.prepare(q.libraryTypesSql).pluck().all() as string[]);
  const graphs = playGraphs(graphRows, { now: options.now, days: 30, timeZone: options.timeZone, libraryTypes });
  const segments = db.prepare(q.concurrencySql).raw().all({ since: since30, private: privateIds }) as SegmentTimes[];
  const peak = mostConcurrent(segments);
  const malformed = Number(db.prepare(q.malformedHistorySql).pluck().get({ since: since30 }) ?? 0);
  type Titled = TitledSourceRow;
  const titled = (r: Titled) => ({
    watching: { title: r.title ?? '', grandparentTitle: null, year: validYear(r.year), thumb: r.thumb || null },
    plays: r.plays,
    watchTimeS: r.watchTimeS,
  });
  const users = top<TopUserRow>(queries.topUsers);
  const movies = top<Titled>(queries.topMovies);
  const shows = top<Titled>(queries.topShows);
  const history: History = {
    windows: { '24h': window(1), '7d': window(7), '30d': totalOf(platforms) ?? window(30) },
    topUsers: users.slice(0, limit).map((r) => ({ viewer: { name: r.name ?? 'unknown' }, plays: r.plays, watchTimeS: r.watchTimeS })),
    topMovies: movies.slice(0, limit).map(titled),
    topShows: shows.slice(0, limit).map(titled),
    topPlatforms: platforms.slice(0, limit).map((r) => ({ platform: r.platform ?? 'Unknown', plays: r.plays, watchTimeS: r.watchTimeS })),
    playsByHour: graphs.byHour,
    playsByDay: graphs.byDay,
    playsByWeekday: graphs.byWeekday,
    mostConcurrent: { streams: peak.count, at: peak.at === null ? null : peak.at * 1000 },
  };
  if (token === undefined) return { history, malformed };
  if (!rebuild) return { history, malformed, extras: { token, unchanged: true } };
  return { history, malformed, extras: { ...tautulliExtras({ segments, users, movies, shows, platforms }), token } };
}

/** Plays and watch time of the plays that stopped in the last `days` days (queries.ts `window`). */
function windowTotals(db: Database.Database, options: TautulliSourceOptions, privateIds: string, days: number): PlayTotals {
  const sql = q.historyQueries(options.groupHistory === false ? 'id' : 'reference_id').window;
  const row = db.prepare(sql).get({ since: Math.floor(options.now / 1000) - days * DAY_S, private: privateIds }) as PlayTotals;
  return { plays: row.plays, watchTimeS: row.watchTimeS };
}

interface PlayTotals {
  plays: number;
  watchTimeS: number;
}

/** SQLite reads a negative LIMIT as no limit: the same statements, every row. */
const EVERY_ROW = -1;

/**
 * The sum of every group's plays and watch time. Only exact while every sum is an integer (Tautulli
 * writes whole seconds); otherwise null sends the caller to SQLite's own SUM.
 */
function totalOf(rows: ReadonlyArray<PlayTotals>): PlayTotals | null {
  let plays = 0;
  let watchTimeS = 0;
  for (const r of rows) {
    if (!Number.isSafeInteger(r.watchTimeS)) return null;
    plays += r.plays;
    watchTimeS += r.watchTimeS;
  }
  return Number.isSafeInteger(watchTimeS) ? { plays, watchTimeS } : null;
}

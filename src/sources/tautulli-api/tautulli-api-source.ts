import type { LookupFunction } from 'node:net';
import pLimit from 'p-limit';
import type { z } from 'zod';
import type { History } from '../../snapshot/schema.js';
import { sourceError, type SourceError, type SourceResult } from '../result.js';
import type { TautulliData } from '../tautulli/tautulli-source.js';
import {
  activitySchema,
  firstIssue,
  graphSchema,
  homeStatsSchema,
  libraryNamesSchema,
  statRowSchemas,
  watchTimeSchema,
} from './answers.js';
import { createTautulliClient, TautulliApiError, type TautulliClient } from './client.js';
import { playGraphs, titled, toActivity } from './map.js';
import { readApiExtras, type TautulliApiExtrasCache } from './network-extras.js';
import type { TautulliExtras } from '../../snapshot/source-results.js';

/**
 * The Tautulli section read over Tautulli's HTTP API v2 instead of its database: the same TautulliData,
 * from the commands whose numbers Tautulli's own pages show. Everything lives in one call's scope (a
 * client, its sockets, its limiter), so any number of these run side by side, one per server.
 *
 * Calls per cycle: 10 + one per public library (get_library_names lists them, at most MAX_LIBRARIES):
 *   get_activity, get_library_names, get_home_stats x5 (top_movies, top_tv, top_users, top_platforms,
 *   most_concurrent), get_plays_by_hourofday, get_plays_by_date, get_plays_by_dayofweek, and
 *   get_library_watch_time_stats per library. At most `concurrency` are in flight; all share one
 *   deadline (`timeoutMs`), and the first failure cancels the rest. With networkExtras (several
 *   servers), also network-extras.ts's: get_history pages (one per 2,000 segments of the 30 days) and
 *   4 get_home_stats, each again per private section; their failure leaves only the extras out.
 *
 * What the API cannot do that the database source does (README lists these):
 *   - Private sections: get_activity rows and the per-library watch time carry a section id, so a
 *     private section's streams lose their titles and its plays leave the windows, as in the database
 *     mode. The graphs (no section parameter), most_concurrent (ignores section_id) and top_users /
 *     top_platforms (one section per call, not "all but one") still count a private section's plays.
 *     top_movies / top_tv drop rows whose section is private: their titles never appear, but a title
 *     found in a public and a private section keeps the private plays in its count.
 *   - Windows are measured from Tautulli's clock, and the graphs bucket by Tautulli's zone (SQLite's
 *     'localtime' in its process), not render.timeZone: set both to the same zone.
 *   - Live streams are Plex's current sessions as Tautulli asks for them, in session_key order; the
 *     database mode reads Tautulli's own `sessions` rows in start order, and checks them for staleness.
 */
export interface TautulliApiSourceOptions {
  /** Tautulli's address, with its HTTP root if it has one (config tautulli.url). */
  url: string;
  /** Tautulli's API key (config tautulli.apiKey). Sent as a query parameter; never logged or shown. */
  apiKey: string;
  /** PEM file trusted for a self-signed HTTPS certificate (config tautulli.caFile). */
  caFile?: string;
  /** The deadline of the whole read, every call included (config collector.sourceTimeoutMs). */
  timeoutMs: number;
  topLimit?: number;
  /** Section names or ids whose plays are not counted publicly and whose titles never appear (see above). */
  privateSections?: ReadonlyArray<string | number>;
  /**
   * Tautulli's "Group History" (GROUP_HISTORY_TABLES), sent as `grouping`. Undefined: Tautulli applies
   * its own setting, which over the API it knows better than any mirror of it.
   */
  groupHistory?: boolean;
  /** Calls in flight at once (default 4: Tautulli answers each on a CherryPy thread, with SQLite behind). */
  concurrency?: number;
  maxResponseBytes?: number;
  /** DNS lookup; default the system's. */
  lookup?: LookupFunction;
  /**
   * Also read what the network image needs (network-extras.ts; only with several servers). A failed
   * extras read leaves them out and the section as read: the network then says `partial`.
   */
  networkExtras?: boolean;
  /** Epoch ms, the end of the extras' 30-day window (the cycle's clock); needed with networkExtras. */
  now?: number;
  /** Kept by the caller across cycles (one per server): an unchanged history is not read again. */
  extrasCache?: TautulliApiExtrasCache;
}

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_TOP_LIMIT = 5;
/** Extra top rows asked for when some sections are private, to refill the list after dropping theirs. */
const PRIVATE_TOP_MARGIN = 10;
const WINDOWS = { '24h': 1, '7d': 7, '30d': 30 } as const;
const STATS = ['top_movies', 'top_tv', 'top_users', 'top_platforms', 'most_concurrent'] as const;

export async function readTautulliApi(
  options: TautulliApiSourceOptions,
): Promise<SourceResult<TautulliData> & { extras?: TautulliExtras }> {
  const started = performance.now();
  let client: TautulliClient | undefined;
  // Not runSource: its mapping reads SQLite and file-system texts (a detail saying "does not exist"
  // would become 'missing'); here every failure is already a TautulliApiError with its code.
  try {
    client = createTautulliClient(options);
    const { data, extras } = await collect(client, options);
    return { ok: true, data, durationMs: performance.now() - started, ...(extras ? { extras } : {}) };
  } catch (err) {
    return { ok: false, error: toError(err, client), durationMs: performance.now() - started };
  } finally {
    client?.close();
  }
}

async function collect(
  client: TautulliClient,
  options: TautulliApiSourceOptions,
): Promise<{ data: TautulliData; extras?: TautulliExtras }> {
  const cancel = new AbortController();
  const signal = AbortSignal.any([AbortSignal.timeout(options.timeoutMs), cancel.signal]);
  const limit = pLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
  const grouping: Record<string, number> = options.groupHistory === undefined ? {} : { grouping: options.groupHistory ? 1 : 0 };
  const topLimit = options.topLimit ?? DEFAULT_TOP_LIMIT;
  const privateEntries = options.privateSections ?? [];
  const statsCount = topLimit + (privateEntries.length > 0 ? PRIVATE_TOP_MARGIN : 0);

  /** One call through the limiter, its data read by `read`; the first failure cancels the others. */
  const ask = <T>(cmd: string, params: Record<string, string | number>, read: (data: unknown) => T): Promise<T> =>
    limit(async () => read(await client.call(cmd, params, signal))).catch((err: unknown) => {
      cancel.abort();
      throw err;
    });

  const sections = ask('get_library_names', {}, parseWith(libraryNamesSchema, 'get_library_names'));
  const activity = ask('get_activity', {}, readSessions);
  const stats = Promise.all(
    STATS.map((stat) =>
      ask(
        'get_home_stats',
        { stat_id: stat, time_range: 30, stats_count: statsCount, ...grouping },
        parseWith(homeStatsSchema, `get_home_stats (${stat})`),
      ),
    ),
  );
  const graph = (cmd: string) => ask(cmd, { time_range: 30, y_axis: 'plays', ...grouping }, parseWith(graphSchema, cmd));
  const graphs = Promise.all([graph('get_plays_by_hourofday'), graph('get_plays_by_date'), graph('get_plays_by_dayofweek')]);
  const hidden = sections.then((list) => privateIds(privateEntries, list));
  const windows = Promise.all([sections, hidden]).then(([list, ids]) =>
    Promise.all(
      list
        .filter((s) => s.section_id !== null && !ids.has(s.section_id))
        .map((s) =>
          ask(
            'get_library_watch_time_stats',
            { section_id: s.section_id!, query_days: '1,7,30', ...grouping },
            parseWith(watchTimeSchema, 'get_library_watch_time_stats'),
          ),
        ),
    ),
  );
  // The extras' calls share the limiter and the deadline but not the cancel: their failure is theirs.
  const extras =
    options.networkExtras && options.now !== undefined
      ? readApiExtras(
          <T>(cmd: string, params: Record<string, string | number>, read: (data: unknown) => T) =>
            limit(async () => read(await client.call(cmd, params, signal))),
          { now: options.now, grouping, hidden, ...(options.extrasCache ? { cache: options.extrasCache } : {}) },
        ).catch(() => undefined)
      : Promise.resolve(undefined);
  const [sessions, statAnswers, [hour, date, weekday], perLibrary, ids] = await Promise.all([activity, stats, graphs, windows, hidden]);

  const live = toActivity(sessions, ids);
  const history: History = {
    windows: sumWindows(perLibrary),
    ...homeStats(statAnswers.flat(), topLimit, ids),
    ...playGraphs({ hour, date, weekday }),
  };
  const data: TautulliData = {
    activity: live.activity,
    history,
    skipped: { ghostSessions: 0, malformedSessions: live.malformed, malformedHistory: 0 },
  };
  const read = await extras;
  return read ? { data, extras: read } : { data };
}

function parseWith<T>(schema: z.ZodType<T>, what: string): (data: unknown) => T {
  return (data) => {
    const parsed = schema.safeParse(data);
    if (!parsed.success)
      throw new TautulliApiError('unavailable', `Tautulli's answer to ${what} is not in the expected shape (${firstIssue(parsed.error)})`);
    return parsed.data;
  };
}

/**
 * get_activity answers `{}` (success, no session list) when Tautulli cannot reach Plex: pmsconnect
 * returns nothing and webserve.get_activity hands back an empty dict. That is not "no streams".
 */
function readSessions(data: unknown) {
  if (typeof data === 'object' && data !== null && !Array.isArray(data) && !('sessions' in data)) {
    throw new TautulliApiError('unavailable', 'Tautulli answered get_activity without a session list: Tautulli cannot reach Plex');
  }
  return parseWith(activitySchema, 'get_activity')(data).sessions;
}

/** Names match section_name exactly and numbers section_id, as in the database source. */
function privateIds(
  entries: ReadonlyArray<string | number>,
  sections: ReadonlyArray<{ section_id: number | null; section_name: string | null }>,
) {
  const ids = new Set<number>(entries.filter((e): e is number => typeof e === 'number'));
  for (const s of sections) if (s.section_id !== null && entries.includes(s.section_name ?? '\u0000')) ids.add(s.section_id);
  return ids;
}

function sumWindows(
  perLibrary: ReadonlyArray<ReadonlyArray<{ query_days: number; total_time: number; total_plays: number }>>,
): History['windows'] {
  const window = (days: number) => {
    let plays = 0;
    let watchTimeS = 0;
    for (const rows of perLibrary) {
      const row = rows.find((r) => r.query_days === days);
      if (!row) throw new TautulliApiError('unavailable', `Tautulli's get_library_watch_time_stats has no row for query_days ${days}`);
      plays += row.total_plays;
      watchTimeS += row.total_time;
    }
    return { plays, watchTimeS };
  };
  return { '24h': window(WINDOWS['24h']), '7d': window(WINDOWS['7d']), '30d': window(WINDOWS['30d']) };
}

type StatAnswer = { stat_id: string; rows: unknown[] };

function rowsOf<T>(answers: readonly StatAnswer[], stat: string, schema: z.ZodType<T>): T[] {
  const rows = answers.find((a) => a.stat_id === stat)?.rows ?? [];
  return rows.map((row) => {
    const parsed = schema.safeParse(row);
    if (!parsed.success) {
      throw new TautulliApiError('unavailable', `Tautulli's ${stat} row is not in the expected shape (${firstIssue(parsed.error)})`);
    }
    return parsed.data;
  });
}

function homeStats(answers: readonly StatAnswer[], topLimit: number, hidden: ReadonlySet<number>) {
  const isPublic = (r: { section_id: number | null }) => r.section_id === null || !hidden.has(r.section_id);
  const titles = (stat: string) =>
    rowsOf(answers, stat, statRowSchemas.titles)
      .filter(isPublic)
      .slice(0, topLimit)
      .map((r) => titled({ title: r.title, year: r.year, thumb: r.thumb, plays: r.total_plays, watchTimeS: r.total_duration }));
  const concurrent = rowsOf(answers, 'most_concurrent', statRowSchemas.concurrent).find((r) => r.title === 'Concurrent Streams');
  const at = concurrent?.started ? Number(concurrent.started) : NaN;
  return {
    topUsers: rowsOf(answers, 'top_users', statRowSchemas.users)
      .slice(0, topLimit)
      .map((r) => ({ viewer: { name: r.friendly_name ?? r.user ?? 'unknown' }, plays: r.total_plays, watchTimeS: r.total_duration })),
    topMovies: titles('top_movies'),
    topShows: titles('top_tv'),
    topPlatforms: rowsOf(answers, 'top_platforms', statRowSchemas.platforms)
      .slice(0, topLimit)
      .map((r) => ({ platform: r.platform ?? 'Unknown', plays: r.total_plays, watchTimeS: r.total_duration })),
    mostConcurrent: { streams: concurrent?.count ?? 0, at: Number.isFinite(at) ? at * 1000 : null },
  };
}

/**
 * check-config's probe of a configured Tautulli: one call (get_tautulli_info) that needs the key and
 * touches neither Plex nor the history, so reachability, TLS and the key are checked in one line.
 */
export async function checkTautulliApi(
  options: Pick<TautulliApiSourceOptions, 'url' | 'apiKey' | 'caFile' | 'timeoutMs' | 'lookup'>,
): Promise<SourceResult<{ version: string | null }>> {
  const started = performance.now();
  let client: TautulliClient | undefined;
  try {
    client = createTautulliClient(options);
    const data = await client.call('get_tautulli_info', {}, AbortSignal.timeout(options.timeoutMs));
    const version = (data as { tautulli_version?: unknown } | null)?.tautulli_version;
    return {
      ok: true,
      data: { version: typeof version === 'string' ? version.slice(0, 64) : null },
      durationMs: performance.now() - started,
    };
  } catch (err) {
    return { ok: false, error: toError(err, client), durationMs: performance.now() - started };
  } finally {
    client?.close();
  }
}

/** A thrown error as the section's error; anything not already a TautulliApiError is redacted here. */
function toError(err: unknown, client: TautulliClient | undefined): SourceError {
  if (err instanceof TautulliApiError) return sourceError(err.code, err.message);
  const text = String((err as Error | undefined)?.message ?? err);
  return sourceError('unavailable', client ? client.redact(text) : 'the Tautulli API client could not be created');
}

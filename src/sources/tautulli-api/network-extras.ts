import { z } from 'zod';
import type { SegmentTimes } from '../../snapshot/concurrency.js';
import type { TautulliExtras } from '../../snapshot/source-results.js';
import { tautulliExtras, type TopUserRow } from '../tautulli/network-extras.js';
import { firstIssue } from './answers.js';
import { TautulliApiError } from './client.js';

/**
 * The network extras (issue 20) over Tautulli's API v2: the TautulliExtras the database source
 * builds (src/sources/tautulli/network-extras.ts) for a Tautulli on another host.
 *
 * - Segments: get_history with grouping=0 (one row per session_history row: datafactory
 *   get_datatables_history groups by session_history.id, so `started`/`stopped` are the row's own),
 *   include_activity=0 (live sessions are not history), from `after` (started on or after a local
 *   date: webserve.get_history turns it into `>=`) a margin before the 30 days, so that every row that
 *   stopped inside them is listed unless it started more than a day before them; kept when it
 *   stopped inside the window and is a row Tautulli writes (the database source's wellFormed). Rows
 *   of private sections (the API has no "all but") are listed again with section_id and left out.
 *   Tautulli runs the whole filtered query for every page (datatables.ssp_query slices in Python), so
 *   pages are large and the count of the first page decides how many follow, asked at once. With a
 *   cache (TautulliApiExtrasCache), a one-row probe comes first and an unchanged history is not read.
 * - Top rows: get_home_stats of top_users, top_movies, top_tv and top_platforms with time_range 30
 *   and a stats_count past any real server's keys (a full answer of that many rows fails the
 *   extras: the list was cut). Private sections: their rows (section_id, one call per section and
 *   list) are subtracted key by key; plays and watch time are then exact, lastWatch (the tie-break)
 *   is still the latest over every section.
 *
 * Differences from the database source, for the README: a history row without its
 * session_history_metadata row is not listed by get_history (Tautulli JOINs it); the window is
 * measured from Tautulli's clock for the top rows (get_home_stats takes no end time); platforms
 * are named with Tautulli's PLATFORM_NAME_OVERRIDES applied (top_platforms does it).
 */

/** Rows per get_history page: ~1.3 kB each as Tautulli sends them, so a page is ~3 MB, under the 8 MiB cap. */
export const HISTORY_PAGE = 2_000;
/** The most segments read (30 days); a server past it gets no extras rather than an unbounded read. */
export const MAX_SEGMENTS = 400_000;
/** stats_count of the top-row calls; an answer this long may have been cut, so it fails the extras. */
export const MAX_TOP_ROWS = 50_000;
const DAY_S = 86_400;
/** Segments longer than this that began before the window are missed (a margin for every zone's date). */
const AFTER_MARGIN_S = 2 * DAY_S;
const KNOWN_MEDIA_TYPES: readonly string[] = ['movie', 'episode', 'track', 'clip', 'photo'];

/** One API call through the source's limiter and deadline. */
export type Ask = <T>(cmd: string, params: Record<string, string | number>, read: (data: unknown) => T) => Promise<T>;

const number = z
  .unknown()
  .optional()
  .transform((v) => (v === null || v === '' || v === undefined ? null : Number.isFinite(Number(v)) ? Number(v) : null));
const text = z
  .unknown()
  .optional()
  .transform((v) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null));
const raw = z
  .unknown()
  .optional()
  .transform((v) => (typeof v === 'string' || typeof v === 'number' ? v : null));

/** datafactory.get_datatables_history's rows: the columns a segment needs. */
const historySchema = z.object({
  recordsFiltered: z.unknown().transform((v) => Number(v) || 0),
  recordsTotal: z.unknown().transform((v) => Number(v) || 0),
  data: z
    .array(
      z.object({
        row_id: number,
        reference_id: number,
        started: number,
        stopped: number,
        paused_counter: number,
        media_type: text,
      }),
    )
    .max(HISTORY_PAGE),
});

const total = z
  .unknown()
  .optional()
  .transform((v) => (Number.isFinite(Number(v)) ? Number(v) : 0));
/**
 * datafactory.get_home_stats rows: the key Tautulli groups by (top_users user_id, top_movies
 * title = full_title and year, top_tv title = grandparent_title, top_platforms platform), what the
 * extras carry beside it, and the totals. A stat's other fields are '' (Tautulli fills them so).
 */
const topRowSchema = z.object({
  user_id: number,
  friendly_name: text,
  user: text,
  title: text,
  year: raw,
  thumb: text,
  platform: text,
  total_plays: total,
  total_duration: total,
  last_play: number,
});
type TopRow = z.infer<typeof topRowSchema>;
type TopStat = 'top_users' | 'top_movies' | 'top_tv' | 'top_platforms';
/** One card: get_home_stats answers the card alone when a stat_id is asked (datafactory, since v2.10.0). */
const homeStatSchema = z.object({ stat_id: z.string(), rows: z.array(z.unknown()).max(MAX_TOP_ROWS) });

function parse<T>(schema: z.ZodType<T>, what: string): (data: unknown) => T {
  return (data) => {
    const parsed = schema.safeParse(data);
    if (!parsed.success)
      throw new TautulliApiError('unavailable', `Tautulli's answer to ${what} is not in the expected shape (${firstIssue(parsed.error)})`);
    return parsed.data;
  };
}

/**
 * What one Tautulli's extras read keeps for the next cycle (the caller holds one per server): the
 * segments and the state of the history they were read from. Tautulli writes a history row once
 * and never moves its times, so while no row was added or removed the segments are the same, less
 * those that slid out of the window. A probe (one get_history row: the newest start, with the
 * counts) tells; a cycle with nothing new costs it instead of every page.
 */
export interface TautulliApiExtrasCache {
  token?: string;
  segments?: SegmentTimes[];
}

export async function readApiExtras(
  ask: Ask,
  options: { now: number; grouping: Record<string, number>; hidden: Promise<ReadonlySet<number>>; cache?: TautulliApiExtrasCache },
): Promise<TautulliExtras> {
  const since = Math.floor(options.now / 1000) - 30 * DAY_S;
  const hidden = [...(await options.hidden)].sort((a, b) => a - b);
  const [segments, users, movies, shows, platforms] = await Promise.all([
    readSegments(ask, since, hidden, options.cache),
    topRows(ask, 'top_users', options.grouping, hidden),
    topRows(ask, 'top_movies', options.grouping, hidden),
    topRows(ask, 'top_tv', options.grouping, hidden),
    topRows(ask, 'top_platforms', options.grouping, hidden),
  ]);
  const counts = (r: { total_plays: number; total_duration: number; last_play: number | null }) => ({
    plays: r.total_plays,
    watchTimeS: r.total_duration,
    lastWatch: r.last_play ?? 0,
  });
  const titled = (r: { title: string | null; year: string | number | null; thumb: string | null } & Parameters<typeof counts>[0]) => ({
    title: r.title,
    year: r.year,
    thumb: r.thumb,
    ...counts(r),
  });
  return tautulliExtras({
    segments,
    // top_users' friendly_name is the users row's friendly name or username, NULL without a users
    // row; `user` is then the history's username, as the database source's COALESCE.
    users: users.map((r): TopUserRow => ({ userId: r.user_id, name: r.friendly_name ?? r.user, ...counts(r) })),
    movies: movies.map(titled),
    shows: shows.map(titled),
    platforms: platforms.map((r) => ({ platform: r.platform, ...counts(r) })),
  });
}

type HistoryRow = z.infer<typeof historySchema>['data'][number];

/** Every row of the history query from `after`, page by page (see the file comment). */
async function historyRows(ask: Ask, after: string, sectionIds: readonly number[] | null): Promise<HistoryRow[]> {
  const params = (start: number): Record<string, string | number> => ({
    grouping: 0,
    include_activity: 0,
    after,
    // Oldest first: a play that ends while the pages are read joins the end, moving no earlier row.
    order_column: 'started',
    order_dir: 'asc',
    start,
    length: HISTORY_PAGE,
    ...(sectionIds ? { section_id: sectionIds.join(',') } : {}),
  });
  const page = (start: number) => ask('get_history', params(start), parse(historySchema, 'get_history'));
  const first = await page(0);
  if (first.recordsFiltered > MAX_SEGMENTS)
    throw new TautulliApiError(
      'unavailable',
      `get_history lists ${first.recordsFiltered} rows, over the ${MAX_SEGMENTS} the network extras read`,
    );
  const rest = await Promise.all(
    Array.from({ length: Math.max(0, Math.ceil(first.recordsFiltered / HISTORY_PAGE) - 1) }, (_, i) => page((i + 1) * HISTORY_PAGE)),
  );
  return [first, ...rest].flatMap((p) => p.data);
}

async function readSegments(
  ask: Ask,
  since: number,
  hidden: readonly number[],
  cache: TautulliApiExtrasCache | undefined,
): Promise<SegmentTimes[]> {
  const after = new Date((since - AFTER_MARGIN_S) * 1000).toISOString().slice(0, 10);
  let token: string | undefined;
  if (cache) {
    // Asked before the pages, so a row written while they are read makes the next probe differ.
    const probe = await ask(
      'get_history',
      { grouping: 0, include_activity: 0, after, order_column: 'started', order_dir: 'desc', start: 0, length: 1 },
      parse(historySchema, 'get_history'),
    );
    token = JSON.stringify([after, probe.recordsTotal, probe.recordsFiltered, probe.data[0]?.row_id ?? null, hidden]);
    if (cache.token === token && cache.segments) return cache.segments.filter(([, stopped]) => stopped >= since);
  }
  const segments = await readAllSegments(ask, since, after, hidden);
  if (cache) {
    cache.token = token;
    cache.segments = segments;
  }
  return segments;
}

async function readAllSegments(ask: Ask, since: number, after: string, hidden: readonly number[]): Promise<SegmentTimes[]> {
  const [rows, privateRows] = await Promise.all([
    historyRows(ask, after, null),
    hidden.length > 0 ? historyRows(ask, after, hidden) : Promise.resolve([]),
  ]);
  const left = new Set(privateRows.map((r) => r.row_id));
  const seen = new Set<number>();
  const segments: SegmentTimes[] = [];
  for (const r of rows) {
    if (r.row_id === null || seen.has(r.row_id) || left.has(r.row_id)) continue;
    seen.add(r.row_id);
    const { started, stopped } = r;
    // The database source's wellFormed, on what get_history shows of the row.
    if (started === null || stopped === null || stopped < since || stopped < started || r.reference_id === null) continue;
    if ((r.paused_counter ?? 0) < 0 || !KNOWN_MEDIA_TYPES.includes(r.media_type ?? '')) continue;
    segments.push([started, stopped]);
  }
  return segments;
}

/** One list of every key, less the private sections' rows of the same keys. */
async function topRows(ask: Ask, stat: TopStat, grouping: Record<string, number>, hidden: readonly number[]): Promise<TopRow[]> {
  const list = (sectionId?: number) =>
    ask(
      'get_home_stats',
      {
        stat_id: stat,
        time_range: 30,
        stats_count: MAX_TOP_ROWS,
        ...grouping,
        ...(sectionId === undefined ? {} : { section_id: sectionId }),
      },
      (data) => {
        const answer = parse(homeStatSchema, `get_home_stats (${stat})`)(data);
        if (answer.rows.length >= MAX_TOP_ROWS) throw new TautulliApiError('unavailable', `${stat} has ${MAX_TOP_ROWS} rows or more`);
        return answer.rows.map(parse(topRowSchema, `get_home_stats (${stat}) row`));
      },
    );
  const [all = [], ...hiddenLists] = await Promise.all([list(), ...hidden.map((id) => list(id))]);
  if (hiddenLists.length === 0) return all;
  const keyOf = (r: TopRow): string =>
    JSON.stringify(stat === 'top_users' ? r.user_id : stat === 'top_movies' ? [r.title, r.year] : stat === 'top_tv' ? r.title : r.platform);
  const less = new Map<string, { plays: number; watchTimeS: number }>();
  for (const r of hiddenLists.flat()) {
    const before = less.get(keyOf(r)) ?? { plays: 0, watchTimeS: 0 };
    less.set(keyOf(r), { plays: before.plays + r.total_plays, watchTimeS: before.watchTimeS + r.total_duration });
  }
  return all
    .map((r) => {
      const minus = less.get(keyOf(r));
      return minus ? { ...r, total_plays: r.total_plays - minus.plays, total_duration: r.total_duration - minus.watchTimeS } : r;
    })
    .filter((r) => r.total_plays > 0)
    .sort((a, b) => b.total_plays - a.total_plays || (b.last_play ?? 0) - (a.last_play ?? 0));
}

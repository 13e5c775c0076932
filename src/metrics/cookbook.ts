import type { MetricDefInput } from './config.js';

/**
 * The cookbook: working custom metrics on the real Plex, Tautulli and Marquee schemas. This list is
 * the single source for docs/cookbook.md (cookbook-doc.ts) and for the tests that run every example
 * against the demo databases and check it against an independent computation.
 *
 * Conventions the examples follow, as Tautulli does (see docs/reference on its formulas):
 * - a play is one `reference_id` group of session_history segments (resumed plays count once);
 * - watch time is `stopped - started - paused_counter`, in seconds;
 * - a window "last 30 days" keeps segments with `stopped >= :since_30d`;
 * - local time is `'unixepoch', :tz_offset` (the configured render.timeZone's offset at `now`).
 */
export interface CookbookEntry {
  name: string;
  title: string;
  /** What it answers and how to read the result (markdown). */
  about: string;
  def: MetricDefInput;
}

const playsLast30d = `plays AS (
    SELECT reference_id, MIN(started) AS started, MAX(user_id) AS user_id,
           SUM(stopped - started - IFNULL(paused_counter, 0)) AS watched
    FROM session_history
    WHERE stopped >= :since_30d
    GROUP BY reference_id
  )`;

export const cookbook: readonly CookbookEntry[] = [
  {
    name: 'late_night_plays',
    title: 'Late-night plays by weekday',
    about:
      'Plays started between midnight and 05:00 local time in the last 30 days, one row per weekday (0 = Sunday) so a chart always has seven bars.',
    def: {
      source: 'tautulli',
      returns: 'table',
      description: 'Plays started 00:00-04:59 local time by weekday, last 30 days',
      columns: { weekday: 'integer', day: 'text', plays: { type: 'integer', unit: 'count' } },
      identifying: false,
      sql: `WITH ${playsLast30d},
  days(weekday, day) AS (VALUES (0,'Sun'),(1,'Mon'),(2,'Tue'),(3,'Wed'),(4,'Thu'),(5,'Fri'),(6,'Sat'))
SELECT d.weekday, d.day, COUNT(p.reference_id) AS plays
FROM days d
LEFT JOIN plays p
  ON CAST(strftime('%w', p.started, 'unixepoch', :tz_offset) AS INTEGER) = d.weekday
 AND CAST(strftime('%H', p.started, 'unixepoch', :tz_offset) AS INTEGER) < 5
GROUP BY d.weekday
ORDER BY d.weekday`,
    },
  },
  {
    name: 'pause_minutes_by_genre',
    title: 'Pause minutes by genre',
    about:
      'Minutes spent paused in the last 30 days, per genre, top 10. Tautulli stores genres as one `;`-joined string, so a recursive CTE splits it; a play tagged with two genres counts for both.',
    def: {
      source: 'tautulli',
      returns: 'table',
      description: 'Minutes paused per genre, last 30 days (top 10)',
      columns: { genre: 'text', pause_minutes: 'real' },
      identifying: false,
      sql: `WITH RECURSIVE paused(seconds, rest) AS (
    SELECT sh.paused_counter, shm.genres || ';'
    FROM session_history sh JOIN session_history_metadata shm ON shm.id = sh.id
    WHERE sh.stopped >= :since_30d AND sh.paused_counter > 0 AND IFNULL(shm.genres, '') <> ''
  ),
  split(seconds, genre, rest) AS (
    SELECT seconds, NULL, rest FROM paused
    UNION ALL
    SELECT seconds, trim(substr(rest, 1, instr(rest, ';') - 1)), substr(rest, instr(rest, ';') + 1)
    FROM split WHERE rest <> ''
  )
SELECT genre, SUM(seconds) / 60.0 AS pause_minutes
FROM split
WHERE genre <> ''
GROUP BY genre
ORDER BY pause_minutes DESC, genre
LIMIT 10`,
    },
  },
  {
    name: 'temperature_by_streams',
    title: 'Peak concurrent streams vs CPU temperature',
    about:
      "From Marquee's own history store (one point per collection cycle): for each number of concurrent streams seen in the last 7 days, how often it happened and how hot the CPU ran. Points without a temperature reading are left out.",
    def: {
      source: 'marquee',
      returns: 'table',
      description: 'CPU temperature by concurrent streams, last 7 days',
      columns: {
        streams: { type: 'integer', unit: 'count' },
        samples: { type: 'integer', unit: 'count' },
        avg_temp_c: { type: 'real', unit: 'celsius' },
        max_temp_c: { type: 'real', unit: 'celsius' },
      },
      identifying: false,
      sql: `SELECT streams, COUNT(*) AS samples, AVG(temperature_c) AS avg_temp_c, MAX(temperature_c) AS max_temp_c
FROM history_points
WHERE server = :server AND at >= :since_7d * 1000 AND temperature_c IS NOT NULL
GROUP BY streams
ORDER BY streams`,
    },
  },
  {
    name: 'busiest_hour_this_month',
    title: 'Busiest hour this month',
    about:
      'The local hour of day (0-23) in which the most plays started since the first of this month; ties go to the earlier hour. The row is null when nothing was played yet.',
    def: {
      source: 'tautulli',
      returns: 'row',
      description: 'Local hour of day with the most plays this month',
      columns: { hour: 'integer', plays: { type: 'integer', unit: 'count' } },
      identifying: false,
      sql: `WITH plays AS (
    SELECT MIN(started) AS started
    FROM session_history
    WHERE reference_id IN (SELECT reference_id FROM session_history WHERE started >= :month_start)
    GROUP BY reference_id
    HAVING MIN(started) >= :month_start
  )
SELECT CAST(strftime('%H', started, 'unixepoch', :tz_offset) AS INTEGER) AS hour, COUNT(*) AS plays
FROM plays
GROUP BY hour
ORDER BY plays DESC, hour
LIMIT 1`,
    },
  },
  {
    name: 'top_user_by_watch_time',
    title: 'Top user by watch time',
    about:
      'The viewer with the most watch time in the last 30 days, named the way Tautulli names them (friendly name, else user name). It names a person, so it is identifying: the privacy settings decide whether an image may show it.',
    def: {
      source: 'tautulli',
      returns: 'row',
      description: 'Viewer with the most watch time, last 30 days',
      columns: { user: 'text', watch_time_s: { type: 'integer', unit: 's' }, plays: { type: 'integer', unit: 'count' } },
      identifying: true,
      sql: `WITH ${playsLast30d}
SELECT COALESCE(NULLIF(u.friendly_name, ''), u.username, 'unknown') AS user,
       SUM(p.watched) AS watch_time_s, COUNT(*) AS plays
FROM plays p LEFT JOIN users u ON u.user_id = p.user_id
GROUP BY p.user_id
ORDER BY watch_time_s DESC, plays DESC
LIMIT 1`,
    },
  },
  {
    name: 'most_rewatched_title',
    title: 'Most re-watched title',
    about:
      'The movie or episode with the most repeat plays across all history: a re-watch is any play by someone who had played it before (plays minus distinct viewers). Identifying: it names what people watch.',
    def: {
      source: 'tautulli',
      returns: 'row',
      description: 'Movie or episode played again most often by the same viewers',
      columns: { title: 'text', rewatches: { type: 'integer', unit: 'count' }, plays: { type: 'integer', unit: 'count' } },
      identifying: true,
      sql: `WITH plays AS (
    SELECT MAX(rating_key) AS rating_key, MAX(user_id) AS user_id
    FROM session_history
    WHERE media_type IN ('movie', 'episode')
    GROUP BY reference_id
  ),
  ranked AS (
    SELECT rating_key, COUNT(*) - COUNT(DISTINCT user_id) AS rewatches, COUNT(*) AS plays
    FROM plays GROUP BY rating_key
    ORDER BY rewatches DESC, plays DESC, rating_key
    LIMIT 1
  )
SELECT (SELECT full_title FROM session_history_metadata m WHERE m.rating_key = r.rating_key ORDER BY m.id DESC LIMIT 1) AS title,
       r.rewatches, r.plays
FROM ranked r`,
    },
  },
  {
    name: 'transcode_share_by_platform',
    title: 'Transcode share per platform',
    about:
      'For each playback platform in the last 30 days: plays, plays that were transcoded (any segment), and the share as a ratio 0..1. A play resumed on another device counts for the platform it started on, as in Tautulli. Direct Stream (`copy`) does not count as a transcode, as in Tautulli.',
    def: {
      source: 'tautulli',
      returns: 'table',
      description: 'Transcoded share of plays per platform, last 30 days',
      columns: {
        platform: 'text',
        plays: { type: 'integer', unit: 'count' },
        transcodes: { type: 'integer', unit: 'count' },
        share: { type: 'real', unit: 'ratio' },
      },
      identifying: false,
      sql: `WITH plays AS (
    SELECT MIN(sh.id) AS first_id, MAX(IFNULL(shmi.transcode_decision, '') = 'transcode') AS transcoded
    FROM session_history sh LEFT JOIN session_history_media_info shmi ON shmi.id = sh.id
    WHERE sh.stopped >= :since_30d
    GROUP BY sh.reference_id
  )
SELECT IFNULL(first.platform, 'unknown') AS platform, COUNT(*) AS plays, SUM(transcoded) AS transcodes,
       ROUND(1.0 * SUM(transcoded) / COUNT(*), 4) AS share
FROM plays JOIN session_history first ON first.id = plays.first_id
GROUP BY 1
ORDER BY plays DESC, platform`,
    },
  },
  {
    name: 'library_growth',
    title: 'Library growth per month',
    about:
      'Movies, episodes and tracks added to Plex per local calendar month over the last 12 months (this month included, months without additions as 0). Deleted items are left out.',
    def: {
      source: 'plex',
      returns: 'table',
      description: 'Items added per month, last 12 months',
      columns: {
        month: 'text',
        movies: { type: 'integer', unit: 'count' },
        episodes: { type: 'integer', unit: 'count' },
        tracks: { type: 'integer', unit: 'count' },
      },
      // Scans every item of a large library: allow more than the 2 s default on a cold cache.
      timeoutMs: 5000,
      identifying: false,
      sql: `WITH RECURSIVE months(n, month) AS (
    SELECT 0, strftime('%Y-%m', :now, 'unixepoch', :tz_offset)
    UNION ALL
    SELECT n + 1, strftime('%Y-%m', :now, 'unixepoch', :tz_offset, 'start of month', '-' || (n + 1) || ' months')
    FROM months WHERE n < 11
  ),
  added AS (
    SELECT strftime('%Y-%m', added_at, 'unixepoch', :tz_offset) AS month,
           SUM(metadata_type = 1) AS movies, SUM(metadata_type = 4) AS episodes, SUM(metadata_type = 10) AS tracks
    FROM metadata_items
    WHERE deleted_at IS NULL AND metadata_type IN (1, 4, 10)
      AND added_at >= CAST(strftime('%s', :now, 'unixepoch', :tz_offset, 'start of month', '-11 months') AS INTEGER) - :tz_offset_s
    GROUP BY 1
  )
SELECT m.month, IFNULL(a.movies, 0) AS movies, IFNULL(a.episodes, 0) AS episodes, IFNULL(a.tracks, 0) AS tracks
FROM months m LEFT JOIN added a ON a.month = m.month
ORDER BY m.month`,
    },
  },
  {
    name: 'plays_today',
    title: 'Plays today',
    about:
      'A scalar: plays whose first segment started since local midnight (a play resumed after midnight counts on the day it began). Bind it in a template as `{metrics.plays_today}`.',
    def: {
      source: 'tautulli',
      returns: 'scalar',
      type: 'integer',
      unit: 'count',
      description: 'Plays started since local midnight',
      sql: `SELECT COUNT(*) FROM (
  SELECT reference_id
  FROM session_history
  WHERE reference_id IN (SELECT reference_id FROM session_history WHERE started >= :day_start)
  GROUP BY reference_id
  HAVING MIN(started) >= :day_start
)`,
    },
  },
  {
    name: 'movie_library_bytes',
    title: 'Size of the movie libraries',
    about: "A scalar with a unit: bytes of every movie file (all versions), formatted as TB/GB by the template's unit rules.",
    def: {
      source: 'plex',
      returns: 'scalar',
      type: 'integer',
      // Scans every item of a large library: allow more than the 2 s default on a cold cache.
      timeoutMs: 5000,
      unit: 'bytes',
      description: 'Bytes of all movie files',
      sql: `SELECT IFNULL(SUM(mp.size), 0)
FROM media_parts mp
JOIN media_items mi ON mi.id = mp.media_item_id
JOIN metadata_items md ON md.id = mi.metadata_item_id
WHERE md.metadata_type = 1 AND md.deleted_at IS NULL AND mi.deleted_at IS NULL AND mp.deleted_at IS NULL`,
    },
  },
];

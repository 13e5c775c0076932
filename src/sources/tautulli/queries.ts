/**
 * Tautulli's own statistics, reproduced as its datafactory.py/graphs.py compute them: a "play" is one
 * group of session_history segments sharing a reference_id (or each segment alone when the admin
 * turned Tautulli's "group history" off: GROUP_HISTORY_TABLES, `group_by` in every stat), and its
 * watch time is SUM(stopped - started) - SUM(paused_counter) in seconds. Columns are selected by name
 * because their order differs between installations. Tautulli version followed: v2.17 (see
 * TAUTULLI_BEHAVIOUR below).
 */

/** The Tautulli release whose rules these queries follow (README "What is collected" quotes it). */
export const TAUTULLI_BEHAVIOUR = 'v2.17.2';

/** How a play is keyed: Tautulli's `group_by` ('session_history.reference_id' or '.id'). */
export type PlayKey = 'reference_id' | 'id';

/**
 * Media types Tautulli writes to session_history (activity_processor.write_session_history writes
 * the session's media_type; pmsconnect.get_session_each yields these). A row of any other type, or
 * one no Tautulli would write (no reference_id, stopped before started, a negative paused counter),
 * is skipped and counted instead of being trusted.
 */
export const KNOWN_MEDIA_TYPES = ['movie', 'episode', 'track', 'clip', 'photo'] as const;

const wellFormed = `reference_id IS NOT NULL AND stopped >= started AND (paused_counter IS NULL OR paused_counter >= 0)
    AND media_type IN (${KNOWN_MEDIA_TYPES.map((t) => `'${t}'`).join(', ')})`;

/**
 * Rows of the `sessions` table. Tautulli keeps one row per live stream: activity_processor.write_session
 * inserts it on the first event and stamps `stopped` with the time of every write (write_session and
 * activity_handler.set_session_state, since 2017), so a live row never has `stopped` NULL; on_stop
 * writes the play to history and deletes the row. `stopped` is therefore "last written", which the
 * source compares with the clock to tell live rows from rows a crashed Tautulli left behind. A row
 * whose history write failed keeps state 'stopped' until Tautulli retries (force_stop_stream); an
 * 'error' row is not streaming either.
 */
export const liveSessionsSql = `
  SELECT section_id, media_type, state, transcode_decision, video_decision, audio_decision, view_offset, duration,
         bandwidth, location, title, parent_title, grandparent_title, year, thumb, grandparent_thumb,
         user, friendly_name, user_id, started, stopped
  FROM sessions
  WHERE state IS NULL OR state NOT IN ('stopped', 'error')
  ORDER BY started, id`;

/**
 * session_history has no index on `stopped` alone, only on (section_id, stopped), (media_type, stopped)
 * and (user_id, stopped). The few distinct section ids are walked off the section_id index (one seek
 * each, NULL last) so that each one can seek its (section_id, stopped) range instead of scanning every
 * segment ever logged. Joined with IS, the final NULL also reaches segments that have no section.
 */
const sectionsWalk = `
  WITH RECURSIVE sections(id) AS (
    SELECT MIN(section_id) FROM session_history
    UNION ALL
    SELECT (SELECT MIN(section_id) FROM session_history WHERE section_id > sections.id) FROM sections WHERE sections.id IS NOT NULL
  )`;

const windowSegments = `${sectionsWalk}
  SELECT sh.* FROM sections CROSS JOIN session_history AS sh ON sh.section_id IS sections.id AND sh.stopped >= :since
  WHERE (sh.section_id IS NULL OR sh.section_id NOT IN (SELECT value FROM json_each(:private)))
    AND ${wellFormed.replace(/\b(reference_id|stopped|started|paused_counter|media_type)\b/g, 'sh.$1')}`;

/** Segments in the window that no Tautulli would write (see KNOWN_MEDIA_TYPES), for the cycle log. */
export const malformedHistorySql = `${sectionsWalk}
  SELECT COUNT(*) FROM sections CROSS JOIN session_history AS sh ON sh.section_id IS sections.id AND sh.stopped >= :since
  WHERE NOT (${wellFormed.replace(/\b(reference_id|stopped|started|paused_counter|media_type)\b/g, 'sh.$1')})`;

const watchTime = `SUM(CASE WHEN stopped > 0 THEN stopped - started ELSE 0 END)
            - SUM(CASE WHEN paused_counter IS NULL THEN 0 ELSE paused_counter END) AS d`;

/**
 * The grouped inner query every stat shares, over segments that stopped within the window, carrying
 * only the columns its caller reads (the sorter behind GROUP BY copies each one). A play's other
 * columns are its first segment's, as a scan in reference_id order yields them: MIN(id) makes SQLite
 * take the bare columns from that row whatever order the segments arrive in.
 */
const grouped = (key: PlayKey, ...columns: string[]) => `
  SELECT ${['MIN(id) AS id', ...columns, watchTime].join(', ')}
  FROM (${windowSegments})
  GROUP BY ${key}`;

/** The grouped plays of one media type, which its (media_type, stopped) index finds directly. */
const groupedOfType = (key: PlayKey, mediaType: 'movie' | 'episode') => `
  SELECT MIN(id) AS id, started, ${watchTime}
  FROM session_history
  WHERE media_type = '${mediaType}' AND stopped >= :since AND ${wellFormed}
    AND (section_id IS NULL OR section_id NOT IN (SELECT value FROM json_each(:private)))
  GROUP BY ${key}`;

export interface HistoryQueries {
  window: string;
  topUsers: string;
  topMovies: string;
  topShows: string;
  topPlatforms: string;
  graphSegments: string;
}

/** Every history statement, for one way of keying plays. */
export function historyQueries(key: PlayKey): HistoryQueries {
  return {
    window: `SELECT COUNT(*) AS plays, COALESCE(SUM(d), 0) AS watchTimeS FROM (${grouped(key)})`,
    /** datafactory.get_home_stats 'top_users'; users are looked up once per user, not once per play. */
    topUsers: `
  SELECT byUser.user_id AS userId,
         CASE WHEN u.friendly_name IS NULL OR TRIM(u.friendly_name) = '' THEN COALESCE(u.username, byUser.user) ELSE u.friendly_name END AS name,
         byUser.plays, byUser.watchTimeS, byUser.lastWatch
  FROM (
    SELECT sh.user_id, sh.user, COUNT(sh.id) AS plays, SUM(sh.d) AS watchTimeS, MAX(sh.started) AS lastWatch
    FROM (${grouped(key, 'started', 'user_id', 'user')}) AS sh
    GROUP BY sh.user_id
  ) AS byUser
  LEFT JOIN users AS u ON u.user_id = byUser.user_id
  ORDER BY plays DESC, lastWatch DESC
  LIMIT :limit`,
    /** datafactory.get_home_stats 'top_movies': one row per (full_title, year). */
    topMovies: `
  SELECT shm.full_title AS title, shm.year AS year, shm.thumb AS thumb,
         COUNT(sh.id) AS plays, SUM(sh.d) AS watchTimeS, MAX(sh.started) AS lastWatch
  FROM (${groupedOfType(key, 'movie')}) AS sh
  JOIN session_history_metadata AS shm ON shm.id = sh.id
  GROUP BY shm.full_title, shm.year
  ORDER BY plays DESC, lastWatch DESC
  LIMIT :limit`,
    /**
     * datafactory.get_home_stats 'top_tv': one row per grandparent_title. Its year and thumb are bare
     * columns beside a single MAX(sh.started), so SQLite takes them from the most recently started
     * play, as Tautulli's own query does (the year Tautulli stored for that episode).
     */
    topShows: `
  SELECT shm.grandparent_title AS title, shm.year AS year, shm.grandparent_thumb AS thumb,
         COUNT(sh.id) AS plays, SUM(sh.d) AS watchTimeS, MAX(sh.started) AS lastWatch
  FROM (${groupedOfType(key, 'episode')}) AS sh
  JOIN session_history_metadata AS shm ON shm.id = sh.id
  GROUP BY shm.grandparent_title
  ORDER BY plays DESC, lastWatch DESC
  LIMIT :limit`,
    /** datafactory.get_home_stats 'top_platforms'. */
    topPlatforms: `
  SELECT sh.platform AS platform, COUNT(sh.id) AS plays, SUM(sh.d) AS watchTimeS, MAX(sh.started) AS lastWatch
  FROM (${grouped(key, 'started', 'platform')}) AS sh
  GROUP BY sh.platform
  ORDER BY plays DESC, lastWatch DESC
  LIMIT :limit`,
    /**
     * What graphs.get_total_plays_per_{hourofday,day,dayofweek} count, before the local slot: each
     * segment's start, its play key and which series it belongs to. The graphs group by (slot, play
     * key), so a play resumed in another hour or on another day counts once in each slot where one
     * of its segments started, then JOIN session_history_metadata (dropping segments without it) and
     * sum the TV, Movies, Music and Live TV series. The caller maps starts to local slots.
     */
    graphSegments: `
  SELECT ws.started, ws.${key} AS play,
         CASE WHEN shm.live = 1 THEN 'live' WHEN ws.media_type IN ('episode', 'movie', 'track') THEN ws.media_type ELSE NULL END AS series
  FROM (${windowSegments}) AS ws
  JOIN session_history_metadata AS shm ON shm.id = ws.id`,
  };
}

/**
 * graphs.py only draws a series when libraries.has_library_type() finds a library of its type:
 * its "Total" is the sum of the series drawn.
 */
export const libraryTypesSql = `SELECT DISTINCT section_type FROM library_sections WHERE deleted_section = 0 OR deleted_section IS NULL`;

/** Segments for the most-concurrent sweep, as Tautulli selects them (not grouped). */
export const concurrencySql = `
  SELECT ws.started, ws.stopped FROM (${windowSegments}) AS ws
  JOIN session_history_media_info AS shmi ON shmi.id = ws.id`;

/** Section ids the admin marked private by name; Tautulli mirrors Plex's section ids and names. */
export const privateSectionIdsSql = `
  SELECT section_id FROM library_sections WHERE section_name IN (SELECT value FROM json_each(:names))`;

/**
 * What has changed in the history since a read (change-tokens.ts): the newest history row and the
 * rows that stopped in the 30-day window (Tautulli writes a history row once, when a play stops;
 * a row deleted or leaving the window lowers the count), every user's names (an edit of a friendly
 * name rewrites the row in place), and every library section as the private sections and
 * graphs.py's library types read it. The window's rows are counted off the (section_id, stopped)
 * index as windowSegments walks it, never from the table: a plain `COUNT(*) WHERE stopped >= :since`
 * scanned that whole index (~30 ms on the large fixture, every cycle of every server of a network),
 * this seeks one range per section (~1 ms).
 */
export const changesSql = `${sectionsWalk}
  SELECT (SELECT MAX(id) FROM session_history),
         (SELECT COUNT(*) FROM sections CROSS JOIN session_history AS sh ON sh.section_id IS sections.id AND sh.stopped >= :since30),
         (SELECT COUNT(*) FROM users),
         (SELECT group_concat(COALESCE(user_id, '') || ':' || COALESCE(friendly_name, '') || ':' || COALESCE(username, ''), '|') FROM users),
         (SELECT group_concat(COALESCE(section_id, '') || ':' || COALESCE(section_name, '') || ':' || COALESCE(section_type, '') || ':' || COALESCE(deleted_section, ''), '|') FROM library_sections)`;

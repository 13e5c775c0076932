/**
 * Tautulli's own statistics, reproduced as its datafactory.py/graphs.py compute them: a "play" is one
 * group of session_history segments sharing a reference_id, and its watch time is
 * SUM(stopped - started) - SUM(paused_counter) in seconds. Columns are selected by name because
 * their order differs between installations.
 */

/** Live streams: Tautulli deletes a row when its stream ends, but a failed write or a stopped PMS
 *  can leave rows with `stopped` set, which are not live. */
export const liveSessionsSql = `
  SELECT section_id, media_type, state, transcode_decision, video_decision, audio_decision, view_offset, duration,
         bandwidth, location, title, parent_title, grandparent_title, year, thumb, grandparent_thumb,
         user, friendly_name, user_id, started
  FROM sessions
  WHERE stopped IS NULL AND (state IS NULL OR state NOT IN ('stopped', 'error'))
  ORDER BY started, id`;

/**
 * session_history has no index on `stopped` alone, only on (section_id, stopped), (media_type, stopped)
 * and (user_id, stopped). The few distinct section ids are walked off the section_id index (one seek
 * each, NULL last) so that each one can seek its (section_id, stopped) range instead of scanning every
 * segment ever logged. Joined with IS, the final NULL also reaches segments that have no section.
 */
const windowSegments = `
  WITH RECURSIVE sections(id) AS (
    SELECT MIN(section_id) FROM session_history
    UNION ALL
    SELECT (SELECT MIN(section_id) FROM session_history WHERE section_id > sections.id) FROM sections WHERE sections.id IS NOT NULL
  )
  SELECT sh.* FROM sections CROSS JOIN session_history AS sh ON sh.section_id IS sections.id AND sh.stopped >= :since
  WHERE sh.section_id IS NULL OR sh.section_id NOT IN (SELECT value FROM json_each(:private))`;

const watchTime = `SUM(CASE WHEN stopped > 0 THEN stopped - started ELSE 0 END)
            - SUM(CASE WHEN paused_counter IS NULL THEN 0 ELSE paused_counter END) AS d`;

/**
 * The grouped inner query every stat shares, over segments that stopped within the window, carrying
 * only the columns its caller reads (the sorter behind GROUP BY copies each one). A play's other
 * columns are its first segment's, as a scan in reference_id order yields them: MIN(id) makes SQLite
 * take the bare columns from that row whatever order the segments arrive in.
 */
const grouped = (...columns: string[]) => `
  SELECT ${['MIN(id) AS id', ...columns, watchTime].join(', ')}
  FROM (${windowSegments})
  GROUP BY reference_id`;

/** The grouped plays of one media type, which its (media_type, stopped) index finds directly. */
const groupedOfType = (mediaType: 'movie' | 'episode') => `
  SELECT MIN(id) AS id, started, ${watchTime}
  FROM session_history
  WHERE media_type = '${mediaType}' AND stopped >= :since
    AND (section_id IS NULL OR section_id NOT IN (SELECT value FROM json_each(:private)))
  GROUP BY reference_id`;

export const windowSql = `
  SELECT COUNT(*) AS plays, COALESCE(SUM(d), 0) AS watchTimeS FROM (${grouped()})`;

/** Users are looked up once per user, not once per play; `user` comes from the user's latest play. */
export const topUsersSql = `
  SELECT byUser.user_id AS userId,
         CASE WHEN u.friendly_name IS NULL OR TRIM(u.friendly_name) = '' THEN COALESCE(u.username, byUser.user) ELSE u.friendly_name END AS name,
         byUser.plays, byUser.watchTimeS, byUser.lastWatch
  FROM (
    SELECT sh.user_id, sh.user, COUNT(sh.id) AS plays, SUM(sh.d) AS watchTimeS, MAX(sh.started) AS lastWatch
    FROM (${grouped('started', 'user_id', 'user')}) AS sh
    GROUP BY sh.user_id
  ) AS byUser
  LEFT JOIN users AS u ON u.user_id = byUser.user_id
  ORDER BY plays DESC, lastWatch DESC
  LIMIT :limit`;

export const topMoviesSql = `
  SELECT shm.full_title AS title, shm.year AS year, shm.thumb AS thumb,
         COUNT(sh.id) AS plays, SUM(sh.d) AS watchTimeS, MAX(sh.started) AS lastWatch
  FROM (${groupedOfType('movie')}) AS sh
  JOIN session_history_metadata AS shm ON shm.id = sh.id
  GROUP BY shm.full_title, shm.year
  ORDER BY plays DESC, lastWatch DESC
  LIMIT :limit`;

export const topShowsSql = `
  SELECT shm.grandparent_title AS title, MAX(shm.year) AS year, shm.grandparent_thumb AS thumb,
         COUNT(sh.id) AS plays, SUM(sh.d) AS watchTimeS, MAX(sh.started) AS lastWatch
  FROM (${groupedOfType('episode')}) AS sh
  JOIN session_history_metadata AS shm ON shm.id = sh.id
  GROUP BY shm.grandparent_title
  ORDER BY plays DESC, lastWatch DESC
  LIMIT :limit`;

export const topPlatformsSql = `
  SELECT sh.platform AS platform, COUNT(sh.id) AS plays, SUM(sh.d) AS watchTimeS, MAX(sh.started) AS lastWatch
  FROM (${grouped('started', 'platform')}) AS sh
  GROUP BY sh.platform
  ORDER BY plays DESC, lastWatch DESC
  LIMIT :limit`;

/** Plays and watch time per UTC hour slot; the caller maps slots to local hours and days for the
 *  configured zone, which SQLite's 'localtime' (the process TZ) cannot do. */
export const playsPerHourSlotSql = `
  SELECT started / 3600 AS slot, COUNT(*) AS plays, SUM(d) AS watchTimeS FROM (${grouped('started')}) GROUP BY slot`;

/** Segments for the most-concurrent sweep, as Tautulli selects them (not grouped). */
export const concurrencySql = `
  SELECT ws.started, ws.stopped FROM (${windowSegments}) AS ws
  JOIN session_history_media_info AS shmi ON shmi.id = ws.id`;

/** Section ids the admin marked private by name; Tautulli mirrors Plex's section ids and names. */
export const privateSectionIdsSql = `
  SELECT section_id FROM library_sections WHERE section_name IN (SELECT value FROM json_each(:names))`;

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

/** The grouped inner query every stat shares, over segments that stopped within the window. */
const grouped = (filter = '') => `
  SELECT *, SUM(CASE WHEN stopped > 0 THEN stopped - started ELSE 0 END)
            - SUM(CASE WHEN paused_counter IS NULL THEN 0 ELSE paused_counter END) AS d
  FROM session_history
  WHERE stopped >= :since ${filter}
    AND (section_id IS NULL OR section_id NOT IN (SELECT value FROM json_each(:private)))
  GROUP BY reference_id`;

export const windowSql = `
  SELECT COUNT(*) AS plays, COALESCE(SUM(d), 0) AS watchTimeS FROM (${grouped()})`;

export const topUsersSql = `
  SELECT sh.user_id AS userId,
         CASE WHEN u.friendly_name IS NULL OR TRIM(u.friendly_name) = '' THEN COALESCE(u.username, sh.user) ELSE u.friendly_name END AS name,
         COUNT(sh.id) AS plays, SUM(sh.d) AS watchTimeS, MAX(sh.started) AS lastWatch
  FROM (${grouped()}) AS sh
  LEFT JOIN users AS u ON u.user_id = sh.user_id
  GROUP BY sh.user_id
  ORDER BY plays DESC, lastWatch DESC
  LIMIT :limit`;

export const topMoviesSql = `
  SELECT shm.full_title AS title, shm.year AS year, shm.thumb AS thumb,
         COUNT(sh.id) AS plays, SUM(sh.d) AS watchTimeS, MAX(sh.started) AS lastWatch
  FROM (${grouped("AND media_type = 'movie'")}) AS sh
  JOIN session_history_metadata AS shm ON shm.id = sh.id
  GROUP BY shm.full_title, shm.year
  ORDER BY plays DESC, lastWatch DESC
  LIMIT :limit`;

export const topShowsSql = `
  SELECT shm.grandparent_title AS title, MAX(shm.year) AS year, shm.grandparent_thumb AS thumb,
         COUNT(sh.id) AS plays, SUM(sh.d) AS watchTimeS, MAX(sh.started) AS lastWatch
  FROM (${grouped("AND media_type = 'episode'")}) AS sh
  JOIN session_history_metadata AS shm ON shm.id = sh.id
  GROUP BY shm.grandparent_title
  ORDER BY plays DESC, lastWatch DESC
  LIMIT :limit`;

export const topPlatformsSql = `
  SELECT sh.platform AS platform, COUNT(sh.id) AS plays, SUM(sh.d) AS watchTimeS, MAX(sh.started) AS lastWatch
  FROM (${grouped()}) AS sh
  GROUP BY sh.platform
  ORDER BY plays DESC, lastWatch DESC
  LIMIT :limit`;

/** Plays per UTC hour slot; the caller maps slots to local hours and days for the configured zone,
 *  which SQLite's 'localtime' (the process TZ) cannot do. */
export const playsPerHourSlotSql = `
  SELECT started / 3600 AS slot, COUNT(*) AS plays FROM (${grouped()}) GROUP BY slot`;

/** Segments for the most-concurrent sweep, as Tautulli selects them (not grouped). */
export const concurrencySql = `
  SELECT sh.started, sh.stopped FROM session_history AS sh
  JOIN session_history_media_info AS shmi ON shmi.id = sh.id
  WHERE sh.stopped >= :since
    AND (sh.section_id IS NULL OR sh.section_id NOT IN (SELECT value FROM json_each(:private)))`;

/** Section ids the admin marked private by name; Tautulli mirrors Plex's section ids and names. */
export const privateSectionIdsSql = `
  SELECT section_id FROM library_sections WHERE section_name IN (SELECT value FROM json_each(:names))`;

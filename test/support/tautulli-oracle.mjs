/**
 * An independent oracle for the Tautulli source: Tautulli's own statistics SQL (v2.17.2, retyped from
 * plexpy/graphs.py, plexpy/datafactory.py and plexpy/libraries.py), run the way Tautulli runs it, in a
 * process whose TZ is the zone under test, so SQLite's 'localtime' and the local calendar are the
 * C library's, not Marquee's Intl-based arithmetic. It imports nothing from src/.
 *
 * Usage (TZ in the environment): node tautulli-oracle.mjs <tautulli.db> <now epoch s> <group 0|1> <limit>
 * Prints one JSON object on stdout.
 */
import Database from 'better-sqlite3';

const [dbPath, nowArg, groupArg, limitArg] = process.argv.slice(2);
const now = Number(nowArg);
const groupBy = groupArg === '1' ? 'session_history.reference_id' : 'session_history.id';
const limit = Number(limitArg);
const db = new Database(dbPath, { readonly: true, fileMustExist: true });
const timestamp30 = now - 30 * 24 * 60 * 60;

// libraries.has_library_type: graphs.py only draws (and totals) the series of existing library types.
const hasType = (type) =>
  db.prepare('SELECT COUNT(*) AS n FROM library_sections WHERE section_type = ? AND deleted_section = 0').get(type).n > 0;
const series = [
  ['tv_count', hasType('show')],
  ['movie_count', hasType('movie')],
  ['music_count', hasType('artist')],
  ['live_count', hasType('live')],
];
const total = (row) => series.reduce((n, [key, drawn]) => n + (drawn && row ? row[key] : 0), 0);
const seriesSql = `SUM(CASE WHEN sh.media_type = 'episode' AND shm.live = 0 THEN 1 ELSE 0 END) AS tv_count,
  SUM(CASE WHEN sh.media_type = 'movie' AND shm.live = 0 THEN 1 ELSE 0 END) AS movie_count,
  SUM(CASE WHEN sh.media_type = 'track' AND shm.live = 0 THEN 1 ELSE 0 END) AS music_count,
  SUM(shm.live) AS live_count`;

// graphs.get_total_plays_per_hourofday (y_axis 'plays')
const hours = db
  .prepare(
    `SELECT sh.hourofday, ${seriesSql}
     FROM (SELECT *, strftime('%H', datetime(started, 'unixepoch', 'localtime')) AS hourofday
           FROM session_history WHERE session_history.stopped >= ${timestamp30}
           GROUP BY hourofday, ${groupBy}) AS sh
     JOIN session_history_metadata AS shm ON shm.id = sh.id
     GROUP BY sh.hourofday ORDER BY sh.hourofday`,
  )
  .all();
const byHourMap = new Map(hours.map((r) => [Number(r.hourofday), r]));
const playsByHour = Array.from({ length: 24 }, (_, h) => total(byHourMap.get(h)));

// graphs.get_total_plays_per_day: 30 calendar dates ending date.today(), in the process's zone.
const days = db
  .prepare(
    `SELECT sh.date_played, ${seriesSql}
     FROM (SELECT *, date(started, 'unixepoch', 'localtime') AS date_played
           FROM session_history WHERE session_history.stopped >= ${timestamp30}
           GROUP BY date_played, ${groupBy}) AS sh
     JOIN session_history_metadata AS shm ON shm.id = sh.id
     GROUP BY sh.date_played ORDER BY sh.started`,
  )
  .all();
const byDateMap = new Map(days.map((r) => [r.date_played, r]));
const today = new Date(now * 1000);
const playsByDay = [];
for (let x = 29; x >= 0; x--) {
  // date.today() - timedelta(days=x): calendar arithmetic on the local date.
  const d = new Date(today.getFullYear(), today.getMonth(), today.getDate() - x, 12);
  const date = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  playsByDay.push({ date, plays: total(byDateMap.get(date)) });
}

// graphs.get_total_plays_per_dayofweek (Sunday first: WEEK_START_MONDAY defaults to 0)
const weekdays = db
  .prepare(
    `SELECT sh.daynumber, ${seriesSql}
     FROM (SELECT *, CAST(strftime('%w', date(started, 'unixepoch', 'localtime')) AS INTEGER) AS daynumber
           FROM session_history WHERE session_history.stopped >= ${timestamp30}
           GROUP BY daynumber, ${groupBy}) AS sh
     JOIN session_history_metadata AS shm ON shm.id = sh.id
     GROUP BY sh.daynumber ORDER BY sh.daynumber`,
  )
  .all();
const byWeekdayMap = new Map(weekdays.map((r) => [Number(r.daynumber), r]));
const playsByWeekday = Array.from({ length: 7 }, (_, d) => total(byWeekdayMap.get(d)));

// libraries.get_watch_time_stats for each library, summed: plays and watch time per window.
const sections = db.prepare('SELECT section_id FROM library_sections').pluck().all();
const windowStats = (daysBack) => {
  let plays = 0;
  let watchTimeS = 0;
  for (const sectionId of sections) {
    const row = db
      .prepare(
        `SELECT (SUM(stopped - started) - SUM(CASE WHEN paused_counter IS NULL THEN 0 ELSE paused_counter END)) AS total_time,
                COUNT(DISTINCT ${groupBy}) AS total_plays
         FROM session_history JOIN session_history_metadata ON session_history_metadata.id = session_history.id
         WHERE stopped >= ${now - daysBack * 86400} AND section_id = ?`,
      )
      .get(sectionId);
    if (row.total_time) {
      plays += row.total_plays;
      watchTimeS += row.total_time;
    }
  }
  return { plays, watchTimeS };
};

// datafactory.get_home_stats
const inner = `SELECT *, SUM(CASE WHEN stopped > 0 THEN (stopped - started) -
    (CASE WHEN paused_counter IS NULL THEN 0 ELSE paused_counter END) ELSE 0 END) AS d FROM session_history`;
const topMovies = db
  .prepare(
    `SELECT shm.full_title, shm.year, shm.thumb, MAX(sh.started) AS last_watch, COUNT(sh.id) AS total_plays, SUM(sh.d) AS total_duration
     FROM (${inner} WHERE session_history.media_type = 'movie' AND session_history.stopped >= ${timestamp30} GROUP BY ${groupBy}) AS sh
     JOIN session_history_metadata AS shm ON shm.id = sh.id
     GROUP BY shm.full_title, shm.year ORDER BY total_plays DESC, sh.started DESC LIMIT ${limit} OFFSET 0`,
  )
  .all();
const topTv = db
  .prepare(
    `SELECT shm.grandparent_title, shm.grandparent_thumb, shm.year, MAX(sh.started) AS last_watch, COUNT(sh.id) AS total_plays, SUM(sh.d) AS total_duration
     FROM (${inner} WHERE session_history.media_type = 'episode' AND session_history.stopped >= ${timestamp30} GROUP BY ${groupBy}) AS sh
     JOIN session_history_metadata AS shm ON shm.id = sh.id
     GROUP BY shm.grandparent_title ORDER BY total_plays DESC, sh.started DESC LIMIT ${limit} OFFSET 0`,
  )
  .all();
const topUsers = db
  .prepare(
    `SELECT sh.user, sh.user_id,
       (CASE WHEN u.friendly_name IS NULL OR TRIM(u.friendly_name) = '' THEN u.username ELSE u.friendly_name END) AS friendly_name,
       MAX(sh.started) AS last_watch, COUNT(sh.id) AS total_plays, SUM(sh.d) AS total_duration
     FROM (${inner} WHERE session_history.stopped >= ${timestamp30} GROUP BY ${groupBy}) AS sh
     JOIN session_history_metadata AS shm ON shm.id = sh.id
     LEFT OUTER JOIN users AS u ON sh.user_id = u.user_id
     GROUP BY sh.user_id ORDER BY total_plays DESC, sh.started DESC LIMIT ${limit} OFFSET 0`,
  )
  .all();
const topPlatforms = db
  .prepare(
    `SELECT sh.platform, MAX(sh.started) AS last_watch, COUNT(sh.id) AS total_plays, SUM(sh.d) AS total_duration
     FROM (${inner} WHERE session_history.stopped >= ${timestamp30} GROUP BY ${groupBy}) AS sh
     GROUP BY sh.platform ORDER BY total_plays DESC, sh.started DESC LIMIT ${limit} OFFSET 0`,
  )
  .all();

// most_concurrent: calc_most_concurrent over 'Concurrent Streams', string-sorted "<time>A/B" keys.
const segments = db
  .prepare(
    `SELECT sh.started, sh.stopped FROM session_history AS sh JOIN session_history_media_info AS shmi ON sh.id = shmi.id
     WHERE sh.stopped >= ${timestamp30}`,
  )
  .all();
const times = [];
for (const item of segments) {
  times.push({ time: `${item.started}B`, count: 1 });
  times.push({ time: `${item.stopped}A`, count: -1 });
}
times.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
let count = 0;
let lastCount = 0;
let lastStart = '';
const concurrent = { count: 0, started: null };
for (const d of times) {
  if (d.count === 1) {
    count += d.count;
    if (count >= lastCount) lastStart = d.time;
  } else {
    if (count >= lastCount) {
      lastCount = count;
      concurrent.count = count;
      concurrent.started = lastStart.slice(0, -1);
    }
    count += d.count;
  }
}

// The `sessions` rows Tautulli's activity shows (every row but those being stopped or in error).
const sessions = db.prepare("SELECT * FROM sessions WHERE state NOT IN ('stopped', 'error')").all();

process.stdout.write(
  JSON.stringify({
    windows: { '24h': windowStats(1), '7d': windowStats(7), '30d': windowStats(30) },
    playsByHour,
    playsByDay,
    playsByWeekday,
    topMovies: topMovies.map((r) => ({ title: r.full_title, year: r.year, plays: r.total_plays, watchTimeS: r.total_duration })),
    topShows: topTv.map((r) => ({ title: r.grandparent_title, year: r.year, plays: r.total_plays, watchTimeS: r.total_duration })),
    topUsers: topUsers.map((r) => ({ name: r.friendly_name, user: r.user, plays: r.total_plays, watchTimeS: r.total_duration })),
    topPlatforms: topPlatforms.map((r) => ({ platform: r.platform, plays: r.total_plays, watchTimeS: r.total_duration })),
    mostConcurrent: { streams: concurrent.count, at: concurrent.started === null ? null : Number(concurrent.started) },
    sessions: sessions.map((s) => ({
      transcode_decision: s.transcode_decision,
      state: s.state,
      bandwidth: Number(s.bandwidth) || 0,
      location: s.location,
      view_offset: Number(s.view_offset) || 0,
      duration: Number(s.duration) || 0,
    })),
  }),
);

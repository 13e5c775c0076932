import { z } from 'zod';

/**
 * The parts of Tautulli's API answers this source reads (Tautulli v2.17), validated leniently: only
 * the fields used, numbers accepted as numbers or strings (XML attributes reach get_activity as
 * strings: "bandwidth": "25318"), every other field dropped here. Object schemas strip unknown keys,
 * so the IPs, player names, e-mails and user thumbs Tautulli sends never get past this module.
 * Arrays are bounded: a hostile or broken server cannot make a cycle allocate without limit.
 */

/** Strings kept from an answer are cut here (titles, names, thumbs): no field of the snapshot needs more. */
export const MAX_STRING = 256;
export const MAX_SESSIONS = 500;
export const MAX_LIBRARIES = 100;
const MAX_ROWS = 200;

/** Cuts at MAX_STRING without splitting a surrogate pair. */
export function cap(text: string): string {
  if (text.length <= MAX_STRING) return text;
  const cut = text.slice(0, MAX_STRING);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** helpers.cast_to_int's spirit: '' and garbage are 0, as Tautulli's own sums treat them. */
const num = z.unknown().transform((v) => {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
});

/** A string field: numbers become their text, anything else null. */
const text = z.unknown().transform((v) => (typeof v === 'string' ? cap(v) : typeof v === 'number' ? String(v) : null));

/** A section id: get_activity sends "2", get_home_stats 2; '' (no section) is null. */
const sectionId = z.unknown().transform((v) => {
  if (v === '' || v === null || v === undefined) return null;
  const n = Number(v);
  return Number.isInteger(n) ? n : null;
});

/** pmsconnect.get_session_each, the fields a stream needs. */
export const sessionSchema = z.object({
  section_id: sectionId,
  media_type: text,
  state: text,
  transcode_decision: text,
  video_decision: text,
  audio_decision: text,
  view_offset: num,
  duration: num,
  bandwidth: num,
  location: text,
  title: text,
  grandparent_title: text,
  year: num,
  thumb: text,
  grandparent_thumb: text,
  user: text,
  friendly_name: text,
});
export type Session = z.infer<typeof sessionSchema>;

/** webserve.get_activity: pmsconnect.get_current_activity plus the stream counts. */
export const activitySchema = z.object({ sessions: z.array(sessionSchema).max(MAX_SESSIONS) });

/** webserve.get_library_sections (API name get_library_names): libraries.get_sections, undeleted sections. */
export const libraryNamesSchema = z
  .array(z.object({ section_id: sectionId, section_name: text, section_type: text }))
  .max(MAX_LIBRARIES, `more than ${MAX_LIBRARIES} libraries`);

/** libraries.get_watch_time_stats: one row per requested query_days. */
export const watchTimeSchema = z.array(z.object({ query_days: num, total_time: num, total_plays: num })).max(10);

/** graphs.get_total_plays_per_*: named series over categories (hours "00".."23", dates, day names). */
export const graphSchema = z.object({
  categories: z.array(z.string().max(32)).max(400),
  series: z.array(z.object({ name: z.string().max(64), data: z.array(num).max(400) })).max(10),
});
export type Graph = z.infer<typeof graphSchema>;

const counted = { total_plays: num, total_duration: num };

/** datafactory.get_home_stats rows, per stat_id. */
export const statRowSchemas = {
  /** top_movies: title is shm.full_title; top_tv: title is shm.grandparent_title, thumb its grandparent_thumb. */
  titles: z.object({ title: text, year: num, thumb: text, section_id: sectionId, ...counted }),
  /** top_users: friendly_name is NULL when the user has no `users` row; `user` is the history row's username. */
  users: z.object({ friendly_name: text, user: text, ...counted }),
  platforms: z.object({ platform: text, ...counted }),
  /** most_concurrent: calc_most_concurrent's {title, count, started (a string), stopped}. */
  concurrent: z.object({ title: text, count: num, started: text }),
};

const homeStat = z.object({ stat_id: z.string(), rows: z.array(z.unknown()).max(MAX_ROWS) });
/**
 * datafactory.get_home_stats: the list of cards, or, when one `stat_id` is asked (Tautulli >= v2.10.0,
 * "if stat_id and home_stats: return home_stats[0]"), that card alone. Read as a list either way.
 */
export const homeStatsSchema = z.preprocess(
  (data) => (typeof data === 'object' && data !== null && !Array.isArray(data) ? [data] : data),
  z.array(homeStat).max(20),
);

/** The first problem of a failed parse, as "path: message". */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(data)'}: ${issue.message}` : 'unexpected shape';
}

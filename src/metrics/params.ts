import { ONLY_SERVER_ID } from '../snapshot/server-key.js';
import { utcOffsetSeconds } from '../time-zone.js';
/**
 * The only parameters a metric may use. Values are bound by SQLite, never spliced into the SQL, so
 * a metric cannot be steered by anything but the clock and the configured time zone.
 *
 * Plex and Tautulli store epoch seconds, Marquee's history store epoch milliseconds, hence both.
 */
export interface BuiltinParams {
  /** Epoch seconds of the cycle. */
  now: number;
  /** Epoch milliseconds of the cycle (Marquee's `history_points.at`). */
  now_ms: number;
  since_24h: number;
  since_7d: number;
  since_30d: number;
  /** Epoch seconds of local midnight today. */
  day_start: number;
  /** Epoch seconds of local midnight on the first of this month. */
  month_start: number;
  /** A SQLite date modifier for local time, e.g. '+120 minutes': `strftime('%H', started, 'unixepoch', :tz_offset)`. */
  tz_offset: string;
  /** The same offset in seconds, for arithmetic on epoch columns. */
  tz_offset_s: number;
  /**
   * The id of the Plex server the metric runs for (issue 20): Marquee's store keeps every server's
   * series in one `history_points` table, so a metric over it filters `WHERE server = :server`.
   * `default` without a `servers:` list.
   */
  server: string;
}

export const builtinParamNames: readonly (keyof BuiltinParams)[] = [
  'now',
  'now_ms',
  'since_24h',
  'since_7d',
  'since_30d',
  'day_start',
  'month_start',
  'tz_offset',
  'tz_offset_s',
  'server',
];

const DAY_S = 86_400;

/**
 * The UTC offset of an IANA zone at one instant, in minutes. The offset of `now` is used for the
 * whole query: a window that spans a DST change is off by an hour on one side, as in Tautulli.
 */
export function tzOffsetMinutesAt(timeZone: string, epochMs: number): number {
  return Math.round(utcOffsetSeconds(timeZone, Math.floor(epochMs / 1000)) / 60);
}

/** Built-in parameter values for a cycle at `nowMs`, in a zone `tzOffsetMinutes` east of UTC. */
export function builtinParams(nowMs: number, tzOffsetMinutes: number, server = ONLY_SERVER_ID): BuiltinParams {
  const now = Math.floor(nowMs / 1000);
  const offsetS = tzOffsetMinutes * 60;
  const local = now + offsetS;
  const dayStart = local - (((local % DAY_S) + DAY_S) % DAY_S) - offsetS;
  const d = new Date(local * 1000);
  const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000 - offsetS;
  return {
    now,
    now_ms: Math.floor(nowMs),
    since_24h: now - DAY_S,
    since_7d: now - 7 * DAY_S,
    since_30d: now - 30 * DAY_S,
    day_start: dayStart,
    month_start: monthStart,
    tz_offset: `${tzOffsetMinutes >= 0 ? '+' : '-'}${Math.abs(tzOffsetMinutes)} minutes`,
    tz_offset_s: offsetS,
    server,
  };
}

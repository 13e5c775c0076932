import type { SegmentTimes } from './concurrency.js';
import type { Activity, History, MediaCounts } from './schema.js';

/**
 * What the sources hand the snapshot: the contract between src/sources (which produce these) and the
 * merge (which consumes them). It lives here, with the snapshot, so that the snapshot depends on no
 * source and a source depends only on this contract (an ESLint rule keeps the direction).
 */

/** What every source returns: data or a typed error, never a throw at the caller. */
export type SourceResult<T> = { ok: true; data: T; durationMs: number } | { ok: false; error: SourceError; durationMs: number };

export type SourceErrorCode = 'missing' | 'locked' | 'corrupt' | 'schema' | 'timeout' | 'stale' | 'auth' | 'unavailable' | 'unconfigured';

export interface SourceError {
  /** Stable machine-readable cause. */
  code: SourceErrorCode;
  /** The fixed public text for `code` (SOURCE_ERROR_MESSAGES): it reaches /health and every .json. */
  message: string;
  /**
   * The raw cause (a SQLite or file-system message, often with absolute paths), for the log only.
   * The source reader (read-all.ts) logs it and drops it before a result leaves src/sources.
   */
  detail?: string;
}

/** The Tautulli section, read from its database or its API (or live activity alone from Plex). */
export interface TautulliData {
  activity: Activity;
  /** Null when only live activity is known (Plex's /status/sessions, no Tautulli configured). */
  history: History | null;
  /** Rows read but not trusted, for the cycle log (never part of the snapshot). */
  skipped?: { ghostSessions: number; malformedSessions: number; malformedHistory: number };
}

/** Issue 20's per-server extras (network aggregation): never part of a snapshot. */

/**
 * What the network image needs to count an item once across servers (issue 20): per counted type,
 * every item the one-server totals count, with the keys that name it outside this server.
 *
 * What "the same item" means, per type:
 * - movies, shows, artists, albums, tracks: sharing any key: its agent GUID (plex://…, or a legacy
 *   agent's, normalised so that com.plexapp.agents.imdb://tt1?lang=en is imdb://tt1) or one of the
 *   external ids PMS stores beside a plex:// GUID (imdb://, tmdb://, tvdb://). Keys are compared
 *   within one type, so a film's tmdb://1399 never meets a show's.
 * - seasons, episodes: the same, and also "season N of the same show" / "episode E of that season":
 *   the legacy TheTVDB agent names them by path under the show (thetvdb://74205/1/1) while the
 *   current agent gives them plex:// GUIDs, so only their place under a matched show ties a legacy
 *   server's episode to a current one's. (A show shown in another episode order on one server
 *   would pair by position; its own GUIDs still pair it correctly where both have them.)
 * - photos, and any item whose GUID is server-local (local://, com.plexapp.agents.none://, file://)
 *   with no external id: never the same as anything, so each counts on its own server.
 */
export interface PlexIdentities {
  /** Changes whenever the identities may have (identitiesTokenSql and the private sections). */
  token: string;
  types: Record<keyof MediaCounts, TypeIdentities>;
}

/** The answer when the caller's token is still current: keep the identities read with it. */
export interface PlexIdentitiesUnchanged {
  token: string;
  unchanged: true;
}

/** Parallel arrays, one entry per item (cheap to pass between threads, unlike an object per item). */
export interface TypeIdentities {
  /** metadata_items.id, unique within this server. */
  ids: number[];
  /** The item's keys joined by '\n'; '' when it has none (server-local: counts on its own). */
  keys: string[];
  /** Seasons: the show's id; episodes: the season's id; null for other types. */
  parents: (number | null)[];
  /** Seasons: the season number; episodes: the episode number; null for other types. */
  indexes: (number | null)[];
}

/**
 * What the network image needs from one server's Tautulli beyond its snapshot (issue 20), so that
 * its numbers over several servers are Tautulli's numbers over their union, not sums of summaries:
 *
 * - `segments`: the [started, stopped] pairs the most-concurrent sweep reads (concurrencySql, 30
 *   days, private sections out): the network's peak is the sweep over every server's segments,
 *   which the sum or the maximum of the servers' peaks is not.
 * - `users`, `movies`, `shows`, `platforms`: the home-stats rows of EVERY key, not the top few. A
 *   top-N merge is not exact: a film sixth on two servers can be first on the network. The rows are
 *   keyed as Tautulli keys them, so the same key on two servers is one row of the union: a user by
 *   user_id (Tautulli's user_id is the plex.tv account id, the same on every server the account
 *   uses), a film by (full title, year), a show by its title, a platform by its name. Each row
 *   carries lastWatch, Tautulli's tie-break.
 *
 * Costs one more run of each top query without its LIMIT (the grouped work is the same; only the
 * kept rows grow); the segments are the ones the source already read.
 */
export interface TautulliExtras {
  segments: SegmentTimes[];
  users: Array<{ userId: number | null; name: string; plays: number; watchTimeS: number; lastWatch: number }>;
  movies: Array<TitledRow>;
  shows: Array<TitledRow>;
  platforms: Array<{ platform: string; plays: number; watchTimeS: number; lastWatch: number }>;
}

export interface TitledRow {
  title: string;
  year: number | null;
  thumb: string | null;
  plays: number;
  watchTimeS: number;
  lastWatch: number;
}

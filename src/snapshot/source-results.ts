import type { Activity, History } from './schema.js';

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

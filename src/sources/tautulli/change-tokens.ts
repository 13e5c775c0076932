import type Database from 'better-sqlite3';
import type { History } from '../../snapshot/schema.js';
import { utcOffsetSeconds } from '../../time-zone.js';
import { changesSql } from './queries.js';

const DAY_S = 86_400;

/**
 * The answer when the caller's history token is still current: keep the history read with it, with
 * this read's 24-hour and 7-day windows.
 */
export interface TautulliHistoryUnchanged {
  token: string;
  unchanged: true;
  windows: Pick<History['windows'], '24h' | '7d'>;
}

/**
 * What Tautulli's database says has changed since a read, in one query a cycle (changesSql): the
 * newest history row, the 30-day window's rows, the users' names, the library sections. Both
 * tokens below are made from it.
 */
export type Changes = readonly unknown[];

export function readChanges(db: Database.Database, now: number): Changes {
  return db
    .prepare(changesSql)
    .raw()
    .get({ since30: Math.floor(now / 1000) - 30 * DAY_S }) as unknown[];
}

/**
 * What the history section is a function of, besides its 24-hour and 7-day windows (read every
 * time) and rows edited in place (see below): the 30-day window's rows (a play added or deleted,
 * a row leaving the window as `now` moves), the people's names, the library sections (private by
 * name, graphs.py's library types), and what the caller asks: the private sections, the grouping,
 * the list length, the zone, and the local date the 30 graphed days end on. While it holds, every
 * other number of the history section is the one read with it.
 *
 * Tautulli also rewrites history rows in place on rare admin actions ("fix metadata" after a
 * re-match, regrouping the history), which no cheap count sees: the caller bounds how long it
 * trusts a token (read-all.ts, HISTORY_MAX_AGE_MS).
 */
export function historyToken(
  changes: Changes,
  options: { now: number; timeZone: string; topLimit: number; groupHistory: boolean },
  privateIds: string,
): string {
  const nowS = Math.floor(options.now / 1000);
  const today = Math.floor((nowS + utcOffsetSeconds(options.timeZone, nowS)) / DAY_S);
  return JSON.stringify([changes, privateIds, options.groupHistory, options.topLimit, options.timeZone, today]);
}

/**
 * What the network extras are a function of: the 30-day window's rows (a play added, or one leaving
 * the window), the people's names, the private sections and the grouping; not the library
 * sections' names, which the extras do not carry.
 */
export function extrasToken(changes: Changes, privateIds: string, groupHistory: boolean): string {
  return JSON.stringify([changes.slice(0, 4), privateIds, groupHistory]);
}

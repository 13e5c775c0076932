import type Database from 'better-sqlite3';
import type { History } from '../../snapshot/schema.js';
import { utcOffsetSeconds } from '../../time-zone.js';
import { historyTokenSql } from './queries.js';

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
 * What the history section is a function of, besides its 24-hour and 7-day windows (read every
 * time) and rows edited in place (see below): the 30-day window's rows (historyTokenSql: a play
 * added or deleted, a row leaving the window as `now` moves), the people's names, the library
 * sections (private by name, graphs.py's library types), and what the caller asks: the private
 * sections, the grouping, the list length, the zone, and the local date the 30 graphed days end
 * on. While it holds, every other number of the history section is the one read with it.
 *
 * Tautulli also rewrites history rows in place on rare admin actions ("fix metadata" after a
 * re-match, regrouping the history), which no cheap count sees: the caller bounds how long it
 * trusts a token (read-all.ts, HISTORY_MAX_AGE_MS).
 */
export function historyToken(
  db: Database.Database,
  options: { now: number; timeZone: string; topLimit: number; groupHistory: boolean },
  privateIds: string,
): string {
  const nowS = Math.floor(options.now / 1000);
  const since = (days: number) => nowS - days * DAY_S;
  const rows = db
    .prepare(historyTokenSql)
    .raw()
    .get({ since30: since(30) });
  const today = Math.floor((nowS + utcOffsetSeconds(options.timeZone, nowS)) / DAY_S);
  return JSON.stringify([rows, privateIds, options.groupHistory, options.topLimit, options.timeZone, today]);
}

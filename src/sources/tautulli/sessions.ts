import type Database from 'better-sqlite3';
import type { Activity } from '../../snapshot/schema.js';
import { activityOf } from '../../snapshot/activity.js';
import * as q from './queries.js';
import { isKnownSession, streamOf, type SessionFields } from './streams.js';
import type { TautulliSourceOptions } from './tautulli-source.js';
import { num } from './values.js';

/** A row of Tautulli's sessions table (liveSessionsSql). */
interface SessionRow extends SessionFields {
  started: number | null;
  stopped: number | null;
}

/**
 * The live streams from Tautulli's sessions table: each row a stream, a private section's without
 * what it plays, rows left by a Tautulli that stopped writing (ghosts) counted and left out.
 */
export function readSessions(
  db: Database.Database,
  options: Pick<TautulliSourceOptions, 'now' | 'sessionsStaleAfterMs'>,
  privateIds: string,
): { activity: Activity; ghosts: number; malformed: number } {
  const hidden = new Set(JSON.parse(privateIds) as number[]);
  const rows = db.prepare(q.liveSessionsSql).all() as SessionRow[];
  const limitS = (options.sessionsStaleAfterMs ?? 0) / 1000;
  const nowS = options.now / 1000;
  const known = rows.filter(isKnownSession);
  // `stopped` is the row's last write (see liveSessionsSql); a row never written has no claim to be live.
  const ghost = (row: SessionRow) => limitS > 0 && (row.stopped === null || nowS - Number(row.stopped) > limitS);
  const live = known.filter((row) => !ghost(row));
  const ghosts = known.length - live.length;
  if (ghosts > 0 && live.length === 0) {
    const newest = Math.max(...known.map((row) => Number(row.stopped ?? 0)));
    throw Object.assign(
      new Error(
        `Tautulli has not written a live session for ${Math.round((nowS - newest) / 60)} min while ${ghosts} show as streaming: is Tautulli running?`,
      ),
      { code: 'ESTALE' },
    );
  }
  const streams = live.map((row) => ({
    ...streamOf(row, hidden),
    // write_session stamps `started` on the row's first write: when the stream began (privacy.nowPlayingDelayS).
    startedAt: row.started != null && num(row.started) > 0 ? num(row.started) * 1000 : null,
  }));
  return { activity: activityOf(streams), ghosts, malformed: rows.length - known.length };
}

import type { HistoryPoint } from '../snapshot/schema.js';
import { openReadOnly } from './sqlite-readonly.js';
import { KNOWN_MEDIA_TYPES, liveSessionsSql } from './tautulli/queries.js';

/**
 * Rebuilds the graph series for a store that has none yet (first start), so graphs are full from
 * the first image instead of filling up over a day. Streams, transcodes and bandwidth come from
 * Tautulli's history (segments running at each step) and its live sessions; CPU and memory from
 * Plex's own statistics_resources samples, the only resource history either database keeps.
 *
 * The seed must end where the first live reading starts: a stream still playing is not in
 * session_history (Tautulli writes a play there when it stops), so without the live sessions the
 * series ended at 0 and jumped to the live count at the right edge of every graph.
 */
export interface BackfillOptions {
  plexDb: string;
  tautulliDb: string;
  now: number;
  windowMs: number;
  stepMs: number;
  /**
   * As the live reading (TautulliSourceOptions.sessionsStaleAfterMs, config
   * tautulli.sessionsStaleAfterS): a session row last written longer ago is a stopped Tautulli's
   * ghost, not a stream. Undefined or 0: off, as in demo mode.
   */
  sessionsStaleAfterMs?: number;
  /**
   * As the privacy step (privacy.nowPlayingDelayS): a stream enters the live count only this long
   * after it started, so a seeded point counts it from then too. Default 0.
   */
  nowPlayingDelayMs?: number;
}

interface Segment {
  started: number;
  stopped: number;
  bandwidth: number | null;
  decision: string | null;
}

export function readBackfill(o: BackfillOptions): HistoryPoint[] {
  const from = o.now - o.windowMs;
  const segments = [...readSegments(o.tautulliDb, from, o.now), ...readLiveSessions(o)];
  const delayS = (o.nowPlayingDelayMs ?? 0) / 1000;
  const resources = readResources(o.plexDb, from, o.now);
  const points: HistoryPoint[] = [];
  let r = 0;
  for (let at = Math.ceil(from / o.stepMs) * o.stepMs; at < o.now; at += o.stepMs) {
    const t = at / 1000;
    const running = segments.filter((s) => s.started + delayS <= t && s.stopped > t);
    while (r + 1 < resources.length && resources[r + 1]!.at <= t) r++;
    const sample = resources[r] && resources[r]!.at <= t && t - resources[r]!.at < 3600 ? resources[r]! : null;
    points.push({
      at,
      streams: running.length,
      transcodes: running.filter((s) => s.decision === 'transcode').length,
      bandwidthKbps: running.reduce((n, s) => n + (s.bandwidth ?? 0), 0),
      cpuPct: sample ? Math.round(sample.cpu * 10) / 10 : null,
      memPct: sample ? Math.round(sample.mem * 10) / 10 : null,
      temperatureC: null,
    });
  }
  return points;
}

/**
 * Sessions playing now, each running from its start until now, counted as the live reading counts
 * them: the rows liveSessionsSql selects, of a media type Tautulli records, not ghosts; a transcode
 * when the stream or its video or audio is transcoded (the Tautulli source's decisionOf).
 */
function readLiveSessions(o: BackfillOptions): Segment[] {
  const nowS = o.now / 1000;
  const limitS = (o.sessionsStaleAfterMs ?? 0) / 1000;
  const handle = openReadOnly(o.tautulliDb);
  try {
    const rows = handle.db.prepare(liveSessionsSql).all() as {
      media_type: string | null;
      transcode_decision: string | null;
      video_decision: string | null;
      audio_decision: string | null;
      bandwidth: unknown;
      started: unknown;
      stopped: unknown;
    }[];
    return rows.flatMap((r) => {
      const started = Number(r.started);
      if (!(KNOWN_MEDIA_TYPES as readonly string[]).includes(r.media_type ?? '') || !Number.isFinite(started) || started <= 0) return [];
      if (limitS > 0 && (r.stopped === null || nowS - Number(r.stopped) > limitS)) return [];
      const transcoded = [r.transcode_decision, r.video_decision, r.audio_decision].some((d) => (d ?? '').toLowerCase() === 'transcode');
      const bandwidth = Number(r.bandwidth);
      return [
        { started, stopped: Infinity, bandwidth: Number.isFinite(bandwidth) ? bandwidth : 0, decision: transcoded ? 'transcode' : null },
      ];
    });
  } finally {
    handle.close();
  }
}

function readSegments(file: string, from: number, to: number): Segment[] {
  const handle = openReadOnly(file);
  try {
    return handle.db
      .prepare(
        `SELECT sh.started, sh.stopped, sh.bandwidth, shmi.transcode_decision AS decision
         FROM session_history sh LEFT JOIN session_history_media_info shmi ON shmi.id = sh.id
         WHERE sh.stopped >= ? AND sh.started <= ?`,
      )
      .all(Math.floor(from / 1000), Math.ceil(to / 1000)) as Segment[];
  } finally {
    handle.close();
  }
}

/** The finest-grained samples Plex kept; timespan codes are undocumented, so take the most frequent. */
function readResources(file: string, from: number, to: number): { at: number; cpu: number; mem: number }[] {
  const handle = openReadOnly(file);
  try {
    return handle.db
      .prepare(
        `SELECT at, host_cpu_utilization AS cpu, host_memory_utilization AS mem FROM statistics_resources
         WHERE at BETWEEN ? AND ? AND timespan = (
           SELECT timespan FROM statistics_resources WHERE at BETWEEN ? AND ? GROUP BY timespan ORDER BY COUNT(*) DESC LIMIT 1)
         ORDER BY at`,
      )
      .all(Math.floor(from / 1000), Math.ceil(to / 1000), Math.floor(from / 1000), Math.ceil(to / 1000)) as {
      at: number;
      cpu: number;
      mem: number;
    }[];
  } finally {
    handle.close();
  }
}

import type { HistoryPoint } from '../snapshot/schema.js';
import { openReadOnly } from './sqlite-readonly.js';

/**
 * Rebuilds the graph series for a store that has none yet (first start), so graphs are full from
 * the first image instead of filling up over a day. Streams, transcodes and bandwidth come from
 * Tautulli's history (segments running at each step); CPU and memory from Plex's own
 * statistics_resources samples, the only resource history either database keeps.
 */
export interface BackfillOptions {
  plexDb: string;
  tautulliDb: string;
  now: number;
  windowMs: number;
  stepMs: number;
}

interface Segment {
  started: number;
  stopped: number;
  bandwidth: number | null;
  decision: string | null;
}

export function readBackfill(o: BackfillOptions): HistoryPoint[] {
  const from = o.now - o.windowMs;
  const segments = readSegments(o.tautulliDb, from, o.now);
  const resources = readResources(o.plexDb, from, o.now);
  const points: HistoryPoint[] = [];
  let r = 0;
  for (let at = Math.ceil(from / o.stepMs) * o.stepMs; at < o.now; at += o.stepMs) {
    const t = at / 1000;
    const running = segments.filter((s) => s.started <= t && s.stopped > t);
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

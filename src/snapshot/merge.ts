import type { PlexIdentities, SourceResult, TautulliData, TautulliExtras } from './source-results.js';
import { sanitiseData } from './sanitise.js';
import { SNAPSHOT_VERSION, type Host, type Library, type ServerState, type Snapshot, type SourceStatus } from './schema.js';

export interface Thresholds {
  busyStreams: number;
  overloadedStreams: number;
  busyTranscodes: number;
  overloadedTranscodes: number;
  busyCpuPct: number;
  overloadedCpuPct: number;
}

export interface SourceResults {
  plex: SourceResult<Library>;
  tautulli: SourceResult<TautulliData>;
  host: SourceResult<Host>;
  /**
   * What the network image needs of this server beyond its snapshot (issue 20), read only when the
   * config has several servers; absent where the source failed or cannot tell (the HTTP APIs).
   * Never part of a snapshot: mergeSnapshot does not look at it.
   */
  extras?: { plex?: PlexIdentities; tautulli?: TautulliExtras };
}

/**
 * Merges one cycle's source results into a snapshot. A source that failed this cycle keeps the
 * previous snapshot's data for its section, marked `stale` with the time that data was read, so an
 * image keeps showing the last good numbers (with a stale marker) instead of going blank.
 *
 * Every result and metric passes `sanitiseData` here, the one door into a snapshot: strings are
 * capped and stripped of invisible controls whatever source produced them. Carried data passed it
 * in the cycle that read it.
 */
export function mergeSnapshot(input: {
  takenAt: number;
  results: SourceResults;
  previous: Snapshot | null;
  thresholds: Thresholds;
  metrics?: Snapshot['metrics'];
}): Snapshot {
  const { previous, takenAt } = input;
  // The network extras (every item's GUIDs, every top row) are never part of a snapshot: cleaning
  // them here would copy hundreds of thousands of strings a cycle only to throw them away.
  const { extras: _extras, ...sourceResults } = input.results;
  const results = sanitiseData(sourceResults);
  const plex = section(results.plex, takenAt, previous?.sources.plex, previous?.library ?? null);
  const tautulli = section(results.tautulli, takenAt, previous?.sources.tautulli, previousTautulli(previous));
  const host = section(results.host, takenAt, previous?.sources.host, previous?.host ?? null);
  const snapshot: Snapshot = {
    version: SNAPSHOT_VERSION,
    takenAt,
    state: 'online',
    sources: { plex: plex.status, tautulli: tautulli.status, host: host.status },
    library: plex.data,
    activity: tautulli.data?.activity ?? null,
    history: tautulli.data?.history ?? null,
    host: host.data,
    metrics: sanitiseData(input.metrics ?? {}),
  };
  return { ...snapshot, state: deriveState(snapshot, input.thresholds) };
}

function previousTautulli(previous: Snapshot | null): TautulliData | null {
  return previous?.activity && previous.history ? { activity: previous.activity, history: previous.history } : null;
}

function section<T>(result: SourceResult<T>, takenAt: number, previousStatus: SourceStatus | undefined, previousData: T | null) {
  const durationMs = Math.round(result.durationMs * 10) / 10;
  if (result.ok) return { status: { status: 'ok', updatedAt: takenAt, durationMs } satisfies SourceStatus, data: result.data };
  const carried = previousData !== null && previousStatus?.updatedAt != null;
  return {
    status: {
      status: carried ? 'stale' : 'error',
      updatedAt: carried ? previousStatus.updatedAt : null,
      durationMs,
      error: result.error,
    } satisfies SourceStatus,
    data: carried ? previousData : null,
  };
}

/**
 * offline: Plex's library cannot be read at all. overloaded / busy: any live-load measure passes
 * its threshold (streams, transcodes, CPU). Stale data still counts: it is the best we know.
 */
export function deriveState(s: Snapshot, t: Thresholds): ServerState {
  if (s.sources.plex.status === 'error') return 'offline';
  const streams = s.activity?.streamCount ?? 0;
  const transcodes = s.activity?.transcode ?? 0;
  const cpu = s.host?.cpu.loadPct ?? 0;
  if (streams >= t.overloadedStreams || transcodes >= t.overloadedTranscodes || cpu >= t.overloadedCpuPct) return 'overloaded';
  if (streams >= t.busyStreams || transcodes >= t.busyTranscodes || cpu >= t.busyCpuPct) return 'busy';
  return 'online';
}

/** The point appended to the history series each cycle (graphs: streams, bandwidth, CPU, temperature). */
export function historyPointOf(s: Snapshot) {
  const mem = s.host?.memory;
  return {
    at: s.takenAt,
    streams: s.activity?.streamCount ?? 0,
    transcodes: s.activity?.transcode ?? 0,
    bandwidthKbps: s.activity?.bandwidthKbps.total ?? 0,
    cpuPct: s.host?.cpu.loadPct ?? null,
    memPct: mem && mem.totalBytes > 0 ? Math.round((mem.usedBytes / mem.totalBytes) * 1000) / 10 : null,
    temperatureC: s.host?.cpu.temperatureC ?? null,
  };
}

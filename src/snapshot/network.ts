import type { PlexIdentities, TautulliExtras } from './source-results.js';
import { activityOf } from './activity.js';
import { networkHistory, type NetworkHistoryMemo } from './network-history.js';
import { networkLibrary, type NetworkLibraryMemo } from './network-library.js';
import { sanitiseData } from './sanitise.js';
import {
  SNAPSHOT_VERSION,
  serverStates,
  type Host,
  type ServerState,
  type Snapshot,
  type SourceName,
  type SourceStatus,
} from './schema.js';

/**
 * One server of the network, as the collector hands it over each cycle.
 *
 * `snapshot` is the server's merged snapshot BEFORE the privacy step (the network snapshot goes
 * through that step itself, like any other); null when the server has never been read. `plex` and
 * `tautulli` are the sources' extras (readPlex / readTautulli with networkExtras): this cycle's, or
 * the last good ones kept beside a carried-over section; null when there are none, and the server
 * then adds its summaries only (its films may count twice, its peak is a floor) and the network is
 * marked partial.
 */
export interface NetworkServer {
  id: string;
  name: string;
  snapshot: Snapshot | null;
  plex: PlexIdentities | null;
  tautulli: TautulliExtras | null;
  /**
   * Which machine its host section describes (its node_exporter's address, or "this machine"):
   * servers on one machine (two Plex instances on one box) count its CPU, memory and disks once.
   * Absent: a machine of its own.
   */
  hostKey?: string;
}

export interface NetworkOptions {
  /** Epoch ms of the cycle; default the newest server snapshot's. */
  takenAt?: number;
  /** Rows per top list; default 5, as the Tautulli source. */
  topLimit?: number;
  /** The caller's memo of the library totals (one per network collection), so unchanged identities are merged once. */
  memo?: NetworkLibraryMemo;
  /** The caller's memo of the merged top lists and the union's peak (one per network collection). */
  historyMemo?: NetworkHistoryMemo;
}

const severity = (state: ServerState) => serverStates.indexOf(state);

/**
 * The network's snapshot (issue 20): the one-server shape, so every template draws it unchanged.
 *
 * - Live activity: every server's streams whose Tautulli read this cycle, counted one way
 *   (activityOf), so streams by decision and bandwidth are the sums.
 * - History: sums, merged top lists, the most concurrent over the union (network-history.ts).
 * - Library: counted once per identity across servers (network-library.ts).
 * - Host: the machines together, each once (NetworkServer.hostKey): CPU as the share of all their
 *   cores in use, memory and traffic summed, the hottest temperature, the shortest uptime, every disk
 *   under its server's name.
 * - State: the worst of the servers that answer; offline only when none does. One server down
 *   counts in `network.online`, not in the state: an offline network prints every live number as
 *   missing, which would blank the whole network for one server.
 * - Sources: ok when any server read the source this cycle, stale when only carried-over data is
 *   left, error when no server has any. A server short of anything marks `network.partial`.
 */
export function networkSnapshot(servers: readonly NetworkServer[], options: NetworkOptions = {}): Snapshot {
  const known = servers.filter((s): s is NetworkServer & { snapshot: Snapshot } => s.snapshot !== null);
  const fresh = (s: Snapshot, source: SourceName) => s.sources[source].status === 'ok';
  const library = networkLibrary(
    servers.map((s) => ({ name: s.name, library: s.snapshot?.library ?? null, identities: s.plex })),
    options.memo,
  );
  const history = networkHistory(
    servers.map((s) => ({ history: s.snapshot?.history ?? null, extras: s.snapshot?.history ? s.tautulli : null })),
    options.topLimit ?? 5,
    options.historyMemo,
  );
  const live = known.filter((s) => s.snapshot.activity && fresh(s.snapshot, 'tautulli') && s.snapshot.state !== 'offline');
  const activity = live.length > 0 ? activityOf(live.flatMap((s) => s.snapshot.activity!.streams)) : null;
  const seenHosts = new Set<string>();
  const hosts = known.filter((s) => {
    if (!s.snapshot.host || !fresh(s.snapshot, 'host')) return false;
    if (s.hostKey === undefined) return true;
    if (seenHosts.has(s.hostKey)) return false;
    seenHosts.add(s.hostKey);
    return true;
  });
  const answering = known.filter((s) => s.snapshot.state !== 'offline');
  const partial =
    known.length < servers.length ||
    !library.complete ||
    !history.complete ||
    known.some((s) => Object.values(s.snapshot.sources).some((source) => source.status !== 'ok'));
  const stamps = new Set(known.map((s) => s.snapshot.privacy));
  const privacy = stamps.size === 1 ? [...stamps][0] : undefined;
  return {
    version: SNAPSHOT_VERSION,
    takenAt: options.takenAt ?? Math.max(0, ...known.map((s) => s.snapshot.takenAt)),
    state:
      answering.length === 0 ? 'offline' : answering.map((s) => s.snapshot.state).reduce((a, b) => (severity(b) > severity(a) ? b : a)),
    sources: {
      plex: sourceOf(known.map((s) => s.snapshot.sources.plex)),
      tautulli: sourceOf(known.map((s) => s.snapshot.sources.tautulli)),
      host: sourceOf(known.map((s) => s.snapshot.sources.host)),
    },
    library: library.library,
    activity,
    // The extras' names and titles did not pass mergeSnapshot, the door every other string took.
    history: sanitiseData(history.history),
    host: hosts.length > 0 ? networkHost(hosts.map((s) => ({ name: s.name, host: s.snapshot.host! }))) : null,
    metrics: {},
    ...(privacy === undefined ? {} : { privacy }),
    network: {
      servers: servers.length,
      online: answering.length,
      partial,
      rows: servers.map((s) => {
        const current =
          s.snapshot?.activity && fresh(s.snapshot, 'tautulli') && s.snapshot.state !== 'offline' ? s.snapshot.activity : null;
        return {
          id: s.id,
          name: s.name,
          state: s.snapshot?.state ?? 'offline',
          streams: current?.streamCount ?? null,
          bandwidthKbps: current?.bandwidthKbps.total ?? null,
        };
      }),
    },
  };
}

/** One source over the servers (see networkSnapshot); the oldest time among those it reports on. */
function sourceOf(statuses: readonly SourceStatus[]): SourceStatus {
  const durationMs = Math.max(0, ...statuses.map((s) => s.durationMs));
  const ok = statuses.filter((s) => s.status === 'ok');
  const oldest = (list: readonly SourceStatus[]) => Math.min(...list.map((s) => s.updatedAt ?? Infinity));
  if (ok.length > 0) return { status: 'ok', updatedAt: oldest(ok), durationMs };
  const stale = statuses.filter((s) => s.status === 'stale');
  // Code and fixed text only: a raw cause (SourceError.detail) is for one server's log.
  const found = statuses.find((s) => s.error)?.error;
  const error = found && { code: found.code, message: found.message };
  if (stale.length > 0) return { status: 'stale', updatedAt: oldest(stale), durationMs, ...(error ? { error } : {}) };
  return { status: 'error', updatedAt: null, durationMs, error: error ?? { code: 'unavailable', message: 'no server could be read' } };
}

function networkHost(hosts: ReadonlyArray<{ name: string; host: Host }>): Host {
  const cores = hosts.reduce((n, { host }) => n + host.cpu.cores, 0);
  const busy = hosts.reduce((n, { host }) => n + (host.cpu.loadPct * host.cpu.cores) / 100, 0);
  const temperatures = hosts.map(({ host }) => host.cpu.temperatureC).filter((t): t is number => t !== null);
  return {
    cpu: {
      loadPct: cores > 0 ? Math.round((busy / cores) * 1000) / 10 : 0,
      cores,
      temperatureC: temperatures.length > 0 ? Math.max(...temperatures) : null,
    },
    memory: {
      usedBytes: hosts.reduce((n, { host }) => n + host.memory.usedBytes, 0),
      totalBytes: hosts.reduce((n, { host }) => n + host.memory.totalBytes, 0),
    },
    disks: hosts.flatMap(({ name, host }) => host.disks.map((d) => ({ ...d, mount: `${name} ${d.mount}` }))),
    network: {
      rxBytesPerS: hosts.reduce((n, { host }) => n + host.network.rxBytesPerS, 0),
      txBytesPerS: hosts.reduce((n, { host }) => n + host.network.txBytesPerS, 0),
    },
    uptimeS: Math.min(...hosts.map(({ host }) => host.uptimeS)),
    transcoderRunning: hosts.some(({ host }) => host.transcoderRunning),
  };
}

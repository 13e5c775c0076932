import type { HistoryPoint, Snapshot } from '../snapshot/schema.js';
import type { SnapshotStore } from './store.js';

/** The graph series an image draws: the last 24 hours. */
export const HISTORY_WINDOW_MS = 24 * 3_600_000;

export interface SnapshotView {
  snapshot: Snapshot | null;
  history: HistoryPoint[];
}

/**
 * Where the server gets the data it draws. One implementation per read mode (a collecting
 * process's memory, the SQLite store another process writes, the Sheet), chosen once in wiring;
 * the server and the renderer never know which one they hold.
 */
export interface SnapshotProvider {
  current(): Promise<SnapshotView>;
  /**
   * Identity of the newest snapshot this provider has seen, read synchronously (the replay in
   * front of Express keys its recordings by it). It may lag `current()` by one request.
   */
  generation(): unknown;
}

/** One Plex server of this Marquee, as URLs and pages name it. */
export interface ServerEntry {
  id: string;
  name: string;
}

/**
 * Every snapshot the server can draw (issue 20): one provider per Plex server, and the one that
 * `/i/<name>.png` shows, which is the network's with several servers and the only server's with one.
 */
export interface Snapshots {
  /** The servers, in the config's order: one entry for a config without `servers:`. */
  readonly servers: readonly ServerEntry[];
  /** True with several servers: the key '' is then the network. */
  readonly network: boolean;
  /** '' (the network, or the only server) or a server id; undefined for an id no server has. */
  get(key: string): SnapshotProvider | undefined;
}

/** The providers keyed for serving: `main` answers '', each server its id. */
export function snapshotsOf(servers: ReadonlyArray<ServerEntry & { provider: SnapshotProvider }>, main: SnapshotProvider): Snapshots {
  const byId = new Map(servers.map((s) => [s.id, s.provider]));
  return {
    servers: servers.map(({ id, name }) => ({ id, name })),
    network: servers.length > 1,
    get: (key) => (key === '' ? main : byId.get(key)),
  };
}

/** A memo of the history read for one snapshot: the series is read once per snapshot, not per request. */
function historyMemo(store: Pick<SnapshotStore, 'history'>, clock: () => number) {
  let memo: { takenAt: number; history: HistoryPoint[] } | null = null;
  return async (snapshot: Snapshot | null): Promise<HistoryPoint[]> => {
    const takenAt = snapshot?.takenAt ?? -1;
    if (memo?.takenAt !== takenAt) {
      const history = await store.history(clock() - HISTORY_WINDOW_MS).catch(() => []);
      memo = { takenAt, history };
    }
    return memo.history;
  };
}

/**
 * A collecting process: its own collector's memory is the newest data there is (it is the only
 * writer of its store), so the store is read only for the graph series.
 */
export function collectorProvider(
  collector: { readonly latest: Snapshot | null },
  historyStore: Pick<SnapshotStore, 'history'>,
  clock: () => number,
): SnapshotProvider {
  const history = historyMemo(historyStore, clock);
  return {
    async current() {
      const snapshot = collector.latest;
      return { snapshot, history: await history(snapshot) };
    },
    generation: () => collector.latest,
  };
}

/** What the SQLite read mode needs of the store: a cheap look at which snapshot is newest. */
export interface SqliteReadable extends Pick<SnapshotStore, 'latest' | 'history'> {
  /** `takenAt` of the stored latest snapshot (one indexed row, no JSON parse), or null. */
  latestTakenAt(): number | null;
}

/**
 * A renderer sharing the data directory with a collecting process (`serve --no-collect`): every
 * request asks SQLite which snapshot is newest (one small row, microseconds) and parses the stored
 * JSON again only when another process has written a newer one.
 */
export function sqliteProvider(store: SqliteReadable, clock: () => number): SnapshotProvider {
  const history = historyMemo(store, clock);
  let seen: { takenAt: number | null; snapshot: Snapshot | null } | null = null;
  return {
    async current() {
      const takenAt = safe(() => store.latestTakenAt(), seen?.takenAt ?? null);
      if (!seen || seen.takenAt !== takenAt) {
        const snapshot = await store.latest().catch(() => seen?.snapshot ?? null);
        seen = { takenAt, snapshot };
      }
      return { snapshot: seen.snapshot, history: await history(seen.snapshot) };
    },
    generation: () => seen?.takenAt ?? null,
  };
}

/**
 * A renderer reading the Google Sheet (`serve --no-collect --store sheets`): the store's own
 * reader cache bounds upstream reads to one per TTL, whatever the traffic.
 */
export function sheetsProvider(store: Pick<SnapshotStore, 'latest' | 'history'>, clock: () => number): SnapshotProvider {
  const history = historyMemo(store, clock);
  let latest: Snapshot | null = null;
  return {
    async current() {
      latest = await store.latest().catch(() => latest);
      return { snapshot: latest, history: await history(latest) };
    },
    generation: () => latest?.takenAt ?? null,
  };
}

function safe<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

import type { Logger } from 'pino';
import { applyPrivacy, madeUnder, minimise, type PrivacyPolicy } from '../privacy/policy.js';
import { deriveState, historyPointOf, mergeSnapshot, type SourceResults, type Thresholds } from '../snapshot/merge.js';
import type { Snapshot } from '../snapshot/schema.js';
import type { SnapshotStore } from '../stores/store.js';

export interface CycleDeps {
  /** Reads every source for the cycle starting at `now`; each result is ok or a typed error. */
  readSources(now: number): Promise<SourceResults>;
  /** Custom metrics, run beside the sources (off the main thread); each one ok or errored alone. */
  readMetrics?(now: number): Promise<Snapshot['metrics']>;
  stores: readonly SnapshotStore[];
  thresholds: Thresholds;
  privacy: PrivacyPolicy;
  pseudonymSecret: string;
  /** Identifying fields no configured image draws; dropped before any store (data minimisation). */
  unneededFields: ReadonlySet<string>;
  logger: Logger;
  clock: () => number;
  /** Told when a cycle has been stored: its duration in seconds and whether every source answered (/metrics). */
  onCycle?: (seconds: number, allSourcesOk: boolean) => void;
  /**
   * Keep each cycle's reading before the privacy step (issue 20): the network snapshot is built
   * from the servers' raw readings and goes through the (global) policy once, itself. In memory only.
   */
  keepRaw?: boolean;
  /** With several servers, which one this is: stamped on its snapshots so its images can name it. */
  server?: { id: string; name: string };
}

/**
 * A server's reading before the privacy step, for the network (issue 20): the merged snapshot
 * (carried over from the previous raw reading, never from a masked one) and the extras its sources
 * read, this cycle's or, beside a section carried over, the last ones read with it.
 */
export interface RawReading {
  snapshot: Snapshot;
  extras: NonNullable<SourceResults['extras']>;
}

export interface CycleOutcome {
  snapshot: Snapshot;
  raw?: RawReading;
}

/**
 * One collection cycle: read sources, merge with the previous snapshot (stale carry-over), apply the
 * privacy policy, write every store. Never throws: a failing store is logged and the snapshot still
 * returned so the server can show it.
 *
 * Only a previous snapshot made under the current policy is carried over. One made under another
 * (names shown then, hidden now; a section made private since; an older build's store) is not
 * re-masked but dropped: its titles cannot be traced back to their sections, and a pseudonym
 * cannot be masked again. Until its source answers, that section shows no data.
 */
export async function runCycle(deps: CycleDeps, previous: Snapshot | null): Promise<Snapshot> {
  return (await cycle(deps, previous, undefined)).snapshot;
}

/** runCycle, and with deps.keepRaw the reading before privacy (merged over `previousRaw`). */
export async function cycle(deps: CycleDeps, previous: Snapshot | null, previousRaw: RawReading | undefined): Promise<CycleOutcome> {
  const takenAt = deps.clock();
  const [results, metrics] = await Promise.all([deps.readSources(takenAt), deps.readMetrics?.(takenAt) ?? Promise.resolve({})]);
  const carried = previous && madeUnder(previous, deps.privacy, deps.pseudonymSecret) ? previous : null;
  const merged = mergeSnapshot({ takenAt, results, previous: carried, thresholds: deps.thresholds, metrics });
  const masked = minimise(applyPrivacy(merged, deps.privacy, deps.pseudonymSecret), deps.unneededFields);
  // The policy can take streams out of the counts (nowPlayingDelayS): the state follows what is shown.
  const snapshot = { ...masked, state: deriveState(masked, deps.thresholds), ...(deps.server ? { server: deps.server } : {}) };
  const point = historyPointOf(snapshot);
  const storeErrors: Record<string, string> = {};
  await Promise.all(
    deps.stores.map((store) =>
      store.write(snapshot, point).catch((err: Error) => {
        storeErrors[store.kind] = err.message;
      }),
    ),
  );
  const sources = Object.fromEntries(
    Object.entries(snapshot.sources).map(([name, s]) => [name, s.error ? `${s.status}:${s.error.code}` : s.status]),
  );
  // Rows a source read but did not trust (ghost or malformed Tautulli rows) are counted, never fatal.
  const skipped = results.tautulli.ok ? results.tautulli.data.skipped : undefined;
  deps.logger.info(
    {
      cycle: takenAt,
      durationMs: Math.round(deps.clock() - takenAt),
      state: snapshot.state,
      sources,
      ...(Object.keys(storeErrors).length ? { storeErrors } : {}),
      ...(skipped && Object.values(skipped).some((n) => n > 0) ? { skipped: { tautulli: skipped } } : {}),
    },
    'collection cycle',
  );
  deps.onCycle?.(
    (deps.clock() - takenAt) / 1000,
    Object.values(snapshot.sources).every((x) => x.status === 'ok'),
  );
  return { snapshot, ...(deps.keepRaw ? { raw: rawReading(deps, takenAt, results, metrics, previousRaw) } : {}) };
}

function rawReading(
  deps: CycleDeps,
  takenAt: number,
  results: SourceResults,
  metrics: Snapshot['metrics'],
  previous: RawReading | undefined,
): RawReading {
  const snapshot = mergeSnapshot({ takenAt, results, previous: previous?.snapshot ?? null, thresholds: deps.thresholds, metrics });
  // A section carried over keeps the extras read with it; a section read again has this cycle's only.
  const plex = results.plex.ok ? results.extras?.plex : previous?.extras.plex;
  const tautulli = results.tautulli.ok ? results.extras?.tautulli : previous?.extras.tautulli;
  return { snapshot, extras: { ...(plex ? { plex } : {}), ...(tautulli ? { tautulli } : {}) } };
}

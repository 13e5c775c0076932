import type { ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { applyPrivacy, minimise, type PrivacyPolicy } from '../privacy/policy.js';
import { historyPointOf } from '../snapshot/merge.js';
import { networkSnapshot } from '../snapshot/network.js';
import { NetworkHistoryMemo } from '../snapshot/network-history.js';
import { NetworkLibraryMemo } from '../snapshot/network-library.js';
import { HALF_HOUR_MS, halfHourMaxima, SPARK_SLOTS } from '../snapshot/sparkline.js';
import { serverStates, type HistoryPoint, type ServerState, type Snapshot } from '../snapshot/schema.js';
import type { SnapshotStore } from '../stores/store.js';
import type { Collector } from './collector.js';
import { scheduleCycles } from './schedule.js';

/** One server of the network: its own collector (own sources, timeouts, policy, stores). */
export interface NetworkMember {
  id: string;
  name: string;
  collector: Collector;
  /** Its stored graph series since `since` (the rows' sparklines). */
  history(since: number): Promise<HistoryPoint[]>;
  /** The machine its host section describes (NetworkServer.hostKey). */
  hostKey?: string;
}

export interface NetworkCollectionDeps {
  servers: readonly NetworkMember[];
  /** Where the network's own snapshot and history go (every write store, keyed NETWORK_KEY). */
  stores: readonly SnapshotStore[];
  /** The global policy: a server's own override never reaches the network image. */
  privacy: PrivacyPolicy;
  pseudonymSecret: string;
  unneededFields: ReadonlySet<string>;
  logger: Logger;
  clock: () => number;
  onCycle?: (seconds: number, allSourcesOk: boolean) => void;
}

const severity = (state: ServerState) => serverStates.indexOf(state);

/**
 * Several Plex servers in one Marquee (issue 20): each tick runs every server's cycle at once, each
 * with its own sources and timeouts, and each server's snapshot is stored as soon as its cycle ends,
 * so a slow or locked server delays no other. Once all have ended (the slowest bounded by its own
 * time limits), the network's snapshot is built from their readings before privacy, put through the
 * global policy once, and stored under the network's key.
 *
 * It has the Collector's face (`latest`, `collect`, `start`, `stop`): wiring and the server hold
 * either without knowing which.
 */
export class NetworkCollection {
  private current: Snapshot | null = null;
  private running: Promise<Snapshot> | null = null;
  private task: ScheduledTask | null = null;
  /** The library totals over the servers' identities, merged again only when one of them changes. */
  private readonly memo = new NetworkLibraryMemo();
  /** The merged top lists and the union's peak, merged again only when a server's Tautulli extras change. */
  private readonly historyMemo = new NetworkHistoryMemo();

  constructor(private readonly deps: NetworkCollectionDeps) {}

  /** The network's newest snapshot, after the privacy step. */
  get latest(): Snapshot | null {
    return this.current;
  }

  /** Every server's cycle now (joining any still running), then the network's. */
  collect(): Promise<Snapshot> {
    if (this.running) return this.running;
    this.running = this.cycle().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  start(schedule: string, logger: Logger): void {
    this.task = scheduleCycles(schedule, {
      running: () => this.running !== null,
      tick: () => void this.collect(),
      // The servers whose previous cycle has ended still run this one: one slow server holds back
      // only the network's snapshot, never another server's.
      skipped: () => {
        const busy = this.deps.servers.filter((s) => s.collector.busy);
        logger.warn({ waiting: busy.map((s) => s.id) }, 'network cycle skipped: a server is still being read');
        for (const s of this.deps.servers) if (!s.collector.busy) void s.collector.collect();
      },
    });
  }

  async stop(): Promise<void> {
    await this.task?.stop();
    this.task = null;
    await this.running?.catch(() => undefined);
    await Promise.all(this.deps.servers.map((s) => s.collector.stop()));
  }

  private async cycle(): Promise<Snapshot> {
    const { deps } = this;
    const takenAt = deps.clock();
    // A server's failure is its own: its cycle never throws (runCycle), and a rejected promise here
    // would only mean a bug, which must not blank the others.
    await Promise.all(
      deps.servers.map((s) =>
        s.collector
          .collect()
          .catch((err: Error) => deps.logger.error({ server: s.id, err: { message: err.message } }, 'server cycle failed')),
      ),
    );
    const sparklines = await Promise.all(deps.servers.map((s) => s.history(takenAt - SPARK_SLOTS * HALF_HOUR_MS).catch(() => null)));
    const raw = networkSnapshot(
      deps.servers.map((s) => {
        const reading = s.collector.raw;
        return {
          id: s.id,
          name: s.name,
          snapshot: reading?.snapshot ?? null,
          plex: reading?.extras.plex ?? null,
          tautulli: reading?.extras.tautulli ?? null,
          ...(s.hostKey === undefined ? {} : { hostKey: s.hostKey }),
        };
      }),
      { takenAt, memo: this.memo, historyMemo: this.historyMemo },
    );
    const masked = minimise(applyPrivacy(raw, deps.privacy, deps.pseudonymSecret), deps.unneededFields);
    const snapshot: Snapshot = {
      ...masked,
      // The worst of what each server's own image shows (its policy may hold streams back).
      state: worstState(deps.servers.map((s) => s.collector.latest?.state ?? 'offline')),
      network: masked.network && {
        ...masked.network,
        rows: masked.network.rows.map((row, i) => {
          const points = sparklines[i];
          return points ? { ...row, sparkline: halfHourMaxima(points, takenAt) } : row;
        }),
      },
    };
    const point = historyPointOf(snapshot);
    const storeErrors: Record<string, string> = {};
    await Promise.all(
      deps.stores.map((store) =>
        store.write(snapshot, point).catch((err: Error) => {
          storeErrors[store.kind] = err.message;
        }),
      ),
    );
    this.current = snapshot;
    deps.logger.info(
      {
        cycle: takenAt,
        durationMs: Math.round(deps.clock() - takenAt),
        state: snapshot.state,
        online: `${snapshot.network?.online ?? 0}/${deps.servers.length}`,
        ...(snapshot.network?.partial ? { partial: true } : {}),
        ...(Object.keys(storeErrors).length ? { storeErrors } : {}),
      },
      'network cycle',
    );
    deps.onCycle?.(
      (deps.clock() - takenAt) / 1000,
      Object.values(snapshot.sources).every((x) => x.status === 'ok'),
    );
    return snapshot;
  }
}

/** The worst state among the servers that answer; offline only when none does (network.ts). */
export function worstState(states: readonly ServerState[]): ServerState {
  const answering = states.filter((s) => s !== 'offline');
  if (answering.length === 0) return 'offline';
  return answering.reduce((a, b) => (severity(b) > severity(a) ? b : a));
}

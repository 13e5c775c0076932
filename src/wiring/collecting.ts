import path from 'node:path';
import type { Logger } from 'pino';
import { Collector } from '../collector/collector.js';
import { NetworkCollection } from '../collector/network-collector.js';
import { serverView, type Config, type ServerConfig } from '../config/load.js';
import { MetricsRunner } from '../metrics/index.js';
import { unneededIdentifyingFields, type Inventory } from '../privacy/inventory.js';
import { loadOrCreateSecret } from '../secret.js';
import type { HistoryPoint, Snapshot } from '../snapshot/schema.js';
import { NETWORK_KEY } from '../snapshot/server-key.js';
import { readBackfill } from '../sources/backfill.js';
import { createSourceReader, sharedLocalHost, sourcesConfig } from '../sources/read-all.js';
import type { Stores } from '../stores/create.js';
import { HISTORY_WINDOW_MS } from '../stores/providers.js';
import { STORE_FILE } from '../stores/sqlite/sqlite-store.js';
import type { Job } from './jobs.js';

/** What the collection hands the server: the newest snapshot in memory, and a way to take one now. */
export interface Collection {
  readonly latest: Snapshot | null;
  collect(): Promise<Snapshot>;
}

export interface Collecting {
  /** What `/i/<name>.png` shows: the network's collection with several servers, else the only server's. */
  collector: Collection;
  /** Each server's own collector, in the config's order. */
  servers: ReadonlyArray<{ id: string; name: string; collector: Collector }>;
  /** The collection schedule (config.collector.schedule), for the job list. */
  job: Job;
  /** Stops the schedule, then every server's reader thread and metrics process. */
  close(): Promise<void>;
}

interface Deps {
  config: Config;
  stores: Stores;
  inventory: Inventory;
  logger: Logger;
  clock: () => number;
  /** Told of each stored cycle (Prometheus' cycle-duration histogram). */
  onCycle?: (seconds: number, allSourcesOk: boolean) => void;
}

/**
 * Every Plex server's collection (issue 20), each with its own sources, timeouts, policy and stores
 * keyed by its id; with several, one NetworkCollection over them, whose snapshot goes through the
 * global policy and is stored under the network's key. One server: exactly the one collector.
 */
export async function createCollecting(deps: Deps): Promise<Collecting> {
  const { config, logger } = deps;
  const several = config.servers.length > 1;
  const pseudonymSecret = loadOrCreateSecret(config.dataDir, config.privacy.pseudonymSecret);
  const unneededFields = unneededIdentifyingFields(deps.inventory);
  // Servers without a node_exporter all run on this machine: one reading of it a cycle, counted once.
  const localHost = several ? sharedLocalHost({ timeoutMs: config.collector.sourceTimeoutMs }) : undefined;
  const servers = await Promise.all(
    config.servers.map((server) =>
      createServerCollecting(deps, server, {
        pseudonymSecret,
        unneededFields,
        ...(localHost ? { localHost } : {}),
        keepRaw: several,
        logger: several ? logger.child({ server: server.id }) : logger,
      }),
    ),
  );
  const closeAll = async () => {
    await Promise.all(servers.map((s) => s.close()));
  };
  if (!several) {
    const only = servers[0]!;
    return {
      collector: only.collector,
      servers: [{ id: only.id, name: only.name, collector: only.collector }],
      job: { name: 'collect', start: () => only.collector.start(config.collector.schedule, logger), stop: () => only.collector.stop() },
      close: async () => {
        await only.collector.stop();
        await closeAll();
      },
    };
  }
  const network = new NetworkCollection({
    servers: servers.map((s) => ({
      id: s.id,
      name: s.name,
      collector: s.collector,
      history: (since: number) => deps.stores.read.forServer(s.id).history(since),
      hostKey: s.hostKey,
    })),
    stores: deps.stores.write.map((store) => store.forServer(NETWORK_KEY)),
    privacy: config.privacy,
    pseudonymSecret,
    unneededFields,
    logger: logger.child({ component: 'network' }),
    clock: deps.clock,
    ...(deps.onCycle ? { onCycle: deps.onCycle } : {}),
  });
  await seedNetworkHistory(
    deps.stores,
    servers.map((s) => s.id),
    deps.clock(),
    logger,
  );
  return {
    collector: network,
    servers: servers.map(({ id, name, collector }) => ({ id, name, collector })),
    job: { name: 'collect', start: () => network.start(config.collector.schedule, logger), stop: () => network.stop() },
    close: async () => {
      await network.stop();
      await closeAll();
    },
  };
}

/**
 * One Plex server's collection: its sources (reader thread, HTTP clients, host reader), its custom
 * metrics, its collector over the stores it writes (keyed by its id). Nothing here is module-level,
 * so several servers each get their own.
 */
async function createServerCollecting(
  deps: Deps,
  server: ServerConfig,
  shared: {
    pseudonymSecret: string;
    unneededFields: ReadonlySet<string>;
    keepRaw: boolean;
    logger: Logger;
    localHost?: ReturnType<typeof sharedLocalHost>;
  },
) {
  const { stores, clock } = deps;
  const config = serverView(deps.config, server);
  const { logger } = shared;
  const sqlite = stores.sqlite.forServer(server.id);
  if (sqlite.isHistoryEmpty()) seedHistory(config, sqlite, clock(), logger);
  const metrics = Object.keys(config.metrics).length
    ? new MetricsRunner({
        defs: config.metrics,
        dbPaths: { plex: config.plex.db, tautulli: config.tautulli.db, marquee: path.join(config.dataDir, STORE_FILE) },
        timeZone: config.render.timeZone,
        cycleBudgetMs: config.collector.sourceTimeoutMs,
        server: server.id,
      })
    : null;
  const readSources = createSourceReader(
    { ...sourcesConfig(config), ...(shared.keepRaw ? { networkExtras: true } : {}) },
    { logger: logger.child({ component: 'sources' }), ...(shared.localHost ? { localHost: shared.localHost } : {}) },
  );
  const collector = new Collector(
    {
      ...(metrics ? { readMetrics: (now: number) => metrics.run(now) } : {}),
      readSources,
      stores: stores.write.map((store) => store.forServer(server.id)),
      thresholds: config.thresholds,
      privacy: config.privacy,
      pseudonymSecret: shared.pseudonymSecret,
      unneededFields: shared.unneededFields,
      logger: logger.child({ component: 'collector' }),
      clock,
      keepRaw: shared.keepRaw,
      ...(shared.keepRaw ? { server: { id: server.id, name: server.name } } : {}),
      // With several servers the network's cycle is the one timed.
      ...(deps.onCycle && !shared.keepRaw ? { onCycle: deps.onCycle } : {}),
    },
    // What this process wrote last time: carried over (same policy only) until each source answers.
    config.store.read === 'sqlite' ? await sqlite.latest().catch(() => null) : null,
  );
  return {
    id: server.id,
    name: server.name,
    // The machine its host section reads: its node_exporter, or this one (servers sharing it count it once).
    hostKey: server.host.url ?? 'this machine',
    collector,
    async close() {
      await collector.stop();
      await readSources.close();
      await metrics?.close();
    },
  };
}

/** Fills an empty store's graph series from the sources' own history; best effort. */
function seedHistory(config: Config, store: { backfill(points: readonly HistoryPoint[]): number }, now: number, logger: Logger): void {
  try {
    const points = readBackfill({
      plexDb: config.plex.db,
      tautulliDb: config.tautulli.db,
      now,
      windowMs: HISTORY_WINDOW_MS,
      stepMs: 5 * 60_000,
      // The live reading's ghost limit and privacy delay, so the seeded series ends where it starts.
      sessionsStaleAfterMs: sourcesConfig(config).tautulliSessionsStaleAfterMs ?? 0,
      nowPlayingDelayMs: config.privacy.nowPlayingDelayS * 1000,
    });
    logger.info({ points: store.backfill(points) }, 'graph history seeded from Tautulli and Plex');
  } catch (err) {
    logger.warn({ err: { message: (err as Error).message } }, 'could not seed graph history');
  }
}

/**
 * The network's graph series, seeded once from the servers' seeded series: at each instant, their
 * streams, transcodes and bandwidth summed, CPU and memory averaged, the hottest temperature.
 * Only while the network's own series is empty; the servers' seeds share one 5-minute grid.
 */
async function seedNetworkHistory(stores: Stores, ids: readonly string[], now: number, logger: Logger): Promise<void> {
  const network = stores.sqlite.forServer(NETWORK_KEY);
  if (!network.isHistoryEmpty()) return;
  try {
    const byAt = new Map<number, HistoryPoint[]>();
    for (const id of ids) {
      for (const p of await stores.sqlite.forServer(id).history(now - HISTORY_WINDOW_MS)) {
        byAt.set(p.at, [...(byAt.get(p.at) ?? []), p]);
      }
    }
    const mean = (values: (number | null)[]) => {
      const known = values.filter((v): v is number => v !== null);
      return known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
    };
    const points = [...byAt.entries()].map(([at, ps]) => {
      const temperatures = ps.map((p) => p.temperatureC).filter((t): t is number => t !== null);
      return {
        at,
        streams: ps.reduce((n, p) => n + p.streams, 0),
        transcodes: ps.reduce((n, p) => n + p.transcodes, 0),
        bandwidthKbps: ps.reduce((n, p) => n + p.bandwidthKbps, 0),
        cpuPct: mean(ps.map((p) => p.cpuPct)),
        memPct: mean(ps.map((p) => p.memPct)),
        temperatureC: temperatures.length ? Math.max(...temperatures) : null,
      };
    });
    logger.info({ points: network.backfill(points) }, 'network graph history seeded from the servers');
  } catch (err) {
    logger.warn({ err: { message: (err as Error).message } }, 'could not seed the network graph history');
  }
}

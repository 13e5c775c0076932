import type { Express, Router } from 'express';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import type { Logger } from 'pino';
import type { Config } from './config/load.js';
import { ensureDemoDatabases } from './demo.js';
import type { Inventory } from './privacy/inventory.js';
import type { DiscordPoster } from './publish/discord.js';
import type { Renderer } from './render/index.js';
import { createHttpServer } from './server/http-server.js';
import { MarqueeMetrics, metricsHandler } from './server/prometheus.js';
import type { ResponseMicroCache } from './server/micro-cache.js';
import type { RenderService } from './server/render-service.js';
import { checkDatabases, loadDrawing } from './setup.js';
import { createStores, type Stores } from './stores/create.js';
import { NETWORK_KEY } from './snapshot/server-key.js';
import {
  collectorProvider,
  sheetsProvider,
  snapshotsOf,
  sqliteProvider,
  type SnapshotProvider,
  type Snapshots,
} from './stores/providers.js';
import type { SheetsAuth } from './stores/sheets/client.js';
import { createCollecting, type Collecting, type Collection } from './wiring/collecting.js';
import { Jobs, type Job } from './wiring/jobs.js';
import { createServing } from './wiring/serving.js';

export interface Marquee {
  config: Config;
  /**
   * The newest snapshot of what `/i/<name>.png` shows (the network with several servers, else the
   * only server) and a way to collect one now; null in read mode (`serve --no-collect`).
   */
  collector: Collection;
  /** Each server's own collection, in the config's order; empty in read mode. */
  servers: Collecting['servers'];
  renderer: Renderer;
  renders: RenderService;
  stores: Stores;
  inventory: Inventory;
  app: Express;
  /** The server's request handler: the image replay, then Express. */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  microCache: ResponseMicroCache;
  server?: Server;
  /** Prometheus metrics, when prometheus.enabled. */
  prometheus?: MarqueeMetrics;
  /** Their own listener, when prometheus.port is set. */
  metricsServer?: Server;
  discord?: DiscordPoster;
  /** Every periodic job of this process, declared once (see `jobs` in createMarquee). */
  jobs: Jobs;
  /** Starts the jobs; the collection schedule only with `collect` (startMarquee passes it). */
  startJobs(options?: { collect?: boolean }): void;
  /** The address the server listens on, once started. */
  url?: string;
  stop(): Promise<void>;
}

/** A renderer that never collects (`serve --no-collect`): it draws what another process stores. */
export type ReadOnlyMarquee = Omit<Marquee, 'collector'> & { collector: null };

export interface MarqueeOptions {
  clock?: () => number;
  extraRoutes?: (deps: { renders: RenderService }) => Router[];
  sheetsAuth?: SheetsAuth;
  /** false: no one-second replay in front of Express (the benchmark's comparison). */
  replay?: boolean;
  /**
   * Read mode (`serve --no-collect`): no collector, no sources; snapshots come from the store
   * another process writes (store.read), looked at again on every request.
   */
  readOnly?: boolean;
}

/** Wiring only: config -> drawing + stores -> collecting -> snapshots -> serving -> jobs. Nothing listens yet. */
export async function createMarquee(config: Config, logger: Logger, options?: MarqueeOptions & { readOnly?: false }): Promise<Marquee>;
export async function createMarquee(config: Config, logger: Logger, options: MarqueeOptions): Promise<Marquee | ReadOnlyMarquee>;
export async function createMarquee(config: Config, logger: Logger, options: MarqueeOptions = {}): Promise<Marquee | ReadOnlyMarquee> {
  const clock = options.clock ?? Date.now;
  const readOnly = options.readOnly === true;
  if (config.demo && !readOnly) await prepareDemo(config, logger, clock);
  for (const note of checkDatabases(config)) logger.warn(note);
  const drawing = loadDrawing(config);
  const stores = createStores(config, logger.child({ component: 'store' }), clock, options.sheetsAuth);
  const prometheus = config.prometheus.enabled ? new MarqueeMetrics({ clock }) : undefined;
  const collecting = readOnly
    ? null
    : await createCollecting({
        config,
        stores,
        inventory: drawing.inventory,
        logger,
        clock,
        ...(prometheus
          ? { onCycle: (seconds: number, ok: boolean) => prometheus.cycleDuration.observe({ result: ok ? 'ok' : 'degraded' }, seconds) }
          : {}),
      });
  const snapshots = snapshotProviders(config, stores, collecting, clock);
  const serving = createServing({
    config,
    drawing,
    stores,
    snapshots,
    logger,
    clock,
    ...(options.extraRoutes ? { extraRoutes: options.extraRoutes } : {}),
    ...(options.replay === undefined ? {} : { replay: options.replay }),
    ...(prometheus ? { prometheus } : {}),
  });
  // Every periodic job of the process. The serving side's caches purge on their own timers
  // (micro-cache.ts, render-service.ts) until they expose a purge step to list here; so does pin
  // eviction (stores/sqlite/pin-store.ts).
  const jobs = new Jobs([...(collecting ? [collecting.job] : []), ...serving.jobs] satisfies Job[]);
  const marquee: Marquee | ReadOnlyMarquee = {
    config,
    collector: collecting?.collector ?? null,
    servers: collecting?.servers ?? [],
    renderer: drawing.renderer,
    renders: serving.renders,
    stores,
    inventory: drawing.inventory,
    app: serving.app,
    handler: serving.handler,
    microCache: serving.microCache,
    ...(serving.discord ? { discord: serving.discord } : {}),
    ...(prometheus ? { prometheus } : {}),
    jobs,
    startJobs: ({ collect = false } = {}) => jobs.start((job) => collect || job.name !== 'collect'),
    stop: async () => {
      await jobs.stop();
      await collecting?.close();
      if (marquee.server) await drain(marquee.server);
      if (marquee.metricsServer) await drain(marquee.metricsServer);
      await Promise.all(stores.all.map((s) => s.close()));
      serving.close();
    },
  };
  return marquee;
}

/** Starts collecting (one cycle at once, then on schedule), serving, and the other jobs. */
export async function startMarquee<M extends Marquee | ReadOnlyMarquee>(
  marquee: M,
  _logger: Logger,
  options: { collect: boolean },
): Promise<M> {
  const { config } = marquee;
  // V8 lets the old generation grow to up to ~4x what survived the last full collection before the
  // next. A server answering from caches promotes a steady trickle of short-lived garbage, so after
  // a burst of renders RSS climbed ~1.5 MB/s for tens of seconds (`npm run bench`, phase 5).
  // 1.2x keeps it near the live size, at the price of more (concurrent, incremental) collections.
  // A heuristic, not a limit: it cannot make the process run out of memory.
  setFlagsFromString('--heap-growing-percent=20');
  const collect = options.collect && marquee.collector !== null;
  if (collect) await marquee.collector!.collect();
  await new Promise<void>((resolve, reject) => {
    const server = createHttpServer(marquee.handler, config.server);
    server.once('error', reject);
    server.listen(config.server.port, config.server.host, () => resolve());
    marquee.server = server;
  });
  // Prometheus on a port of its own (prometheus.port): only /metrics there, e.g. for the LAN alone.
  if (marquee.prometheus && config.prometheus.port) {
    const prometheus = marquee.prometheus;
    await new Promise<void>((resolve, reject) => {
      // The same connection caps and timeouts as the image port: it is a listener strangers may reach.
      const server = createHttpServer(metricsHandler(prometheus), config.server);
      server.once('error', reject);
      server.listen(config.prometheus.port, config.prometheus.host ?? config.server.host, () => resolve());
      marquee.metricsServer = server;
    });
  }
  marquee.startJobs({ collect });
  const address = marquee.server!.address();
  if (address && typeof address === 'object') {
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    marquee.url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
  }
  return marquee;
}

/**
 * One provider per read mode, chosen here once, for each server and for what `/i/<name>.png` shows
 * (the network, stored under its own key, or the only server): the renderer never knows which.
 */
function snapshotProviders(config: Config, stores: Stores, collecting: Collecting | null, clock: () => number): Snapshots {
  const several = config.servers.length > 1;
  const providerOf = (key: string, collection: Collection | undefined): SnapshotProvider => {
    if (collection) return collectorProvider(collection, stores.read.forServer(key), clock);
    if (config.store.read === 'sheets' && stores.sheets) return sheetsProvider(stores.sheets.forServer(key), clock);
    return sqliteProvider(stores.sqlite.forServer(key), clock);
  };
  const servers = config.servers.map((server, i) => ({
    id: server.id,
    name: server.name,
    provider: providerOf(server.id, collecting?.servers[i]?.collector),
  }));
  const main = several ? providerOf(NETWORK_KEY, collecting?.collector) : servers[0]!.provider;
  return snapshotsOf(servers, main);
}

/**
 * The demo network's databases (one pair per demo server), generated or refreshed in child processes
 * side by side; about ten seconds the first time.
 */
async function prepareDemo(config: Config, logger: Logger, clock: () => number): Promise<void> {
  const demo = config.servers.filter((s) => s.demo);
  const generated = await Promise.all(
    demo.map((server, i) => {
      // Say how far it got, a line per quarter.
      let reported = -1;
      const log = demo.length > 1 ? logger.child({ server: server.id }) : logger;
      return ensureDemoDatabases(
        server.plex.db,
        server.tautulli.db,
        clock(),
        (fraction, step) => {
          const quarter = Math.floor(fraction * 4);
          if (quarter === reported) return;
          reported = quarter;
          log.info({ progress: `${Math.round(fraction * 100)}%`, step }, 'generating demo databases');
        },
        i,
      );
    }),
  );
  if (generated.some(Boolean)) logger.info('demo databases generated');
}

/** Stops accepting, lets in-flight requests finish, then drops idle keep-alive sockets. */
async function drain(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // A keep-alive socket whose last response finishes after close() would otherwise be held
  // open until keepAliveTimeout (5 s); sweep such sockets as they fall idle.
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  server.closeIdleConnections();
  await closed.finally(() => clearInterval(sweep));
}

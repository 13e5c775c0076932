import type { Express, Router } from 'express';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import type { Logger } from 'pino';
import { Collector } from './collector/collector.js';
import type { Config } from './config/load.js';
import { ensureDemoDatabases } from './demo.js';
import { DEMO_POSTERS_DIR, PUBLIC_DIR } from './paths.js';
import { createPosterCache } from './posters/index.js';
import path from 'node:path';
import { unneededIdentifyingFields, type Inventory } from './privacy/inventory.js';
import type { Renderer } from './render/index.js';
import { DiscordPoster } from './publish/discord.js';
import { loadOrCreateSecret } from './secret.js';
import { createApp, type AppDeps } from './server/app.js';
import { buildHealth } from './server/health.js';
import { createHttpServer } from './server/http-server.js';
import { ResponseMicroCache } from './server/micro-cache.js';
import { PinnedVersions } from './server/pins.js';
import { publicBase } from './server/public-url.js';
import { RenderBudget } from './server/render-budget.js';
import { RenderService } from './server/render-service.js';
import { versionedPath } from './server/routes/images.js';
import { pageRoutes } from './server/routes/pages.js';
import { privacyRoutes } from './server/routes/privacy.js';
import { MetricsRunner } from './metrics/index.js';
import { SqlitePinStore } from './stores/sqlite/pin-store.js';
import { STORE_FILE } from './stores/sqlite/sqlite-store.js';
import { readBackfill } from './sources/backfill.js';
import { createSourceReader, sourcesConfig } from './sources/read-all.js';
import { createStores, type Stores } from './stores/create.js';
import { collectorProvider, HISTORY_WINDOW_MS, sheetsProvider, sqliteProvider } from './stores/providers.js';
import type { SheetsAuth } from './stores/sheets/client.js';
import { checkDatabases, loadDrawing } from './setup.js';
import { VERSION } from './version.js';

export interface Marquee {
  config: Config;
  /** The collection schedule and the newest snapshot in memory; null in read mode (`serve --no-collect`). */
  collector: Collector;
  renderer: Renderer;
  renders: RenderService;
  stores: Stores;
  inventory: Inventory;
  app: Express;
  /** The server's request handler: the image replay, then Express. */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  microCache: ResponseMicroCache;
  server?: Server;
  discord?: DiscordPoster;
  /** Starts the side jobs (the Discord poster) once serving. */
  startJobs(): void;
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

/** Long enough to absorb a burst, short enough that no one could call the image out of date. */
const MICRO_CACHE_TTL_MS = 1_000;
/** A second of the busiest traffic seen in the benchmark (64 image variants, og@2x included) is ~4 MB. */
const MICRO_CACHE_BYTES = 4 * 1024 * 1024;

/** Wiring only: config -> renderer + stores -> collector -> server. Nothing listens yet. */
export async function createMarquee(config: Config, logger: Logger, options?: MarqueeOptions & { readOnly?: false }): Promise<Marquee>;
export async function createMarquee(config: Config, logger: Logger, options: MarqueeOptions): Promise<Marquee | ReadOnlyMarquee>;
export async function createMarquee(config: Config, logger: Logger, options: MarqueeOptions = {}): Promise<Marquee | ReadOnlyMarquee> {
  const clock = options.clock ?? Date.now;
  const readOnly = options.readOnly === true;
  if (config.demo && !readOnly) {
    // About ten seconds on a first start: say how far it got, a line per quarter.
    let reported = -1;
    const generated = await ensureDemoDatabases(config.plex.db, config.tautulli.db, clock(), (fraction, step) => {
      const quarter = Math.floor(fraction * 4);
      if (quarter === reported) return;
      reported = quarter;
      logger.info({ progress: `${Math.round(fraction * 100)}%`, step }, 'generating demo databases');
    });
    if (generated) logger.info('demo databases generated');
  }
  for (const note of checkDatabases(config)) logger.warn(note);
  const { renderer, images, inventory } = loadDrawing(config);
  const stores = createStores(config, logger.child({ component: 'store' }), clock, options.sheetsAuth);
  if (!readOnly && stores.sqlite.isHistoryEmpty()) seedHistory(config, stores, clock(), logger);
  const metrics =
    !readOnly && Object.keys(config.metrics).length
      ? new MetricsRunner({
          defs: config.metrics,
          dbPaths: { plex: config.plex.db, tautulli: config.tautulli.db, marquee: path.join(config.dataDir, STORE_FILE) },
          timeZone: config.render.timeZone,
          cycleBudgetMs: config.collector.sourceTimeoutMs,
        })
      : null;
  const readSources = readOnly ? null : createSourceReader(sourcesConfig(config), { logger: logger.child({ component: 'sources' }) });
  const collector =
    readSources &&
    new Collector(
      {
        ...(metrics ? { readMetrics: (now: number) => metrics.run(now) } : {}),
        readSources,
        stores: stores.write,
        thresholds: config.thresholds,
        privacy: config.privacy,
        pseudonymSecret: loadOrCreateSecret(config.dataDir, config.privacy.pseudonymSecret),
        unneededFields: unneededIdentifyingFields(inventory),
        logger: logger.child({ component: 'collector' }),
        clock,
      },
      config.store.read === 'sqlite' ? await stores.sqlite.latest().catch(() => null) : null,
    );
  const posterCache = createPosterCache({
    dir: path.join(config.dataDir, 'posters'),
    ...(config.plex.url && config.plex.token ? { plexUrl: config.plex.url, plexToken: config.plex.token } : {}),
    mode: config.privacy.thumbnails,
    blurSigma: config.privacy.blurSigma,
    ...(config.demo ? { demoDir: DEMO_POSTERS_DIR } : {}),
    onError: (thumb, err) => logger.debug({ thumb, err: { message: (err as Error).message } }, 'poster unavailable'),
  });
  const renders = new RenderService(renderer, {
    posters: (template, snapshot) => posterCache.getMany(renderer.postersFor(template, snapshot)),
    cacheBytes: config.server.renderCacheBytes,
    etagSecret: loadOrCreateSecret(config.dataDir, config.server.etagSecret, 'etag'),
    concurrency: Math.max(1, availableParallelism()),
    timeoutMs: config.server.renderTimeoutMs,
    staleAfterMs: config.render.staleAfterS * 1000,
    clock,
  });
  // One provider per read mode, chosen here once.
  const snapshots = collector
    ? collectorProvider(collector, stores.read, clock)
    : config.store.read === 'sheets' && stores.sheets
      ? sheetsProvider(stores.sheets, clock)
      : sqliteProvider(stores.sqlite, clock);
  const microCache = new ResponseMicroCache({
    ttlMs: MICRO_CACHE_TTL_MS,
    maxBytes: MICRO_CACHE_BYTES,
    clock,
    generation: () => snapshots.generation(),
  });
  const replay = options.replay !== false;
  const appDeps: AppDeps = {
    snapshots,
    ...(replay ? { microCache } : {}),
    renderer,
    renders,
    pins: new PinnedVersions({ store: new SqlitePinStore(stores.sqlite.db, config.server.pinCacheBytes), clock }),
    images,
    logger: logger.child({ component: 'http' }),
    clock,
    locale: config.render.locale,
    timeZone: config.render.timeZone,
    renderBudget: new RenderBudget(config.server.rateLimitPerMinute),
    trustProxy: config.server.trustProxy,
    health: async () =>
      buildHealth({
        snapshot: (await snapshots.current()).snapshot,
        stores: stores.all.map((s) => ({ kind: s.kind, health: s.health() })),
        now: clock(),
        staleAfterMs: config.render.staleAfterS * 1000,
        version: VERSION,
      }),
  };
  appDeps.extraRoutes = [
    privacyRoutes(() => inventory),
    pageRoutes({
      images: () =>
        [...images].map(([name, d]) => {
          const t = renderer.templates.get(d.template)!;
          return {
            name,
            template: d.template,
            theme: d.theme,
            alt: d.alt ?? `${name}: Plex server status`,
            width: t.width,
            height: t.height,
          };
        }),
      themes: [...renderer.themes.keys()],
      publicBase: (req) => publicBase({ publicUrl: config.server.publicUrl, host: config.server.host }, req),
      versionedPath: (name) => versionedPath(appDeps, name),
      staticDir: PUBLIC_DIR,
    }),
    ...(options.extraRoutes?.({ renders }) ?? []),
  ];
  const app = createApp(appDeps);
  const discord = config.discord
    ? new DiscordPoster({
        ...config.discord,
        publicUrl: config.server.publicUrl!,
        dataDir: config.dataDir,
        versionedPath: (name) => versionedPath(appDeps, name),
        logger: logger.child({ component: 'discord' }),
      })
    : undefined;
  let discordTimer: NodeJS.Timeout | undefined;
  const marquee: Marquee | ReadOnlyMarquee = {
    config,
    collector,
    renderer,
    renders,
    stores,
    inventory,
    app,
    handler: replay
      ? (req, res) => {
          if (!microCache.serve(req, res)) app(req, res);
        }
      : app,
    microCache,
    ...(discord ? { discord } : {}),
    startJobs: () => {
      if (!discord || discordTimer) return;
      void discord.run(clock());
      discordTimer = setInterval(() => void discord.run(clock()), config.discord!.intervalS * 1000).unref();
    },
    stop: async () => {
      clearInterval(discordTimer);
      await collector?.stop();
      await readSources?.close();
      await metrics?.close();
      if (marquee.server) {
        const server = marquee.server;
        // Drain: stop accepting, let in-flight requests finish, then drop idle keep-alive sockets.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // A keep-alive socket whose last response finishes after close() would otherwise be held
        // open until keepAliveTimeout (5 s); sweep such sockets as they fall idle.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        server.closeIdleConnections();
        await closed.finally(() => clearInterval(sweep));
      }
      await Promise.all(stores.all.map((s) => s.close()));
      renders.close();
      microCache.close();
    },
  };
  return marquee;
}

/** Starts collecting (one cycle at once, then on schedule) and serving. */
export async function startMarquee<M extends Marquee | ReadOnlyMarquee>(
  marquee: M,
  logger: Logger,
  options: { collect: boolean },
): Promise<M> {
  const { config } = marquee;
  // V8 lets the old generation grow to up to ~4x what survived the last full collection before the
  // next. A server answering from caches promotes a steady trickle of short-lived garbage, so after
  // a burst of renders RSS climbed ~1.5 MB/s for tens of seconds (`npm run bench`, phase 5).
  // 1.2x keeps it near the live size, at the price of more (concurrent, incremental) collections.
  // A heuristic, not a limit: it cannot make the process run out of memory.
  setFlagsFromString('--heap-growing-percent=20');
  if (options.collect && marquee.collector) {
    await marquee.collector.collect();
    marquee.collector.start(config.collector.schedule, logger);
  }
  await new Promise<void>((resolve, reject) => {
    const server = createHttpServer(marquee.handler, config.server);
    server.once('error', reject);
    server.listen(config.server.port, config.server.host, () => resolve());
    marquee.server = server;
  });
  marquee.startJobs();
  const address = marquee.server!.address();
  if (address && typeof address === 'object') {
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    marquee.url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
  }
  return marquee;
}

/** Fills an empty store's graph series from the sources' own history; best effort. */
function seedHistory(config: Config, stores: Stores, now: number, logger: Logger): void {
  try {
    const points = readBackfill({
      plexDb: config.plex.db,
      tautulliDb: config.tautulli.db,
      now,
      windowMs: HISTORY_WINDOW_MS,
      stepMs: 5 * 60_000,
    });
    logger.info({ points: stores.sqlite.backfill(points) }, 'graph history seeded from Tautulli and Plex');
  } catch (err) {
    logger.warn({ err: { message: (err as Error).message } }, 'could not seed graph history');
  }
}

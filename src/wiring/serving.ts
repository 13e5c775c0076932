import type { Express, Router } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import { DEMO_POSTERS_DIR, PUBLIC_DIR } from '../paths.js';
import { createPosterCache, type PosterCache } from '../posters/index.js';
import { DiscordPoster } from '../publish/discord.js';
import { loadOrCreateSecret } from '../secret.js';
import { createApp, type AppDeps } from '../server/app.js';
import { buildHealth, buildNetworkHealth, type HealthReport } from '../server/health.js';
import { ResponseMicroCache } from '../server/micro-cache.js';
import { PinnedVersions } from '../server/pins.js';
import type { MarqueeMetrics } from '../server/prometheus.js';
import { publicBase } from '../server/public-url.js';
import { RenderBudget } from '../server/render-budget.js';
import { RenderService } from '../server/render-service.js';
import { serverPosters, type PosterPolicy } from '../server/server-posters.js';
import { versionedPath } from '../server/routes/images.js';
import { pageRoutes } from '../server/routes/pages.js';
import { privacyRoutes } from '../server/routes/privacy.js';
import type { Drawing } from '../setup.js';
import type { Snapshot } from '../snapshot/schema.js';
import type { Stores } from '../stores/create.js';
import { NETWORK_KEY } from '../snapshot/server-key.js';
import type { Snapshots } from '../stores/providers.js';
import { SqlitePinStore } from '../stores/sqlite/pin-store.js';
import { VERSION } from '../version.js';
import { intervalJob, type Job } from './jobs.js';

/** Long enough to absorb a burst, short enough that no one could call the image out of date. */
const MICRO_CACHE_TTL_MS = 1_000;
/** A second of the busiest traffic seen in the benchmark (64 image variants, og@2x included) is ~4 MB. */
const MICRO_CACHE_BYTES = 4 * 1024 * 1024;

export interface Serving {
  renders: RenderService;
  app: Express;
  /** The server's request handler: the image replay, then Express. */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  microCache: ResponseMicroCache;
  discord?: DiscordPoster;
  /** The serving side's periodic work, for the job list. */
  jobs: Job[];
  close(): void;
}

/**
 * One poster cache per server and processing policy, made when first asked for: each fetches from
 * its own server's Plex. A one-server Marquee keeps the folder it always had.
 */
function posterCaches(config: Config, logger: Logger): (server: string, policy: PosterPolicy) => PosterCache {
  const caches = new Map<string, PosterCache>();
  const servers = new Map(config.servers.map((s) => [s.id, s]));
  return (id, policy) => {
    const key = `${id}|${policy.thumbnails}|${policy.blurSigma}`;
    let cache = caches.get(key);
    if (!cache) {
      const server = servers.get(id)!;
      const own = policy.thumbnails === server.privacy.thumbnails && policy.blurSigma === server.privacy.blurSigma;
      // Each cache bounds its own folder (it counts the files in it), so no two share one.
      const dir = config.servers.length === 1 && own ? [] : [own ? id : `${id}-${policy.thumbnails}-${policy.blurSigma}`];
      cache = createPosterCache({
        dir: path.join(config.dataDir, 'posters', ...dir),
        ...(server.plex.url && server.plex.token ? { plexUrl: server.plex.url, plexToken: server.plex.token } : {}),
        mode: policy.thumbnails,
        blurSigma: policy.blurSigma,
        ...(server.demo ? { demoDir: DEMO_POSTERS_DIR } : {}),
        onError: (thumb, err) => logger.debug({ server: id, thumb, err: { message: (err as Error).message } }, 'poster unavailable'),
      });
      caches.set(key, cache);
    }
    return cache;
  };
}

/**
 * The HTTP side: renders, caches, the Express app and its routes, over every server's snapshot
 * provider and the one `/i/<name>.png` shows (key '': the network, or the only server).
 */
export function createServing(deps: {
  config: Config;
  drawing: Drawing;
  stores: Stores;
  snapshots: Snapshots;
  logger: Logger;
  clock: () => number;
  extraRoutes?: (deps: { renders: RenderService }) => Router[];
  /** false: no one-second replay in front of Express (the benchmark's comparison). */
  replay?: boolean;
  /** Prometheus metrics: fed by the renders, served at /metrics here unless they have a port of their own. */
  prometheus?: MarqueeMetrics;
}): Serving {
  const { config, stores, snapshots, logger, clock } = deps;
  const { renderer, images, inventory } = deps.drawing;
  const posters = serverPosters({
    servers: config.servers.map((s) => ({ id: s.id, policy: s.privacy })),
    network: snapshots.network ? config.privacy : null,
    cacheFor: posterCaches(config, logger),
    snapshotOf: async (id) => (await snapshots.get(id)?.current())?.snapshot ?? null,
    postersFor: (template, snapshot) => renderer.postersFor(template, snapshot),
  });
  const renders = new RenderService(renderer, {
    posters,
    cacheBytes: config.server.renderCacheBytes,
    etagSecret: loadOrCreateSecret(config.dataDir, config.server.etagSecret, 'etag'),
    concurrency: Math.max(1, availableParallelism()),
    timeoutMs: config.server.renderTimeoutMs,
    staleAfterMs: config.render.staleAfterS * 1000,
    clock,
    ...(deps.prometheus
      ? {
          onRender: (template: string, seconds: number) => {
            deps.prometheus!.renders.inc({ template });
            deps.prometheus!.renderDuration.observe({ template }, seconds);
          },
        }
      : {}),
  });
  const microCache = new ResponseMicroCache({
    ttlMs: MICRO_CACHE_TTL_MS,
    maxBytes: MICRO_CACHE_BYTES,
    clock,
    generation: (server) => snapshots.get(server)?.generation(),
  });
  const replay = deps.replay !== false;
  const main = snapshots.get('')!;
  /** /health (no server: the whole Marquee) and /health/<server>; undefined for an unknown id. */
  const health = async (server?: string): Promise<HealthReport | undefined> => {
    const report = (snapshot: Snapshot | null) => ({
      stores: stores.all.map((s) => ({ kind: s.kind, health: s.health() })),
      now: clock(),
      staleAfterMs: config.render.staleAfterS * 1000,
      version: VERSION,
      // Characters of the configured language or of the titles drawn that no font covers (cached).
      fonts: renderer.fontCoverage([config.render.locale], snapshot),
    });
    if (server !== undefined) {
      // Only a listed id: the key '' is not a server.
      const provider = snapshots.servers.some((s) => s.id === server) ? snapshots.get(server) : undefined;
      if (!provider) return undefined;
      const { snapshot } = await provider.current();
      return buildHealth({ snapshot, ...report(snapshot) });
    }
    const { snapshot } = await main.current();
    // One server: exactly the report /health has always given.
    if (!snapshots.network) return buildHealth({ snapshot, ...report(snapshot) });
    const servers = await Promise.all(
      snapshots.servers.map(async ({ id }) => ({ id, snapshot: (await snapshots.get(id)!.current()).snapshot })),
    );
    return buildNetworkHealth({ servers, ...report(snapshot) });
  };
  const renderBudget = new RenderBudget(config.server.rateLimitPerMinute);
  deps.prometheus?.observe({
    refusedRenders: () => renderBudget.refused,
    replayCounts: () => microCache.counts,
    // One server: its numbers, as before. Several: each server's under its id and the network's under
    // _network (its library counts each film once and its peak is the union's: not sums of series).
    ...(snapshots.network
      ? {
          snapshots: () =>
            Promise.all([
              ...snapshots.servers.map(async ({ id }) => ({ server: id, snapshot: (await snapshots.get(id)!.current()).snapshot })),
              main.current().then(({ snapshot }) => ({ server: NETWORK_KEY, snapshot })),
            ]),
        }
      : { latest: async () => (await main.current()).snapshot }),
    ...(stores.sheets ? { sheetsOutboxDepth: () => stores.sheets!.pending(), sheetsWriteErrors: () => stores.sheets!.writeErrors() } : {}),
  });
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
    renderBudget,
    ...(deps.prometheus && !config.prometheus.port ? { prometheus: deps.prometheus } : {}),
    trustProxy: config.server.trustProxy,
    health: (server) => health(server),
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
      servers: snapshots.servers,
      publicBase: (req) => publicBase({ publicUrl: config.server.publicUrl, host: config.server.host }, req),
      versionedPath: (name, server) => versionedPath(appDeps, name, server),
      staticDir: PUBLIC_DIR,
    }),
    ...(deps.extraRoutes?.({ renders }) ?? []),
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
  const jobs: Job[] = [];
  // Keeps one Discord message up to date (edited in place); the first run posts it at start.
  if (discord) jobs.push(intervalJob('discord', config.discord!.intervalS * 1000, () => discord.run(clock()), { runAtStart: true }));
  return {
    renders,
    app,
    handler: replay
      ? (req, res) => {
          if (!microCache.serve(req, res)) app(req, res);
        }
      : app,
    microCache,
    ...(discord ? { discord } : {}),
    jobs,
    close() {
      renders.close();
      microCache.close();
    },
  };
}

import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Renderer } from '../render/index.js';
import { errorHandler } from './errors.js';
import { fairQueue } from './fair-queue.js';
import type { HealthReport } from './health.js';
import type { ResponseMicroCache } from './micro-cache.js';
import type { PinnedVersions } from './pins.js';
import { budgetKey, type RenderBudget } from './render-budget.js';
import type { RenderService } from './render-service.js';
import { imageRoutes, type ImageDefinition } from './routes/images.js';
import { metricsHandler } from './prometheus.js';
import type { SnapshotProvider, Snapshots } from '../stores/providers.js';

/** Where the server gets its data: the collector's memory, the SQLite store or the Sheet reader. */
export type { SnapshotProvider, Snapshots };

export interface AppDeps {
  /** Every server's provider, and the one `/i/<name>.png` shows (key ''). */
  snapshots: Snapshots;
  /** Prometheus metrics served at /metrics on this app (unset: off, or on a port of their own). */
  prometheus?: { scrape(): Promise<{ body: string; contentType: string }> };
  renderer: Renderer;
  renders: RenderService;
  /** The renders behind versioned URLs: /embed adds, /v/ serves. */
  pins: Pick<PinnedVersions, 'get' | 'pin'>;
  images: ReadonlyMap<string, ImageDefinition>;
  /**
   * The readiness report: of the whole Marquee without an argument, of one server with its id
   * (`/health/<server>`); undefined for an id no server has.
   */
  health(server?: string): Promise<HealthReport | undefined>;
  logger: Logger;
  clock: () => number;
  locale: string;
  timeZone: string;
  /** Each client's budget of rendered pixels. Cached hits never consume it. */
  renderBudget?: Pick<RenderBudget, 'charge'>;
  /**
   * Express's `trust proxy`: which hops may name the client in X-Forwarded-For. Off by default,
   * so a header nobody vouches for cannot choose whose budget a render is charged to.
   */
  trustProxy?: boolean | number | string | string[];
  /** Extra routers (pages, privacy inventory) mounted before the 404 handler. */
  extraRoutes?: ReadonlyArray<express.Router>;
  accessLog?: boolean;
  /** The replay in front of Express (micro-cache.ts): image routes record their answers in it. */
  microCache?: ResponseMicroCache;
}

function sendHealth(res: express.Response, report: HealthReport | undefined): void {
  res.type('application/health+json').set('Cache-Control', 'no-store');
  if (!report) return void res.status(404).send(JSON.stringify({ status: 'fail', output: 'unknown server' }));
  res.status(report.status === 'fail' ? 503 : 200).send(JSON.stringify(report));
}

/** Builds the Express app without listening, so tests and main.ts wire it the same way. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // ETags are ours (derived from the snapshot and the parameters), never Express's body hash.
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.set('trust proxy', deps.trustProxy ?? false);
  app.use(
    fairQueue({
      // ~3 ms of cheap answers per turn: the wait another client sees behind a flood.
      perTurn: 8,
      maxWaiting: 256,
      key: (req) => budgetKey(req.ip),
      refuse: (_req, _res, next) => next(Object.assign(new Error('too many requests waiting'), { status: 429 })),
    }),
  );
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          imgSrc: ["'self'", 'data:'],
          styleSrc: ["'self'"],
          scriptSrc: ["'self'"],
          baseUri: ["'none'"],
          formAction: ["'none'"],
          frameAncestors: ["'none'"],
        },
      },
      // Images exist to be embedded on other sites: a same-origin CORP would block them.
      crossOriginResourcePolicy: { policy: 'cross-origin' },
      crossOriginEmbedderPolicy: false,
      // HSTS is for whoever terminates TLS (the reverse proxy): sent from a plain-HTTP server it
      // would be ignored at best, and pin a whole domain to HTTPS from a port it does not own.
      strictTransportSecurity: false,
    }),
  );
  // Access lines are debug lines, and pino-http costs ~10% of a cheap answer's CPU even when they
  // are dropped (a child logger and listeners per request): under a flood of error requests that was
  // time every other client waited. Failures are logged where they happen (errors.ts, images.ts).
  if (deps.accessLog !== false && deps.logger.isLevelEnabled('debug')) {
    app.use(
      pinoHttp({
        logger: deps.logger,
        // Paths only: query strings may carry things people did not mean to log.
        serializers: {
          req: (req: { method: string; url: string }) => ({ method: req.method, path: req.url.split('?')[0] }),
          res: (res: { statusCode: number }) => ({ status: res.statusCode }),
        },
        customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'debug'),
      }),
    );
  }

  // Liveness for Docker and orchestrators: the process serves. /health is readiness: it fails while a
  // source does, and a stopped Plex must not make the container "unhealthy".
  app.get('/livez', (_req, res) => {
    res.status(200).type('text/plain').set('Cache-Control', 'no-store').send('ok');
  });
  if (deps.prometheus) {
    const prometheus = deps.prometheus;
    const handler = metricsHandler(prometheus);
    app.get('/metrics', (req, res) => handler(req, res));
  }

  app.get('/health', async (_req, res) => sendHealth(res, await deps.health()));
  // One server's readiness, so a monitor can watch each: 503 exactly when /health would be for a
  // Marquee of that server alone.
  app.get('/health/:server', async (req, res) => sendHealth(res, await deps.health(req.params.server ?? '')));

  app.use(imageRoutes(deps));
  for (const router of deps.extraRoutes ?? []) app.use(router);

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  // Every error, an image route's or Express's own: never a stack trace or a path in a response.
  app.use(errorHandler(deps));
  return app;
}

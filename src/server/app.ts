import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Renderer } from '../render/index.js';
import type { HistoryPoint, Snapshot } from '../snapshot/schema.js';
import type { HealthReport } from './health.js';
import type { ResponseMicroCache } from './micro-cache.js';
import type { RenderService } from './render-service.js';
import { imageRoutes, sendError, type ImageDefinition } from './routes/images.js';

/** Where the server gets its data: the collector's memory, the SQLite store or the Sheet reader. */
export interface SnapshotProvider {
  current(): Promise<{ snapshot: Snapshot | null; history: HistoryPoint[] }>;
}

export interface AppDeps {
  snapshots: SnapshotProvider;
  renderer: Renderer;
  renders: RenderService;
  images: ReadonlyMap<string, ImageDefinition>;
  health(): Promise<HealthReport>;
  logger: Logger;
  clock: () => number;
  locale: string;
  timeZone: string;
  /** Resolves false when a client has used up its render budget. Cached hits never consume it. */
  renderLimiter?: (client: string) => Promise<boolean>;
  /** Extra routers (pages, privacy inventory) mounted before the 404 handler. */
  extraRoutes?: ReadonlyArray<express.Router>;
  accessLog?: boolean;
  /** Records image answers for the replay in front of Express (see micro-cache.ts). */
  microCache?: ResponseMicroCache;
}

/** Builds the Express app without listening, so tests and main.ts wire it the same way. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // ETags are ours (derived from the snapshot and the parameters), never Express's body hash.
  app.set('etag', false);
  app.set('query parser', 'simple');
  if (deps.microCache) app.use(deps.microCache.record);
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
    }),
  );
  if (deps.accessLog !== false) {
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

  app.get('/health', async (_req, res) => {
    const report = await deps.health();
    res
      .status(report.status === 'fail' ? 503 : 200)
      .type('application/health+json')
      .set('Cache-Control', 'no-store')
      .send(JSON.stringify(report));
  });

  app.use(imageRoutes(deps));
  for (const router of deps.extraRoutes ?? []) app.use(router);

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  // Last resort: never a stack trace or a path in a response.
  app.use((err: Error & { status?: number }, req: Request, res: Response, _next: NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) deps.logger.error({ err: { name: err.name, message: err.message }, path: req.path }, 'unhandled request error');
    if (res.headersSent) return;
    const message = status === 500 ? 'internal error' : 'bad request';
    // Express rejects a malformed escape (/i/%zz.png) before any route runs; an <img> still gets an image.
    if (/^\/[iv]\//.test(req.path) && !/\.json$/i.test(req.path)) {
      void sendError(deps, res, 'png', { status, message: status === 500 ? 'server error' : 'bad URL', scale: 1 }).catch(() => {
        if (!res.headersSent) res.status(status).json({ error: message });
      });
      return;
    }
    res.status(status).json({ error: message });
  });
  return app;
}

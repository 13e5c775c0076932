import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Renderer } from '../render/index.js';
import type { HistoryPoint, Snapshot } from '../snapshot/schema.js';
import type { HealthReport } from './health.js';
import type { RenderService } from './render-service.js';
import { imageRoutes, type ImageDefinition } from './routes/images.js';

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
}

/** Builds the Express app without listening, so tests and main.ts wire it the same way. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // ETags are ours (derived from the snapshot and the parameters), never Express's body hash.
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.get('/health', async (_req, res) => {
    const report = await deps.health();
    res
      .status(report.status === 'fail' ? 503 : 200)
      .type('application/health+json')
      .set('Cache-Control', 'no-store')
      .send(JSON.stringify(report));
  });

  app.use('/i', imageRoutes(deps));

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  // Last resort: never a stack trace or a path in a response.
  app.use((err: Error, req: Request, res: Response, _next: NextFunction) => {
    deps.logger.error({ err: { name: err.name, message: err.message }, path: req.path }, 'unhandled request error');
    if (!res.headersSent) res.status(500).json({ error: 'internal error' });
  });
  return app;
}

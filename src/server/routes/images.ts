import { Router, type Request, type Response } from 'express';
import type { RenderParams } from '../../render/index.js';
import type { Snapshot } from '../../snapshot/schema.js';
import type { AppDeps } from '../app.js';
import { imageQuerySchema, lastValues, parseImagePath, type ImagePath, type ImageQuery } from '../image-request.js';
import { RenderTimeoutError } from '../render-service.js';
import { toShieldsBadge } from './shields.js';

/** A named image from the config: what to draw and how long caches may keep it. */
export interface ImageDefinition {
  template: string;
  theme: string;
  maxAgeS: number;
  minMaxAgeS: number;
  cacheMode: 'max-age' | 'no-cache';
  alt?: string;
}

const ERROR_MAX_AGE_S = 15;

export function imageRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/:file', async (req, res) => {
    const path = parseImagePath(req.params.file ?? '');
    const image = path ? deps.images.get(path.name) : undefined;
    if (!path || !image) {
      return sendError(deps, res, path?.format ?? 'png', { status: 404, message: 'unknown image', scale: path?.scale ?? 1 });
    }
    const query = imageQuerySchema.safeParse(lastValues(req.query as Record<string, unknown>));
    const theme = path.theme ?? (query.success ? query.data.theme : undefined) ?? image.theme;
    const scale = (path.scale ?? (query.success ? query.data.scale : undefined) ?? 1) as 1 | 2;
    const errorStyle = { template: image.template, theme: deps.renderer.themes.has(theme) ? theme : image.theme, scale };
    if (!query.success) {
      const issue = query.error.issues[0];
      return sendError(deps, res, path.format, { status: 400, message: `bad ${issue?.path.join('.') || 'parameter'}`, ...errorStyle });
    }
    if (!deps.renderer.themes.has(theme)) return sendError(deps, res, path.format, { status: 400, message: 'unknown theme', ...errorStyle });
    const { snapshot, history } = await deps.snapshots.current();
    if (path.format !== 'png') return sendData(res, path, image, snapshot);
    const params = renderParams(query.data, scale, deps);
    try {
      await sendImage(req, res, deps, { image, theme, params, snapshot, history, query: query.data });
    } catch (err) {
      const timeout = err instanceof RenderTimeoutError;
      deps.logger.error({ image: path.name, err: { name: (err as Error).name, message: (err as Error).message } }, 'render failed');
      return sendError(deps, res, 'png', { status: 503, message: timeout ? 'render timed out' : 'render failed', ...errorStyle });
    }
  });
  return router;
}

function renderParams(q: ImageQuery, scale: 1 | 2, deps: AppDeps): RenderParams {
  const { theme: _t, scale: _s, locale, cache_seconds: _c, ...overrides } = q;
  return {
    scale,
    locale: locale ?? deps.locale,
    timeZone: deps.timeZone,
    ...(Object.keys(overrides).length ? { overrides } : {}),
  };
}

async function sendImage(
  req: Request,
  res: Response,
  deps: AppDeps,
  r: { image: ImageDefinition; theme: string; params: RenderParams; snapshot: Snapshot | null; history: import('../../snapshot/schema.js').HistoryPoint[]; query: ImageQuery },
): Promise<void> {
  const request = { template: r.image.template, theme: r.theme, params: r.params };
  const now = deps.clock();
  const etag = deps.renders.etagFor(r.snapshot, request, now);
  res.set('ETag', etag);
  res.set('Cache-Control', cacheControl(r.image, r.query.cache_seconds));
  if (r.snapshot) res.set('Last-Modified', new Date(r.snapshot.takenAt).toUTCString());
  if (req.headers['if-none-match']?.split(/\s*,\s*/).includes(etag)) {
    res.status(304).end();
    return;
  }
  const rendered = await deps.renders.render(r.snapshot, r.history, request, now);
  res.status(200).type('image/png').set('Content-Length', String(rendered.png.length)).end(rendered.png);
}

/** The owner's default, lengthened (never shortened below the floor) by `cache_seconds`. */
export function cacheControl(image: ImageDefinition, requested: number | undefined): string {
  if (image.cacheMode === 'no-cache') return 'no-cache, max-age=0, must-revalidate';
  const maxAge = requested === undefined ? image.maxAgeS : Math.max(requested, image.minMaxAgeS);
  return `public, max-age=${maxAge}, stale-while-revalidate=${Math.max(maxAge, 60)}`;
}

function sendData(res: Response, path: ImagePath, image: ImageDefinition, snapshot: Snapshot | null): void {
  res.set('Cache-Control', cacheControl(image, undefined));
  if (path.format === 'shields.json') {
    res.json(toShieldsBadge(snapshot));
    return;
  }
  res.json({ image: path.name, template: image.template, theme: path.theme ?? image.theme, snapshot });
}

async function sendError(
  deps: AppDeps,
  res: Response,
  format: string,
  e: { status: number; message: string; template?: string; theme?: string; scale: 1 | 2 },
): Promise<void> {
  res.status(e.status).set('Cache-Control', `public, max-age=${ERROR_MAX_AGE_S}`);
  if (format !== 'png') {
    res.json(format === 'shields.json' ? { schemaVersion: 1, label: 'plex', message: e.message, color: 'lightgrey', isError: true } : { error: e.message });
    return;
  }
  const image = await deps.renderer.renderError({
    message: e.message,
    scale: e.scale,
    ...(e.template ? { template: e.template } : {}),
    ...(e.theme ? { theme: e.theme } : {}),
  });
  res.type('image/png').end(image.png);
}

import { Router, type Request, type Response } from 'express';
import type { RenderParams } from '../../render/index.js';
import type { HistoryPoint, Snapshot } from '../../snapshot/schema.js';
import type { AppDeps } from '../app.js';
import { imageQuerySchema, lastValues, parseImagePath, type ImagePath, type ImageQuery } from '../image-request.js';
import { RenderTimeoutError, type RenderedEntry, type RenderRequest } from '../render-service.js';
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
const IMMUTABLE = 'public, max-age=31536000, immutable';

interface Resolved {
  path: ImagePath;
  image: ImageDefinition;
  request: RenderRequest;
  query: ImageQuery;
}

/** Parses a request into what to render; on failure, answers it (with an error image) and returns null. */
async function resolve(deps: AppDeps, req: Request, res: Response, file: string): Promise<Resolved | null> {
  const path = parseImagePath(file);
  const image = path ? deps.images.get(path.name) : undefined;
  if (!path || !image) {
    await sendError(deps, res, path?.format ?? 'png', { status: 404, message: 'unknown image', scale: path?.scale ?? 1 });
    return null;
  }
  const query = imageQuerySchema.safeParse(lastValues(req.query as Record<string, unknown>));
  const theme = path.theme ?? (query.success ? query.data.theme : undefined) ?? image.theme;
  const scale = (path.scale ?? (query.success ? query.data.scale : undefined) ?? 1) as 1 | 2;
  const errorStyle = { template: image.template, theme: deps.renderer.themes.has(theme) ? theme : image.theme, scale };
  if (!query.success) {
    const issue = query.error.issues[0];
    await sendError(deps, res, path.format, { status: 400, message: `bad ${issue?.path.join('.') || 'parameter'}`, ...errorStyle });
    return null;
  }
  if (!deps.renderer.themes.has(theme)) {
    await sendError(deps, res, path.format, { status: 400, message: 'unknown theme', ...errorStyle });
    return null;
  }
  const template = query.data.size ?? image.template;
  if (!deps.renderer.templates.has(template)) {
    await sendError(deps, res, path.format, { status: 400, message: 'unknown size', ...errorStyle });
    return null;
  }
  return { path, image, query: query.data, request: { template, theme, params: renderParams(query.data, scale, deps) } };
}

export function imageRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/i/:file', async (req, res) => {
    const r = await resolve(deps, req, res, req.params.file ?? '');
    if (!r) return;
    const { snapshot, history } = await deps.snapshots.current();
    if (r.path.format !== 'png') return sendData(res, r, snapshot);
    await sendImage(req, res, deps, r, snapshot, history);
  });

  // Versioned URLs never change content: an embed posted today shows today's data forever.
  router.get('/v/:etag/:file', async (req, res) => {
    const r = await resolve(deps, req, res, req.params.file ?? '');
    if (!r || r.path.format !== 'png')
      return r ? sendError(deps, res, r.path.format, { status: 404, message: 'not found', scale: 1 }) : undefined;
    const etag = `"${req.params.etag}"`;
    let entry: RenderedEntry | null | undefined = deps.renders.peek(etag);
    if (!entry) {
      const { snapshot, history } = await deps.snapshots.current();
      const now = deps.clock();
      if (deps.renders.etagFor(snapshot, r.request, now) === etag)
        entry = await renderOrFail(deps, res, r, snapshot, history, { now, etag });
      else
        return sendError(deps, res, 'png', {
          status: 404,
          message: 'expired version',
          template: r.image.template,
          theme: r.request.theme,
          scale: r.request.params.scale,
        });
    }
    if (!entry) return;
    res.set({ ETag: entry.etag, 'Cache-Control': IMMUTABLE });
    if (notModified(req, entry.etag)) return void res.status(304).end();
    res.status(200).type('image/png').end(entry.png);
  });
  return router;
}

/** The versioned path of an image's current render, rendering and pinning it first. */
export async function versionedPath(deps: AppDeps, name: string): Promise<string | null> {
  const image = deps.images.get(name);
  if (!image) return null;
  const { snapshot, history } = await deps.snapshots.current();
  const request = { template: image.template, theme: image.theme, params: renderParams({}, 1, deps) };
  const entry = await deps.renders.render(snapshot, history, request, deps.clock());
  deps.renders.pin(entry);
  return `/v/${entry.etag.slice(1, -1)}/${name}.png`;
}

function renderParams(q: ImageQuery, scale: 1 | 2, deps: AppDeps): RenderParams {
  const { theme: _t, scale: _s, size: _z, locale, cache_seconds: _c, ...overrides } = q;
  return {
    scale,
    locale: locale ?? deps.locale,
    timeZone: deps.timeZone,
    ...(Object.keys(overrides).length ? { overrides } : {}),
  };
}

const notModified = (req: Request, etag: string) => req.headers['if-none-match']?.split(/\s*,\s*/).includes(etag) ?? false;

async function sendImage(
  req: Request,
  res: Response,
  deps: AppDeps,
  r: Resolved,
  snapshot: Snapshot | null,
  history: HistoryPoint[],
): Promise<void> {
  // One reading of the clock: the ETag sent and the image rendered must be of the same minute.
  const now = deps.clock();
  const etag = deps.renders.etagFor(snapshot, r.request, now);
  const headers: Record<string, string> = { ETag: etag, 'Cache-Control': cacheControl(r.image, r.query.cache_seconds) };
  if (snapshot) headers['Last-Modified'] = new Date(snapshot.takenAt).toUTCString();
  if (notModified(req, etag)) return void res.status(304).set(headers).end();
  const entry = deps.renders.peek(etag) ?? (await renderOrFail(deps, res, r, snapshot, history, { now, etag }, req.ip));
  if (!entry) return;
  res.status(200).set(headers).type('image/png').set('Content-Length', String(entry.png.length)).end(entry.png);
}

/** Renders, subject to the per-client render budget; on any failure answers with an error image. */
async function renderOrFail(
  deps: AppDeps,
  res: Response,
  r: Resolved,
  snapshot: Snapshot | null,
  history: HistoryPoint[],
  at: { now: number; etag: string },
  client?: string,
): Promise<RenderedEntry | null> {
  const errorStyle = { template: r.image.template, theme: r.request.theme, scale: r.request.params.scale };
  if (client && deps.renderLimiter && !(await deps.renderLimiter(client))) {
    res.set('Retry-After', '60');
    await sendError(deps, res, 'png', { status: 429, message: 'too many requests', ...errorStyle });
    return null;
  }
  try {
    return await deps.renders.render(snapshot, history, r.request, at.now, at.etag);
  } catch (err) {
    const timeout = err instanceof RenderTimeoutError;
    deps.logger.error({ image: r.path.name, err: { name: (err as Error).name, message: (err as Error).message } }, 'render failed');
    await sendError(deps, res, 'png', { status: 503, message: timeout ? 'render timed out' : 'render failed', ...errorStyle });
    return null;
  }
}

/** The owner's default, lengthened (never shortened below the floor) by `cache_seconds`. */
export function cacheControl(image: ImageDefinition, requested: number | undefined): string {
  if (image.cacheMode === 'no-cache') return 'no-cache, max-age=0, must-revalidate';
  const maxAge = requested === undefined ? image.maxAgeS : Math.max(requested, image.minMaxAgeS);
  return `public, max-age=${maxAge}, stale-while-revalidate=${Math.max(maxAge, 60)}`;
}

function sendData(res: Response, r: Resolved, snapshot: Snapshot | null): void {
  res.set('Cache-Control', cacheControl(r.image, undefined));
  if (r.path.format === 'shields.json') return void res.json(toShieldsBadge(snapshot));
  res.json({ image: r.path.name, template: r.request.template, theme: r.request.theme, snapshot });
}

export async function sendError(
  deps: AppDeps,
  res: Response,
  format: string,
  e: { status: number; message: string; template?: string; theme?: string; scale: 1 | 2 },
): Promise<void> {
  res.status(e.status).set('Cache-Control', `public, max-age=${ERROR_MAX_AGE_S}`);
  if (format !== 'png') {
    res.json(
      format === 'shields.json'
        ? { schemaVersion: 1, label: 'plex', message: e.message, color: 'lightgrey', isError: true }
        : { error: e.message },
    );
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

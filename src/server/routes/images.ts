import { Router, type Request, type Response } from 'express';
import type { RenderParams } from '../../render/index.js';
import type { HistoryPoint, Snapshot } from '../../snapshot/schema.js';
import type { AppDeps } from '../app.js';
import { imageQuerySchema, lastValues, parseImagePath, type ImagePath, type ImageQuery } from '../image-request.js';
import { ImageError, type ErrorLook } from '../errors.js';
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

const IMMUTABLE = 'public, max-age=31536000, immutable';

interface Resolved {
  path: ImagePath;
  image: ImageDefinition;
  request: RenderRequest;
  query: ImageQuery;
  /** How an error answering this request looks. */
  look: ErrorLook;
}

/** Parses a request into what to render; throws an ImageError naming what is wrong. */
function resolve(deps: AppDeps, req: Request, file: string): Resolved {
  const path = parseImagePath(file);
  const image = path ? deps.images.get(path.name) : undefined;
  if (!path || !image) throw new ImageError(404, 'unknown image', { format: path?.format ?? 'png', scale: path?.scale ?? 1 });
  const query = imageQuerySchema.safeParse(lastValues(req.query as Record<string, unknown>));
  const theme = path.theme ?? (query.success ? query.data.theme : undefined) ?? image.theme;
  const scale = (path.scale ?? (query.success ? query.data.scale : undefined) ?? 1) as 1 | 2;
  const look: ErrorLook = {
    format: path.format,
    template: image.template,
    theme: deps.renderer.themes.has(theme) ? theme : image.theme,
    scale,
  };
  if (!query.success) throw new ImageError(400, `bad ${query.error.issues[0]?.path.join('.') || 'parameter'}`, look);
  if (!deps.renderer.themes.has(theme)) throw new ImageError(400, 'unknown theme', look);
  const template = query.data.size ?? image.template;
  if (!deps.renderer.templates.has(template)) throw new ImageError(400, 'unknown size', look);
  return { path, image, query: query.data, look, request: { template, theme, params: renderParams(query.data, scale, deps) } };
}

export function imageRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/i/:file', async (req, res) => {
    const r = resolve(deps, req, req.params.file ?? '');
    const { snapshot, history } = await deps.snapshots.current();
    if (r.path.format !== 'png') return sendData(res, r, snapshot);
    await sendImage(req, res, deps, r, snapshot, history);
  });

  // Versioned URLs never change content: an embed posted today shows today's data forever.
  router.get('/v/:etag/:file', async (req, res) => {
    const r = resolve(deps, req, req.params.file ?? '');
    if (r.path.format !== 'png') throw new ImageError(404, 'not found', { format: r.path.format });
    const etag = `"${req.params.etag}"`;
    const entry = deps.renders.peek(etag) ?? (await renderVersion(req, deps, r, etag));
    res.set({ ETag: entry.etag, 'Cache-Control': IMMUTABLE });
    if (notModified(req, entry.etag)) return void res.status(304).end();
    res.status(200).type('image/png').end(entry.png);
  });
  return router;
}

/**
 * A version that is not kept is drawn again only while it is still the current one, and at the
 * client's expense like any render: ETags are keyed with the server's secret, so no one can name a
 * version the server has not handed out.
 */
async function renderVersion(req: Request, deps: AppDeps, r: Resolved, etag: string): Promise<RenderedEntry> {
  const { snapshot, history } = await deps.snapshots.current();
  const now = deps.clock();
  if (deps.renders.etagFor(snapshot, r.request, now) !== etag) throw new ImageError(404, 'expired version', r.look);
  return render(req, deps, r, snapshot, history, { now, etag });
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
  const entry = deps.renders.peek(etag) ?? (await render(req, deps, r, snapshot, history, { now, etag }));
  res.status(200).set(headers).type('image/png').set('Content-Length', String(entry.png.length)).end(entry.png);
}

/** A render not in any cache: charged to the client's budget by the pixels it draws, then drawn. */
async function render(
  req: Request,
  deps: AppDeps,
  r: Resolved,
  snapshot: Snapshot | null,
  history: HistoryPoint[],
  at: { now: number; etag: string },
): Promise<RenderedEntry> {
  if (deps.renderBudget) {
    const charge = await deps.renderBudget.charge(req.ip, deps.renders.pixels(r.request.template, r.request.params.scale));
    if (!charge.allowed) throw new ImageError(429, 'too many requests', r.look, { 'Retry-After': String(charge.retryAfterS) });
  }
  try {
    return await deps.renders.render(snapshot, history, r.request, at.now, at.etag);
  } catch (err) {
    const timeout = err instanceof RenderTimeoutError;
    deps.logger.error({ image: r.path.name, err: { name: (err as Error).name, message: (err as Error).message } }, 'render failed');
    throw new ImageError(503, timeout ? 'render timed out' : 'render failed', r.look);
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

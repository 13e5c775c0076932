import { createHash } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { HistoryPoint, Snapshot } from '../../snapshot/schema.js';
import type { AppDeps } from '../app.js';
import { ImageError, NotFound, RateLimited, RenderFailed } from '../errors.js';
import { parseImageRequest, VERSION_PATTERN, type ImageCatalogue, type ImageDefinition, type ImageRequest } from '../image-request.js';
import type { Recorder } from '../micro-cache.js';
import { RenderTimeoutError, type RenderedEntry, type RenderRequest } from '../render-service.js';
import { toShieldsBadge } from './shields.js';
import { matches } from '../micro-cache.js';

export type { ImageDefinition } from '../image-request.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const SVG_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

function catalogue(deps: AppDeps): ImageCatalogue {
  return {
    images: deps.images,
    templates: deps.renderer.templates,
    themes: deps.renderer.themes,
    locale: deps.locale,
    timeZone: deps.timeZone,
    servers: { has: (id) => deps.snapshots.get(id) !== undefined },
  };
}

/** The route's one parsing step: a request value, or the typed error that answers it (thrown to errors.ts). */
function parse(params: { file: string; server?: string }, req: Request, catalog: ImageCatalogue): ImageRequest {
  const parsed = parseImageRequest(params, req.query as Record<string, unknown>, catalog);
  if (!parsed.ok) throw parsed.error;
  return parsed.request;
}

const renderRequest = (r: ImageRequest): RenderRequest => ({
  ...(r.server ? { server: r.server } : {}),
  template: r.template,
  theme: r.theme,
  params: r.params,
});

/** A named route parameter; '' when the route has none of that name. */
const param = (req: Request, key: string): string => {
  const value = req.params[key];
  return typeof value === 'string' ? value : '';
};

/** The route parameters of `/i/[<server>/]<file>` and `/v/<etag>/[<server>/]<file>`: no server is ''. */
const target = (req: Request) => ({ file: param(req, 'file'), server: param(req, 'server') });

export function imageRoutes(deps: AppDeps): Router {
  const router = Router();
  const catalog = catalogue(deps);
  // `/i/<name>.png` is what the key '' holds (the network, or the only server); `/i/<server>/...`
  // one server's, with every suffix. parse() answers an unknown server with the usual 404 image
  // before anything is read or drawn.
  const image = async (req: Request, res: Response) => {
    const r = parse(target(req), req, catalog);
    const record = deps.microCache?.recorder(req, r.server);
    const { snapshot, history } = await deps.snapshots.get(r.server)!.current();
    if (r.format === 'json' || r.format === 'shields.json') return sendData(req, res, deps, r, snapshot, record);
    await sendImage(req, res, deps, r, snapshot, history, record);
  };
  router.get('/i/:file', image);
  router.get('/i/:server/:file', image);

  // Versioned URLs never change content: an embed posted today shows today's data for as long as
  // its pin is kept. Only pinned versions are served, and nothing here renders.
  const versioned = (req: Request, res: Response) => {
    const { file, server } = target(req);
    const r = parse({ file, server }, req, catalog);
    const record = deps.microCache?.recorder(req, r.server);
    if (r.format !== 'png') throw new NotFound('not found', { format: r.format });
    const etag = param(req, 'etag');
    const pinned = VERSION_PATTERN.test(etag) ? deps.pins.get({ server: r.server, etag, file }) : undefined;
    if (!pinned) throw new NotFound('unknown version', r.look);
    res.set({ ETag: pinned.etag, 'Cache-Control': IMMUTABLE });
    if (notModified(req, pinned.etag)) {
      res.status(304);
      record?.(res);
      return void res.end();
    }
    res.status(200).type('image/png').set('Content-Length', String(pinned.png.length));
    record?.(res, pinned.png);
    res.end(pinned.png);
  };
  router.get('/v/:etag/:file', versioned);
  router.get('/v/:etag/:server/:file', versioned);
  return router;
}

/**
 * The versioned path of an image's current render, rendering and pinning it first: `/v/<etag>/<name>.png`
 * for the key '' (the network, or the only server), `/v/<etag>/<server>/<name>.png` for one server.
 * Null for an unknown image or server.
 */
export async function versionedPath(deps: AppDeps, name: string, server = ''): Promise<string | null> {
  const parsed = parseImageRequest({ file: `${name}.png`, server }, {}, catalogue(deps));
  if (!parsed.ok) return null;
  const r = parsed.request;
  const { snapshot, history } = await deps.snapshots.get(r.server)!.current();
  const entry = await deps.renders.render(snapshot, history, renderRequest(r), deps.clock());
  const etag = entry.etag.slice(1, -1);
  const file = `${name}.png`;
  deps.pins.pin({ server: r.server, etag, file }, entry.png);
  return `/v/${etag}/${r.server ? `${r.server}/` : ''}${file}`;
}

const notModified = (req: Request, etag: string) => matches(req.headers['if-none-match'], etag);

/**
 * RFC 9110 13.1.3: If-Modified-Since counts only without If-None-Match, and compares at the
 * second (HTTP dates have no milliseconds); an unparsable date is ignored.
 */
function notModifiedSince(req: Request, lastModified: number | null): boolean {
  const since = req.headers['if-modified-since'];
  if (lastModified === null || since === undefined || req.headers['if-none-match'] !== undefined) return false;
  const at = Date.parse(since);
  return Number.isFinite(at) && Math.floor(lastModified / 1000) * 1000 <= at;
}

async function sendImage(
  req: Request,
  res: Response,
  deps: AppDeps,
  r: ImageRequest,
  snapshot: Snapshot | null,
  history: HistoryPoint[],
  record: Recorder | undefined,
): Promise<void> {
  // One reading of the clock: the ETag sent and the image rendered must be of the same minute.
  const now = deps.clock();
  const request = renderRequest(r);
  const etag = deps.renders.etagFor(snapshot, request, now);
  const headers: Record<string, string> = { ETag: etag, 'Cache-Control': cacheControl(r.image, r.cacheSeconds) };
  // An image is a function of the snapshot and the render minute (staleness and times are drawn from
  // it), so it last changed at the later of the two.
  const lastModified = snapshot ? Math.max(snapshot.takenAt, deps.renders.renderNow(now)) : null;
  if (lastModified !== null) headers['Last-Modified'] = new Date(lastModified).toUTCString();
  if (notModified(req, etag) || notModifiedSince(req, lastModified)) {
    res.status(304).set(headers);
    record?.(res);
    return void res.end();
  }
  // An SVG opened on its own is a document of this origin: it may show its embedded posters and
  // nothing else, whatever a later change puts in it.
  if (r.format === 'svg') headers['Content-Security-Policy'] = SVG_CSP;
  const entry = deps.renders.peek(etag) ?? (await render(req, deps, r, snapshot, history, { now, etag }));
  res
    .status(200)
    .set(headers)
    .type(r.format === 'svg' ? 'image/svg+xml' : 'image/png')
    .set('Content-Length', String(entry.png.length));
  record?.(res, entry.png);
  res.end(entry.png);
}

/**
 * A render not in any cache: the request that starts it is charged to its client's budget by the
 * pixels it draws; requests that arrive while it is being drawn wait for it and pay nothing.
 */
async function render(
  req: Request,
  deps: AppDeps,
  r: ImageRequest,
  snapshot: Snapshot | null,
  history: HistoryPoint[],
  at: { now: number; etag: string },
): Promise<RenderedEntry> {
  const budget = deps.renderBudget;
  const admit = async () => {
    if (!budget) return;
    const charge = await budget.charge(req.ip, deps.renders.pixels(r.template, r.params.scale));
    if (!charge.allowed) throw new RateLimited(charge.retryAfterS, r.look);
  };
  try {
    return await deps.renders.renderAdmitted(snapshot, history, renderRequest(r), at.now, at.etag, admit);
  } catch (err) {
    if (err instanceof ImageError) throw err;
    const timeout = err instanceof RenderTimeoutError;
    deps.logger.error({ image: r.name, err: { name: (err as Error).name, message: (err as Error).message } }, 'render failed');
    throw new RenderFailed(timeout ? 'render timed out' : 'render failed', r.look);
  }
}

/** The owner's default, lengthened (never shortened below the floor) by `cache_seconds`. */
export function cacheControl(image: ImageDefinition, requested: number | undefined): string {
  if (image.cacheMode === 'no-cache') return 'no-cache, max-age=0, must-revalidate';
  const maxAge = requested === undefined ? image.maxAgeS : Math.max(requested, image.minMaxAgeS);
  return `public, max-age=${maxAge}, stale-while-revalidate=${Math.max(maxAge, 60)}`;
}

/**
 * The data behind an image. Its ETag is a hash of the body, so a poller (shields.io's endpoint
 * badge, a dashboard) revalidates for a 304, and the replay can answer repeats without Express.
 */
function sendData(
  req: Request,
  res: Response,
  deps: AppDeps,
  r: ImageRequest,
  snapshot: Snapshot | null,
  record: Recorder | undefined,
): void {
  const theme = deps.renderer.themes.get(r.theme)!;
  const data =
    r.format === 'shields.json'
      ? toShieldsBadge(
          snapshot,
          { template: r.template, theme },
          // The words, clock and staleness the image itself is drawn with.
          {
            fmt: deps.renderer.formatter(r.params.locale, r.params.timeZone),
            now: deps.renders.renderNow(deps.clock()),
            staleAfterMs: deps.renders.staleAfterMs,
          },
        )
      : { image: r.name, template: r.template, theme: r.theme, snapshot };
  const body = Buffer.from(JSON.stringify(data));
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  res.set({ ETag: etag, 'Cache-Control': cacheControl(r.image, undefined) });
  if (notModified(req, etag)) {
    res.status(304);
    record?.(res);
    return void res.end();
  }
  res.status(200).type('application/json').set('Content-Length', String(body.length));
  record?.(res, body);
  res.end(body);
}

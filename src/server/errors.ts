import type { ErrorRequestHandler, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { ImageFormat } from './image-request.js';
import type { RenderService } from './render-service.js';

/** How the answer to a failed image request looks: its format and, for a PNG, the image it stands in for. */
export interface ErrorLook {
  format?: ImageFormat;
  template?: string;
  theme?: string;
  scale?: 1 | 2;
}

/**
 * Thrown by the image routes when a request cannot have its image: the status, a short public
 * reason (never a path or a stack) and the look of the answer. errorHandler turns it into a
 * response; nothing else answers an error.
 */
export class ImageError extends Error {
  override readonly name = 'ImageError';

  constructor(
    readonly status: number,
    message: string,
    readonly look: ErrorLook = {},
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    // An answer, not a fault: its stack would never be read, and capturing one was ~3% of the
    // CPU of a flood of bad URLs.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/** The kinds of failure an image request can meet, after shields.io's: each fixes its status. */
export class NotFound extends ImageError {
  constructor(message: string, look: ErrorLook = {}) {
    super(404, message, look);
  }
}
export class InvalidParameter extends ImageError {
  constructor(message: string, look: ErrorLook = {}) {
    super(400, message, look);
  }
}
export class RateLimited extends ImageError {
  constructor(retryAfterS: number, look: ErrorLook = {}) {
    super(429, 'too many requests', look, { 'Retry-After': String(retryAfterS) });
  }
}
/** A render that could not be drawn in time or at all: the request was fine, try again. */
export class RenderFailed extends ImageError {
  constructor(message: 'render timed out' | 'render failed', look: ErrorLook = {}) {
    super(503, message, look);
  }
}

const ERROR_MAX_AGE_S = 15;
const IMAGE_PATH = /^\/[iv]\//;

/**
 * The one step from an error to a response. On an image route an `<img>` still gets an image: the
 * error drawn in the theme and size asked for (at 1x for a client's mistake or a refusal, which
 * must cost the server nothing it has not already drawn), from RenderService's error cache.
 * Anything that is not an ImageError (Express refusing a malformed escape, a bug) is a 4xx it
 * carries or a 500, logged here and answered without detail.
 */
export function errorHandler(deps: { renders: RenderService; logger: Logger }): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const e = err instanceof ImageError ? err : fromUnknown(err, req, deps.logger);
    if (res.headersSent) return;
    void answer(deps.renders, res, e).catch(() => {
      if (!res.headersSent) res.status(e.status).json({ error: e.message });
    });
  };
}

function fromUnknown(err: unknown, req: Request, logger: Logger): ImageError {
  const e = err as Error & { status?: number };
  const status = e.status && e.status >= 400 && e.status < 500 ? e.status : 500;
  if (status === 500) logger.error({ err: { name: e.name, message: e.message }, path: req.path }, 'unhandled request error');
  const image = IMAGE_PATH.test(req.path) && !/\.json$/i.test(req.path);
  const message =
    status === 429 ? 'too many requests' : status === 500 ? (image ? 'server error' : 'internal error') : image ? 'bad URL' : 'bad request';
  return image
    ? new ImageError(status, message, { format: 'png' })
    : new ImageError(status, message, { format: 'json' }, { 'Cache-Control': 'no-store' });
}

async function answer(renders: RenderService, res: Response, e: ImageError): Promise<void> {
  res.status(e.status).set('Cache-Control', `public, max-age=${ERROR_MAX_AGE_S}`).set(e.headers);
  const format = e.look.format ?? 'png';
  if (format === 'shields.json') {
    res.json({ schemaVersion: 1, label: 'plex', message: e.message, color: 'lightgrey', isError: true });
  } else if (format === 'json') {
    res.json({ error: e.message });
  } else {
    const image = await renders.errorImage({
      message: e.message,
      scale: e.status < 500 ? 1 : (e.look.scale ?? 1),
      ...(e.look.template ? { template: e.look.template } : {}),
      ...(e.look.theme ? { theme: e.look.theme } : {}),
    });
    res.type('image/png').end(image.png);
  }
}

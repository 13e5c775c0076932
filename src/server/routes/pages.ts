import express, { Router, type Request, type Response } from 'express';
import type { ServerEntry } from '../../stores/providers.js';
import {
  embedPage,
  galleryPage,
  noPublicUrlPage,
  notFoundPage,
  serverImage,
  unavailablePage,
  unknownServerPage,
  type GalleryImage,
} from '../pages/templates.js';
import type { PublicBase } from '../public-url.js';

export type PageImage = GalleryImage;

export interface PageDeps {
  /** Every configured image. */
  images: () => PageImage[];
  /** Theme names; the dark/light `<picture>` snippet picks a pair from them. */
  themes: readonly string[];
  /** Where absolute links point (public-url.ts): never derived from the Host header. */
  publicBase: (req: Request) => PublicBase;
  /**
   * The Plex servers (issue 20): `/embed/<server>/<name>` for each, and with several the gallery
   * lists the network and then each server's images. Absent: one server, named by no URL.
   */
  servers?: readonly ServerEntry[];
  /**
   * `/v/<etag>/[<server>/]<name>.png` for the current snapshot (of the network or the only server
   * without `server`), null for an unknown name.
   */
  versionedPath: (name: string, server?: string) => Promise<string | null>;
  /** Absolute path of public/. */
  staticDir: string;
}

/**
 * Sent by the pages themselves too, not only by the app's helmet, so the router stays safe when
 * mounted on any app (tests mount it bare).
 */
export const PAGE_CSP =
  "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function sendPage(res: Response, status: number, body: string, cacheControl: string): void {
  res
    .status(status)
    .set({
      'Content-Security-Policy': PAGE_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': cacheControl,
    })
    .type('html')
    .send(body);
}

/**
 * Mounts GET `/` (gallery), GET `/embed/:name` and `/embed/:server/:name` (OpenGraph/Twitter card
 * page) and `/assets/*`.
 */
export function pageRoutes(deps: PageDeps): Router {
  const router = Router();
  const servers = deps.servers ?? [];

  router.get('/', (req, res) => {
    // no-cache: the list of images and the base URL can change with the config.
    sendPage(res, 200, galleryPage(deps.images(), deps.publicBase(req).url, deps.themes, servers), 'no-cache');
  });

  const embed = async (req: Request<{ name: string }>, res: Response, server?: ServerEntry) => {
    const name = req.params.name;
    const found = deps.images().find((i) => i.name === name);
    const image = found && server ? serverImage(found, server) : found;
    const base = deps.publicBase(req);
    // Checked before anything is drawn or pinned: a crawler would keep whatever address it is given.
    if (image && base.unknown) return sendPage(res, 503, noPublicUrlPage(base.unknown), 'no-store');
    let versioned: string | null = null;
    try {
      versioned = image ? await deps.versionedPath(name, server?.id) : null;
    } catch {
      // A failed render must not pin anything: Discord would freeze a broken unfurl for the post.
      return sendPage(res, 503, unavailablePage(name), 'no-store');
    }
    if (!image || !versioned) return sendPage(res, 404, notFoundPage(name), 'no-cache');
    // no-cache: each fetch of the page (a new Discord post) must name the image of that moment;
    // the versioned image itself is immutable.
    sendPage(res, 200, embedPage({ image, base: base.url, versionedPath: versioned }), 'no-cache');
  };
  router.get('/embed/:name', (req, res) => embed(req, res));
  router.get('/embed/:server/:name', async (req, res) => {
    const id = req.params.server;
    const server = servers.find((s) => s.id === id);
    // Nothing is drawn or pinned for a server no config names.
    if (!server) return sendPage(res, 404, unknownServerPage(id), 'no-cache');
    await embed(req, res, server);
  });

  router.use(
    '/assets',
    express.static(deps.staticDir, {
      index: false,
      dotfiles: 'ignore',
      fallthrough: true,
      // Revalidate every time: assets change on upgrade and the ETag makes that a cheap 304.
      maxAge: 0,
      setHeaders: (res) => res.setHeader('X-Content-Type-Options', 'nosniff'),
    }),
  );
  return router;
}

/**
 * The gallery, embed and not-found pages. Pure: data in, HTML string out. Styling and behaviour
 * live in public/ because the CSP forbids inline <style>, style="" and inline <script>.
 */
import { signatureFits, type Size } from '../../render/gallery/forum-limits.js';
import type { ServerEntry } from '../../stores/providers.js';
import { html, type SafeHtml } from './html.js';
import { buildSnippets, imagePath, type Snippet } from './snippets.js';

export interface GalleryImage {
  name: string;
  /** The server it is of (issue 20), by id; absent: what `/i/<name>.png` shows. */
  server?: string;
  /** That server's display name. */
  serverName?: string;
  template: string;
  theme: string;
  alt: string;
  width: number;
  height: number;
}

function layout(opts: { title: string; head?: SafeHtml; bodyClass: string; scripts?: boolean }, body: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="dark" />
        <title>${opts.title}</title>
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/assets/gallery.css" />
        ${opts.head} ${opts.scripts ? html`<script type="module" src="/assets/gallery.js"></script>` : ''}
      </head>
      <body class="${opts.bodyClass}">
        ${body}
      </body>
    </html> `.value;
}

const brand = html`<a class="brand" href="/"><img src="/assets/favicon.svg" width="28" height="28" alt="" /><span>Marquee</span></a>`;

/**
 * An image's part of element ids: `<name>`, or `<server>-<name>` for one server's. Unambiguous:
 * an image name never holds a `-`, so the last `-` ends the server id.
 */
const anchor = (image: GalleryImage) => (image.server ? `${image.server}-${image.name}` : image.name);

function snippetRow(image: GalleryImage, s: Snippet): SafeHtml {
  const id = `snippet-${anchor(image)}-${s.kind}`;
  const what = image.serverName ? `${image.name} (${image.serverName})` : image.name;
  return html`<div class="snippet" data-kind="${s.kind}">
    <div class="snippet-label"><span>${s.label}</span><small>${s.hint}</small></div>
    <code id="${id}" class="snippet-text${s.text.includes('\n') ? ' multiline' : ''}">${s.text}</code>
    <button type="button" class="copy" data-copy="${id}" aria-label="Copy ${s.label} for ${what}">Copy</button>
  </div>`;
}

/** Which forum signature limits the image fits; where it does not, the preset path that does. */
function forumFits(image: GalleryImage, presets: ReadonlyMap<string, Size>): SafeHtml {
  const items = signatureFits(image, presets).map(({ limit, fits, preset }) => {
    const size = `${limit.width}×${limit.height}`;
    if (fits) return html`<li class="fits-yes">${size}: fits</li>`;
    if (!preset) return html`<li class="fits-no">${size}: too large</li>`;
    return html`<li class="fits-no">${size}: too large, use <code>/i/${imagePath(image)}-${preset}.png</code></li>`;
  });
  return html`<ul class="fits" aria-label="Forum signature limits">
    ${items}
  </ul>`;
}

function card(image: GalleryImage, base: string, themes: readonly string[], presets: ReadonlyMap<string, Size>): SafeHtml {
  const snippets = buildSnippets(image, base, themes);
  // Image names and server ids are URL slugs (image-request.ts, server-key.ts): no escaping needed
  // in a path, and the HTML escaping of html`` still applies.
  const at = imagePath(image);
  const name = image.server ? html`<h3>${image.name}</h3>` : html`<h2>${image.name}</h2>`;
  return html`<article
    class="card"
    id="image-${anchor(image)}"
    data-name="${image.name}"
    ${image.server ? html`data-server="${image.server}"` : ''}
  >
    <header class="card-head">
      ${name}
      <p class="meta"><span>${image.template}</span><span>${image.theme}</span><span>${image.width}×${image.height}</span></p>
      <a class="embed-link" href="/embed/${at}">Share page</a>
      ${forumFits(image, presets)}
    </header>
    <div class="preview">
      <img
        src="/i/${at}.png"
        width="${image.width}"
        height="${image.height}"
        alt="${image.alt}"
        decoding="async"
        ${image.server ? html`loading="lazy"` : ''}
      />
    </div>
    <div class="snippets">${snippets.map((s) => snippetRow(image, s))}</div>
  </article>`;
}

/** One server's copy of an image: its URLs under the server's id, its name in the alt text. */
export function serverImage(image: GalleryImage, server: ServerEntry): GalleryImage {
  return { ...image, server: server.id, serverName: server.name, alt: `${image.alt} (${server.name})` };
}

/**
 * With several servers (issue 20) the gallery shows the network first (`/i/<name>.png`), then each
 * server's images (`/i/<server>/<name>.png`), each with its snippets; with one server, as it always
 * has. Server previews load lazily: eight servers are some ninety images, and a reader who never
 * scrolls to them should not spend their render budget on them.
 */
function galleryBody(
  images: readonly GalleryImage[],
  base: string,
  themes: readonly string[],
  servers: readonly ServerEntry[],
  presets: ReadonlyMap<string, Size>,
): SafeHtml {
  const grid = (list: readonly GalleryImage[]) => html`<div class="grid">${list.map((image) => card(image, base, themes, presets))}</div>`;
  if (servers.length < 2) return grid(images);
  const names = servers.map((s) => s.name).join(', ');
  return html`<nav class="servers" aria-label="Servers">
      <a href="#network">Network</a>${servers.map((s) => html` <a href="#server-${s.id}">${s.name}</a>`)}
    </nav>
    <section class="server" id="network" aria-labelledby="network-title">
      <h2 class="server-title" id="network-title">Network</h2>
      <p class="server-note">${servers.length} servers together (${names}): <code>/i/&lt;name&gt;.png</code></p>
      ${grid(images)}
    </section>
    ${servers.map(
      (server) =>
        html`<section class="server" id="server-${server.id}" aria-labelledby="server-${server.id}-title">
          <h2 class="server-title" id="server-${server.id}-title">${server.name}</h2>
          <p class="server-note">This server alone: <code>/i/${server.id}/&lt;name&gt;.png</code></p>
          ${grid(images.map((image) => serverImage(image, server)))}
        </section>`,
    )}`;
}

export function galleryPage(
  images: readonly GalleryImage[],
  base: string,
  themes: readonly string[],
  servers: readonly ServerEntry[] = [],
): string {
  // Presets are templates; the configured images name the ones served, with their sizes.
  const presets = new Map(images.map((i) => [i.template, { width: i.width, height: i.height }]));
  const cards = images.length
    ? galleryBody(images, base, themes, servers, presets)
    : html`<div class="empty">
        <h2>No images configured</h2>
        <p>Add an <code>images:</code> list to <code>marquee.yaml</code>, or remove it to serve every built-in template.</p>
      </div>`;
  return layout(
    { title: 'Marquee · status images', bodyClass: 'gallery', scripts: true },
    html`<header class="top">
        ${brand}
        <p class="tagline">
          Live status images of your Plex ${servers.length > 1 ? 'servers' : 'server'}. Pick one, copy a snippet, paste it where the image
          should appear.
        </p>
        <ul class="tips">
          <li>
            <b>Forums</b> BBCode: a plain <code>.png</code> link that signature filters accept; other sizes by path, no query string:
            <code>/i/&lt;name&gt;-&lt;size&gt;.png</code>
          </li>
          <li><b>GitHub</b> Markdown, or <i>Dark / light</i> to follow the reader's theme</li>
          <li><b>Email</b> HTML: sized, with alt text for clients that block images</li>
          <li><b>Discord</b> post the share link: each post keeps the data of its moment</li>
        </ul>
        <p class="base">
          Links point at <code>${base}</code>. If others reach this server at another address, set <code>server.publicUrl</code> in
          <code>marquee.yaml</code>.
        </p>
      </header>
      <main>${cards}</main>
      <p id="copy-status" class="visually-hidden" role="status" aria-live="polite"></p>
      <footer class="foot"><a href="/health">Health</a></footer>`,
  );
}

export interface EmbedPageData {
  /** With `server` and `serverName` set for one server's image (see serverImage). */
  image: GalleryImage;
  base: string;
  /** Path of the immutable image for this moment, e.g. `/v/<etag>/<name>.png`. */
  versionedPath: string;
}

export function embedPage({ image, base, versionedPath }: EmbedPageData): string {
  // Absolute for crawlers (Discord, Twitter); the visible <img> stays relative because the CSP
  // allows only 'self', and a configured publicUrl may differ from the address in the browser.
  const imageUrl = `${base}${versionedPath}`;
  const at = imagePath(image);
  const pageUrl = `${base}/embed/${at}`;
  const title = image.serverName ? `${image.name} · ${image.serverName} · Marquee` : `${image.name} · Marquee`;
  const head = html`<meta name="description" content="${image.alt}" />
    <meta property="og:type" content="website" />
    <meta property="og:site_name" content="Marquee" />
    <meta property="og:title" content="${title}" />
    <meta property="og:description" content="${image.alt}" />
    <meta property="og:url" content="${pageUrl}" />
    <meta property="og:image" content="${imageUrl}" />
    <meta property="og:image:type" content="image/png" />
    <meta property="og:image:width" content="${image.width}" />
    <meta property="og:image:height" content="${image.height}" />
    <meta property="og:image:alt" content="${image.alt}" />
    <meta name="twitter:card" content="summary_large_image" />
    <meta name="twitter:title" content="${title}" />
    <meta name="twitter:description" content="${image.alt}" />
    <meta name="twitter:image" content="${imageUrl}" />
    <meta name="twitter:image:alt" content="${image.alt}" />`;
  return layout(
    { title, head, bodyClass: 'embed' },
    html`<header class="top">${brand}</header>
      <main class="embed-main">
        <figure class="embed-figure">
          <img src="${versionedPath}" width="${image.width}" height="${image.height}" alt="${image.alt}" />
          <figcaption>${image.alt}</figcaption>
        </figure>
        <p class="embed-note">
          This is a snapshot taken when the page was loaded. <a href="/i/${at}.png">Live image</a> ·
          <a href="/#image-${anchor(image)}">All images and snippets</a>
        </p>
      </main>`,
  );
}

function messagePage(title: string, message: SafeHtml): string {
  return layout(
    { title: `${title} · Marquee`, bodyClass: 'message' },
    html`<header class="top">${brand}</header>
      <main class="empty">
        <h1>${title}</h1>
        <p>${message}</p>
        <p><a href="/">See every image</a></p>
      </main>`,
  );
}

export const notFoundPage = (name: string) => messagePage('Not found', html`There is no image called <code>${name}</code>.`);

export const unknownServerPage = (server: string) => messagePage('Not found', html`There is no server called <code>${server}</code>.`);

export const unavailablePage = (name: string) =>
  messagePage('Try again shortly', html`The image <code>${name}</code> could not be drawn just now. The server log says why.`);

export const noPublicUrlPage = (reason: string) =>
  messagePage(
    'No public address',
    html`An embed must name an address others can reach, and Marquee never takes one from the request's Host header. ${reason}.`,
  );

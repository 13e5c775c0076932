import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_CSP, pageRoutes, type PageImage } from '../../src/server/routes/pages.js';
import { buildSnippets, themePair } from '../../src/server/pages/snippets.js';
import { escapeHtml } from '../../src/server/pages/html.js';

const BASE = 'https://status.example.org';
const EVIL_ALT = `Plex "now" <script>alert('x')</script> & [more]`;
const images: PageImage[] = [
  { name: 'signature', template: 'signature', theme: 'dark', alt: 'Plex server status', width: 600, height: 200 },
  { name: 'evil', template: 'banner', theme: 'nord', alt: EVIL_ALT, width: 468, height: 60 },
];
const THEMES = ['dark', 'light', 'nord', 'nord_light'];

let server: Server;
let url: string;
let renderFails = false;

beforeAll(async () => {
  const app = express();
  app.use(
    pageRoutes({
      images: () => images,
      themes: THEMES,
      publicBase: () => ({ url: BASE }),
      versionedPath: async (name) => {
        if (renderFails) throw new Error('render failed');
        return images.some((i) => i.name === name) ? `/v/abc123/${name}.png` : null;
      },
      staticDir: path.resolve(import.meta.dirname, '../../public'),
    }),
  );
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const get = async (p: string) => {
  const res = await fetch(`${url}${p}`);
  return { res, body: await res.text() };
};

/** Every `<script>` must load a file, and nothing may carry inline styles or handlers. */
function expectNoInlineCode(body: string) {
  for (const m of body.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    expect(m[1]).toMatch(/\ssrc="\/assets\//);
    expect(m[2]).toBe('');
  }
  expect(body).not.toMatch(/<style\b/i);
  expect(body).not.toMatch(/\sstyle\s*=/i);
  expect(body).not.toMatch(/\son[a-z]+\s*=/i);
}

/** The text content of the element with this id, entities decoded (enough for our own markup). */
function textOf(body: string, id: string): string {
  const m = new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(body);
  if (!m) throw new Error(`no element #${id}`);
  return m[1]!
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Attributes of every `<tag ...>` in the body, raw (still entity-encoded); tolerant of layout and `/>`. */
function tags(body: string, tag: string): Record<string, string>[] {
  return [...body.matchAll(new RegExp(`<${tag}\\b([^>]*?)/?>`, 'g'))].map((m) =>
    Object.fromEntries([...m[1]!.matchAll(/([\w:-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])),
  );
}
const meta = (body: string, key: string) => tags(body, 'meta').find((t) => t.property === key || t.name === key)?.content;
const img = (body: string, src: string) => tags(body, 'img').find((t) => t.src === src);

describe('gallery page', () => {
  it('is HTML with the strict CSP, no caching and no inline code', async () => {
    const { res, body } = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expectNoInlineCode(body);
  });

  it('shows a sized, described live preview of every image', async () => {
    const { body } = await get('/');
    expect(img(body, '/i/signature.png')).toMatchObject({ width: '600', height: '200', alt: 'Plex server status' });
    expect(img(body, '/i/evil.png')).toMatchObject({ width: '468', height: '60', alt: escapeHtml(EVIL_ALT) });
  });

  it('says which forum signature limits each image fits, and the preset path that fits where it does not', async () => {
    const { body } = await get('/');
    const items = (name: string) => {
      const card = body.slice(body.indexOf(`id="image-${name}"`));
      const list = card.slice(card.indexOf('<ul class="fits"'), card.indexOf('</ul>'));
      return [...list.matchAll(/<li[^>]*>([\s\S]*?)<\/li>/g)].map((m) =>
        m[1]!
          .replace(/<[^>]+>/g, '')
          .replace(/\s+/g, ' ')
          .trim(),
      );
    };
    // signature is 600x200: no limit holds it; the only smaller preset served here is banner (468x60).
    expect(items('signature')).toEqual([
      '468×60: too large, use /i/signature-banner.png',
      '500×100: too large, use /i/signature-banner.png',
      '500×150: too large, use /i/signature-banner.png',
    ]);
    expect(items('evil')).toEqual(['468×60: fits', '500×100: fits', '500×150: fits']);
  });

  it('escapes every interpolated string', async () => {
    const { body } = await get('/');
    expect(body).not.toContain('<script>alert');
    expect(body).not.toContain("alert('x')");
    expect(body).toContain('&lt;script&gt;alert(&#39;x&#39;)');
  });

  it('offers each snippet with absolute URLs, exactly as it will be copied', async () => {
    const { body } = await get('/');
    expect(textOf(body, 'snippet-signature-markdown')).toBe(`![Plex server status](${BASE}/i/signature.png)`);
    expect(textOf(body, 'snippet-signature-bbcode')).toBe(`[img]${BASE}/i/signature.png[/img]`);
    expect(textOf(body, 'snippet-signature-url')).toBe(`${BASE}/i/signature.png`);
    expect(textOf(body, 'snippet-signature-discord')).toBe(`${BASE}/embed/signature`);
    expect(textOf(body, 'snippet-signature-html')).toBe(
      `<img src="${BASE}/i/signature.png" srcset="${BASE}/i/signature@2x.png 2x" width="600" height="200" alt="Plex server status">`,
    );
    const picture = textOf(body, 'snippet-signature-picture');
    expect(picture).toContain(`<source media="(prefers-color-scheme: dark)" srcset="${BASE}/i/signature-dark.png">`);
    expect(picture).toContain(`<source media="(prefers-color-scheme: light)" srcset="${BASE}/i/signature-light.png">`);
    // Every copy button names an element that exists.
    for (const [, id] of body.matchAll(/data-copy="([^"]+)"/g)) expect(body).toContain(`id="${id}"`);
  });

  it('keeps the evil alt text harmless inside the snippets too', async () => {
    const { body } = await get('/');
    expect(textOf(body, 'snippet-evil-markdown')).toBe(`![Plex "now" <script>alert('x')</script> & \\[more\\]](${BASE}/i/evil.png)`);
    // Pasted into someone's HTML, the alt attribute cannot break out or open a tag.
    expect(textOf(body, 'snippet-evil-html')).toContain(
      'alt="Plex &quot;now&quot; &lt;script&gt;alert(\'x\')&lt;/script&gt; &amp; [more]"',
    );
  });

  it('serves its stylesheet and script as files', async () => {
    const css = await fetch(`${url}/assets/gallery.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
    const js = await fetch(`${url}/assets/gallery.js`);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(await js.text()).toContain('navigator.clipboard');
  });
});

describe('embed page', () => {
  it('carries OpenGraph and Twitter tags pointing at the absolute versioned image', async () => {
    const { res, body } = await get('/embed/signature');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expectNoInlineCode(body);
    expect(meta(body, 'og:image')).toBe(`${BASE}/v/abc123/signature.png`);
    expect(meta(body, 'twitter:image')).toBe(`${BASE}/v/abc123/signature.png`);
    expect(meta(body, 'twitter:card')).toBe('summary_large_image');
    expect(meta(body, 'og:image:width')).toBe('600');
    expect(meta(body, 'og:image:height')).toBe('200');
    expect(meta(body, 'og:url')).toBe(`${BASE}/embed/signature`);
    expect(meta(body, 'og:title')).toContain('signature');
    expect(meta(body, 'og:description')).toBe('Plex server status');
    expect(img(body, '/v/abc123/signature.png')).toMatchObject({ width: '600', height: '200', alt: 'Plex server status' });
  });

  it('escapes the alt text in meta tags', async () => {
    const { body } = await get('/embed/evil');
    expect(meta(body, 'og:description')).toBe(escapeHtml(EVIL_ALT));
    expect(body).not.toContain('<script>alert');
  });

  it('answers an unknown name with a CSP-protected 404 page that escapes the name', async () => {
    const { res, body } = await get('/embed/%3Cscript%3Ex');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expect(body).toContain('&lt;script&gt;x');
    expect(body).not.toContain('<script>x');
    expectNoInlineCode(body);
  });

  it('answers a failed render with an uncacheable 503 page', async () => {
    renderFails = true;
    try {
      const { res } = await get('/embed/signature');
      expect(res.status).toBe(503);
      expect(res.headers.get('cache-control')).toBe('no-store');
    } finally {
      renderFails = false;
    }
  });
});

describe('snippets', () => {
  it.each([
    ['dark', { dark: 'dark', light: 'light' }],
    ['nord', { dark: 'nord', light: 'nord_light' }],
    ['nord_light', { dark: 'nord', light: 'nord_light' }],
    ['solarized_dark', { dark: 'solarized_dark', light: 'solarized_light' }],
    ['dracula', { dark: 'dark', light: 'light' }],
  ])('pairs %s for <picture>', (theme, pair) => {
    expect(themePair(theme, ['dark', 'light', 'nord', 'nord_light', 'solarized_dark', 'solarized_light', 'dracula'])).toEqual(pair);
  });

  it('omits the <picture> pair when the registry has no dark/light halves', () => {
    const kinds = buildSnippets(images[0]!, BASE, ['dracula']).map((s) => s.kind);
    expect(kinds).toEqual(['markdown', 'bbcode', 'html', 'url', 'discord']);
  });

  it('keeps forum URLs free of query strings and characters [img] filters reject', () => {
    for (const image of images) {
      const bbcode = buildSnippets(image, BASE, THEMES).find((s) => s.kind === 'bbcode')!.text;
      expect(bbcode).toMatch(/^\[img\]https:\/\/[^?&=#\s]+\.png\[\/img\]$/);
    }
  });
});

describe('several servers (issue 20)', () => {
  const SERVERS = [
    { id: 'home', name: 'Home' },
    { id: '4k', name: '4K <b>"UHD"</b>' },
  ];
  let several: Server;
  let base: string;
  const pinned: [string, string | undefined][] = [];

  beforeAll(async () => {
    const app = express();
    app.use(
      pageRoutes({
        images: () => images,
        themes: THEMES,
        servers: SERVERS,
        publicBase: () => ({ url: BASE }),
        versionedPath: async (name, server) => {
          pinned.push([name, server]);
          return images.some((i) => i.name === name) ? `/v/abc123/${server ? `${server}/` : ''}${name}.png` : null;
        },
        staticDir: path.resolve(import.meta.dirname, '../../public'),
      }),
    );
    several = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => several.once('listening', resolve));
    base = `http://127.0.0.1:${(several.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => several.close(() => resolve())));

  const page = async (p: string) => {
    const res = await fetch(`${base}${p}`);
    return { res, body: await res.text() };
  };

  it('lists the network, then each server, each with every image', async () => {
    const { body } = await page('/');
    expectNoInlineCode(body);
    const sections = [...body.matchAll(/<section class="server" id="([^"]+)"/g)].map((m) => m[1]);
    expect(sections).toEqual(['network', 'server-home', 'server-4k']);
    // Each section's previews, in order: the network's at /i/<name>.png, a server's under its id.
    const previews = tags(body, 'img')
      .map((t) => t.src)
      .filter((src) => src?.startsWith('/i/'));
    expect(previews).toEqual([
      '/i/signature.png',
      '/i/evil.png',
      '/i/home/signature.png',
      '/i/home/evil.png',
      '/i/4k/signature.png',
      '/i/4k/evil.png',
    ]);
    expect(img(body, '/i/home/signature.png')).toMatchObject({ width: '600', height: '200', alt: 'Plex server status (Home)' });
  });

  it("offers each server's snippets with its URLs, and the network's as before", async () => {
    const { body } = await page('/');
    expect(textOf(body, 'snippet-signature-bbcode')).toBe(`[img]${BASE}/i/signature.png[/img]`);
    expect(textOf(body, 'snippet-home-signature-bbcode')).toBe(`[img]${BASE}/i/home/signature.png[/img]`);
    expect(textOf(body, 'snippet-4k-signature-markdown')).toBe(`![Plex server status (4K <b>"UHD"</b>)](${BASE}/i/4k/signature.png)`);
    expect(textOf(body, 'snippet-home-signature-discord')).toBe(`${BASE}/embed/home/signature`);
    expect(textOf(body, 'snippet-home-signature-html')).toBe(
      `<img src="${BASE}/i/home/signature.png" srcset="${BASE}/i/home/signature@2x.png 2x" width="600" height="200" alt="Plex server status (Home)">`,
    );
    const picture = textOf(body, 'snippet-4k-signature-picture');
    expect(picture).toContain(`srcset="${BASE}/i/4k/signature-dark.png"`);
    expect(picture).toContain(`srcset="${BASE}/i/4k/signature-light.png"`);
    // Each copy button says which server's image it copies, for a screen reader.
    expect(tags(body, 'button').find((t) => t['data-copy'] === 'snippet-home-signature-bbcode')?.['aria-label']).toBe(
      'Copy BBCode for signature (Home)',
    );
    // Ids are unique, and every copy button names one that exists.
    const ids = [...body.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [, id] of body.matchAll(/data-copy="([^"]+)"/g)) expect(ids).toContain(id);
  });

  it("says the preset path that fits a forum signature under the server's path", async () => {
    const { body } = await page('/');
    const card = body.slice(body.indexOf('id="image-home-signature"'));
    expect(card.slice(0, card.indexOf('</ul>'))).toContain('<code>/i/home/signature-banner.png</code>');
  });

  it('escapes a server name wherever it is shown', async () => {
    const { body } = await page('/');
    expect(body).not.toContain('<b>"UHD"');
    expect(body).toContain('4K &lt;b&gt;&quot;UHD&quot;&lt;/b&gt;');
  });

  it("embeds one server's image: its versioned path, its page URL, its name in the title", async () => {
    pinned.length = 0;
    const { res, body } = await page('/embed/home/signature');
    expect(res.status).toBe(200);
    expectNoInlineCode(body);
    expect(pinned).toEqual([['signature', 'home']]);
    expect(meta(body, 'og:image')).toBe(`${BASE}/v/abc123/home/signature.png`);
    expect(meta(body, 'og:url')).toBe(`${BASE}/embed/home/signature`);
    expect(meta(body, 'og:title')).toBe('signature · Home · Marquee');
    expect(tags(body, 'a').map((a) => a.href)).toEqual(expect.arrayContaining(['/i/home/signature.png', '/#image-home-signature']));
  });

  it('answers an unknown server with a 404 page, asking for no render', async () => {
    pinned.length = 0;
    const { res, body } = await page('/embed/%3Cb%3E/signature');
    expect(res.status).toBe(404);
    expect(body).toContain('There is no server called <code>&lt;b&gt;</code>');
    expect(pinned).toEqual([]);
  });
});

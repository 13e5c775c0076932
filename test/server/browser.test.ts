/**
 * The gallery and embed pages in a real headless Chromium: previews decode, copy buttons put the
 * snippet on the clipboard, and the copied snippets, pasted into a third-party page, show images.
 * Runs against a bare Express app (pages router + PNGs made with sharp), not the renderer.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageRoutes, type PageImage } from '../../src/server/routes/pages.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SKIP_NOTE = HAVE_CHROMIUM ? '' : ` (skipped: ${CHROMIUM} missing; run scripts/install-test-deps.sh as root)`;
const ROOT = path.resolve(import.meta.dirname, '../..');
const SHOTS = path.join(ROOT, 'test-output/screenshots');

const THEMES = ['dark', 'light', 'nord', 'nord_light'];
const COLOURS: Record<string, string> = { dark: '#336699', light: '#c8d8e8', nord: '#3b4252', nord_light: '#d8dee9' };
const images: PageImage[] = [
  { name: 'signature', template: 'signature', theme: 'dark', alt: 'Plex: online, 2 streams', width: 600, height: 200 },
  { name: 'banner', template: 'banner', theme: 'nord', alt: 'Plex banner <b>& friends</b>', width: 468, height: 60 },
  { name: 'userbar', template: 'userbar', theme: 'light', alt: 'Plex userbar', width: 350, height: 19 },
  { name: 'og', template: 'og', theme: 'dark', alt: 'Plex server card', width: 1200, height: 630 },
];

let server: Server;
let url: string;
let dir: string;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];
/** The snippets as the browser copied them, keyed `<name>/<kind>`. */
const copied = new Map<string, string>();

const png = (width: number, height: number, background: string) => sharp({ create: { width, height, channels: 4, background } }).png();

/** Every path shape a snippet may use: plain, @2x and each theme variant. */
async function writeImages(): Promise<void> {
  const writes = images.flatMap(({ name, width, height, theme }) => [
    png(width, height, COLOURS[theme]!).toFile(path.join(dir, `${name}.png`)),
    png(width * 2, height * 2, COLOURS[theme]!).toFile(path.join(dir, `${name}@2x.png`)),
    ...THEMES.map((t) => png(width, height, COLOURS[t]!).toFile(path.join(dir, `${name}-${t}.png`))),
  ]);
  await Promise.all(writes);
}

/** What a forum does with BBCode, reduced to the one tag we emit. */
const bbcodeToHtml = (text: string) => text.replace(/\[img\]([^[]+)\[\/img\]/g, '<img src="$1" alt="">');

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'marquee-browser-'));
  await writeImages();
  const app = express();
  app.use(
    pageRoutes({
      images: () => images,
      themes: THEMES,
      // The address the browser reached (a test on 127.0.0.1 has no other).
      publicBase: (req) => ({ url: `http://127.0.0.1:${req.socket.localPort}` }),
      versionedPath: async (name) => (images.some((i) => i.name === name) ? `/v/test-etag/${name}.png` : null),
      staticDir: path.join(ROOT, 'public'),
    }),
  );
  app.use('/i', express.static(dir, { fallthrough: false }));
  app.get('/v/:etag/:file', (req, res) => res.sendFile(path.join(dir, path.basename(req.params.file))));
  // A stand-in for someone else's site or forum post, built from what the copy buttons produced.
  app.get('/third-party', (_req, res) => {
    const blocks = images.map((i) =>
      ['html', 'picture', 'bbcode'].map((k) => {
        const text = copied.get(`${i.name}/${k}`) ?? '';
        return `<div class="${k}">${k === 'bbcode' ? bbcodeToHtml(text) : text}</div>`;
      }),
    );
    res
      .type('html')
      .send(`<!doctype html><html><head><link rel="icon" href="data:,"></head><body>${blocks.flat().join('\n')}</body></html>`);
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (!HAVE_CHROMIUM) return;

  context = await chromium.launchPersistentContext(mkdtempSync(path.join(dir, 'profile-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1360, height: 900 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  mkdirSync(SHOTS, { recursive: true });
}, 30_000);

afterAll(async () => {
  await context?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** The <img> properties read in page callbacks (which run in the browser, so only casts, no helpers). */
interface Img {
  naturalWidth: number;
  currentSrc: string;
}

/**
 * Waits for every <img> to finish, then lists the ones that did not decode. A string, because
 * page code runs in the browser and names DOM globals this (DOM-less) project cannot type.
 */
const UNDECODED = `(async () => {
  const all = [...document.images];
  await Promise.all(all.map((img) => img.decode().catch(() => undefined)));
  return all.filter((img) => !(img.complete && img.naturalWidth > 0)).map((img) => img.currentSrc || img.src);
})()`;
const undecodedImages = async (p: Page) => (await p.evaluate(UNDECODED)) as string[];

describe('pages in headless Chromium', () => {
  it.skipIf(!HAVE_CHROMIUM)(
    `gallery previews decode and copy buttons copy the shown snippet${SKIP_NOTE}`,
    { timeout: 20_000 },
    async () => {
      await page.goto(`${url}/`, { waitUntil: 'load' });
      expect(await page.locator('.card').count()).toBe(images.length);
      expect(await undecodedImages(page)).toEqual([]);
      const widths = await page.$$eval('.preview img', (els) => els.map((e) => (e as unknown as Img).naturalWidth));
      expect(widths).toEqual(images.map((i) => i.width));

      // One round trip for what every button should copy, then click each in turn.
      const rows = await page.$$eval('button[data-copy]', (buttons) =>
        buttons.map((b) => {
          const id = b.getAttribute('data-copy')!;
          return { id, label: b.getAttribute('aria-label')!, shown: b.ownerDocument.getElementById(id)?.textContent ?? null };
        }),
      );
      expect(rows).toHaveLength(images.length * 6);
      for (const { id, label, shown } of rows) {
        await page.click(`button[data-copy="${id}"]`);
        // The status line, not the 1.6 s button flash: a slow machine could miss the flash.
        await expect.poll(() => page.textContent('#copy-status'), { timeout: 5_000 }).toBe(label.replace(/^Copy /, 'Copied '));
        const clip = (await page.evaluate('navigator.clipboard.readText()')) as string;
        expect(clip).toBe(shown);
        copied.set(id.replace(/^snippet-/, '').replace('-', '/'), clip);
      }
      expect(copied.get('signature/bbcode')).toBe(`[img]${url}/i/signature.png[/img]`);
      expect(copied.get('banner/markdown')).toBe(`![Plex banner <b>& friends</b>](${url}/i/banner.png)`);
      expect(copied.get('banner/picture')).toContain(`srcset="${url}/i/banner-nord_light.png"`);
      expect(problems).toEqual([]);
      // Let the "Copied" flashes settle so the screenshot shows the page as a new user sees it.
      await expect.poll(() => page.locator('button[data-state]').count(), { timeout: 3_000 }).toBe(0);
      await page.mouse.move(0, 0);
      await page.screenshot({ path: path.join(SHOTS, 'gallery.png'), fullPage: true });
      // And on a phone: snippet rows must stack, not overflow.
      await page.setViewportSize({ width: 400, height: 860 });
      await page.evaluate('window.scrollTo(0, 0)');
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(400);
      await page.screenshot({ path: path.join(SHOTS, 'gallery-narrow.png') });
      await page.setViewportSize({ width: 1360, height: 900 });
    },
  );

  it.skipIf(!HAVE_CHROMIUM)(
    `copied HTML, <picture> and BBCode snippets show every image elsewhere${SKIP_NOTE}`,
    { timeout: 10_000 },
    async () => {
      expect(copied.size).toBeGreaterThan(0);
      await page.goto(`${url}/third-party`, { waitUntil: 'load' });
      expect(await page.locator('img').count()).toBe(images.length * 3);
      expect(await undecodedImages(page)).toEqual([]);
      // Chromium runs light by default: the <picture> pairs must pick their light halves.
      const pictured = await page.$$eval('.picture img', (els) => els.map((e) => (e as unknown as Img).currentSrc));
      expect(pictured).toEqual(images.map((i) => `${url}/i/${i.name}-${i.theme === 'nord' ? 'nord_light' : 'light'}.png`));
      await page.emulateMedia({ colorScheme: 'dark' });
      const dark = () => page.$$eval('.picture img', (els) => els.map((e) => (e as unknown as Img).currentSrc));
      // Source selection re-runs asynchronously after the media change.
      await expect.poll(dark).toEqual(images.map((i) => `${url}/i/${i.name}-${i.theme === 'nord' ? 'nord' : 'dark'}.png`));
      await page.screenshot({ path: path.join(SHOTS, 'third-party.png'), fullPage: true });
    },
  );

  it.skipIf(!HAVE_CHROMIUM)(`embed page shows the versioned image named by og:image${SKIP_NOTE}`, { timeout: 10_000 }, async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(`${url}/embed/og`, { waitUntil: 'load' });
    const ogImage = await page.locator('meta[property="og:image"]').getAttribute('content');
    expect(ogImage).toBe(`${url}/v/test-etag/og.png`);
    expect(await undecodedImages(page)).toEqual([]);
    expect(await page.locator('.embed-figure img').evaluate((img) => (img as unknown as Img).currentSrc)).toBe(ogImage);
    expect(problems).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'embed.png'), fullPage: true });
  });
});

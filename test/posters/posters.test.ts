import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPosterCache, demoPosterFor, isThumbPath } from '../../src/posters/index.js';
import { POSTER_HEIGHT, POSTER_WIDTH } from '../../src/posters/process.js';

/** A fake Plex on 127.0.0.1 that records what it was asked. */
const TOKEN = 'secret-token-123';
let server: Server;
let plexUrl: string;
let requests: IncomingMessage[] = [];
let poster: Buffer;

beforeAll(async () => {
  // A sharp-edged test card, so blurring visibly changes it.
  const stripes = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="300">${Array.from({ length: 20 }, (_, i) => `<rect x="${i * 10}" y="0" width="5" height="300" fill="#fff"/>`).join('')}</svg>`,
  );
  poster = await sharp(stripes).flatten({ background: '#000' }).jpeg().toBuffer();
  server = createServer((req, res) => {
    requests.push(req);
    if (req.headers['x-plex-token'] !== TOKEN) return void res.writeHead(401).end();
    if (req.url?.startsWith('/library/metadata/')) return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(poster);
    res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  plexUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));
beforeEach(() => {
  requests = [];
});

const tmp = () => mkdtempSync(join(tmpdir(), 'marquee-posters-'));
const thumb = '/library/metadata/42/thumb/1700000000';

/** Mean absolute difference between neighbouring pixels: high for stripes, low once blurred. */
async function edginess(img: Buffer): Promise<number> {
  const { data, info } = await sharp(img).greyscale().raw().toBuffer({ resolveWithObject: true });
  let sum = 0;
  for (let i = 1; i < info.width; i++) sum += Math.abs((data[i] ?? 0) - (data[i - 1] ?? 0));
  return sum / info.width;
}

describe('poster cache', () => {
  it('fetches from Plex with the token in a header, never in the URL, and caches on disk', async () => {
    const dir = tmp();
    const cache = createPosterCache({ dir, plexUrl, plexToken: TOKEN, mode: 'blur', blurSigma: 8 });
    const a = await cache.get(thumb);
    expect(a).not.toBeNull();
    expect(requests).toHaveLength(1);
    expect(requests[0]?.url).toBe(thumb);
    expect(requests[0]?.url).not.toContain(TOKEN);
    const meta = await sharp(a!).metadata();
    expect([meta.width, meta.height]).toEqual([POSTER_WIDTH, POSTER_HEIGHT]);
    expect(readdirSync(dir)).toHaveLength(1);
    const again = createPosterCache({ dir, plexUrl, plexToken: TOKEN, mode: 'blur', blurSigma: 8 });
    expect((await again.get(thumb))?.equals(a!)).toBe(true);
    expect(requests).toHaveLength(1);
  });

  it('blurs by default strength, shows sharp with "show", and fetches nothing with "hide"', async () => {
    const blurred = await createPosterCache({ dir: tmp(), plexUrl, plexToken: TOKEN, mode: 'blur', blurSigma: 8 }).get(thumb);
    const shown = await createPosterCache({ dir: tmp(), plexUrl, plexToken: TOKEN, mode: 'show', blurSigma: 8 }).get(thumb);
    expect(await edginess(blurred!)).toBeLessThan((await edginess(shown!)) / 4);
    requests = [];
    const hidden = createPosterCache({ dir: tmp(), plexUrl, plexToken: TOKEN, mode: 'hide', blurSigma: 8 });
    expect(await hidden.get(thumb)).toBeNull();
    expect(requests).toHaveLength(0);
  });

  it('refuses thumb paths that could leave the Plex server', async () => {
    for (const bad of ['http://evil.example/x', '//evil.example/x', '/../etc/passwd', 'library/metadata/1', '/a b', '/x?u=http://e']) {
      expect(isThumbPath(bad), bad).toBe(false);
    }
    const cache = createPosterCache({ dir: tmp(), plexUrl, plexToken: TOKEN, mode: 'show', blurSigma: 8 });
    expect(await cache.get('//evil.example/x')).toBeNull();
    expect(requests).toHaveLength(0);
  });

  it('turns Plex errors into null and reports them', async () => {
    const errors: string[] = [];
    const cache = createPosterCache({
      dir: tmp(),
      plexUrl,
      plexToken: 'wrong',
      mode: 'blur',
      blurSigma: 8,
      onError: (t) => errors.push(t),
    });
    expect(await cache.get(thumb)).toBeNull();
    expect(errors).toEqual([thumb]);
  });

  it('dedupes concurrent requests and returns a map for the renderer', async () => {
    const cache = createPosterCache({ dir: tmp(), plexUrl, plexToken: TOKEN, mode: 'blur', blurSigma: 4 });
    const map = await cache.getMany([thumb, thumb, null, '/library/metadata/43/thumb/1']);
    expect([...map.keys()].sort()).toEqual(['/library/metadata/42/thumb/1700000000', '/library/metadata/43/thumb/1']);
    expect(requests).toHaveLength(2);
  });
});

describe('demo posters', () => {
  const demoDir = join(process.cwd(), 'assets/demo-posters');

  it('map each thumb to the same demo poster every time', async () => {
    const files = readdirSync(demoDir).sort();
    expect(files.length).toBeGreaterThanOrEqual(4);
    expect(demoPosterFor(thumb, files)).toBe(demoPosterFor(thumb, files));
    const spread = new Set(Array.from({ length: 40 }, (_, i) => demoPosterFor(`/library/metadata/${i}/thumb/1`, files)));
    expect(spread.size).toBeGreaterThan(3);
  });

  it('serve processed demo art when no Plex is configured', async () => {
    const cache = createPosterCache({ dir: tmp(), mode: 'blur', blurSigma: 8, demoDir });
    const img = await cache.get(thumb);
    expect((await sharp(img!).metadata()).width).toBe(POSTER_WIDTH);
    expect(requests).toHaveLength(0);
  });
});

describe('the poster folder is bounded in bytes', () => {
  const jpgs = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.jpg'));
  const bytesIn = (dir: string) => jpgs(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  const thumbOf = (i: number) => `/library/metadata/${100 + i}/thumb/1`;

  it('keeps the least recently used posters out once their bytes pass diskBytes', async () => {
    // Every thumb gets the same test card, so every processed file has one size: measure it.
    const probe = tmp();
    await createPosterCache({ dir: probe, plexUrl, plexToken: TOKEN, mode: 'show', blurSigma: 0 }).get(thumbOf(0));
    const size = bytesIn(probe);
    expect(size).toBeGreaterThan(0);

    const dir = tmp();
    const cache = createPosterCache({ dir, plexUrl, plexToken: TOKEN, mode: 'show', blurSigma: 0, diskBytes: Math.floor(3.5 * size) });
    for (const i of [0, 1, 2]) await cache.get(thumbOf(i));
    // Poster 0 is drawn again (from memory): the least recently used is now poster 1.
    await cache.get(thumbOf(0));
    await cache.get(thumbOf(3));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(jpgs(dir)).toHaveLength(3);
    expect(bytesIn(dir)).toBeLessThanOrEqual(3.5 * size);
    // Poster 1's file is the one that went: a new cache over the folder fetches it again, not 0.
    requests = [];
    const fresh = createPosterCache({ dir, plexUrl, plexToken: TOKEN, mode: 'show', blurSigma: 0, diskBytes: 10 * size });
    await fresh.get(thumbOf(0));
    expect(requests).toHaveLength(0);
    await fresh.get(thumbOf(1));
    expect(requests).toHaveLength(1);
  });

  it('trims a folder left larger than the bound, and its interrupted writes, when it starts', async () => {
    const dir = tmp();
    const big = createPosterCache({ dir, plexUrl, plexToken: TOKEN, mode: 'show', blurSigma: 0 });
    for (const i of [0, 1, 2, 3]) await big.get(thumbOf(i));
    const size = bytesIn(dir) / 4;
    writeFileSync(join(dir, 'x.jpg.123.456.tmp'), 'half a poster');
    const small = createPosterCache({ dir, plexUrl, plexToken: TOKEN, mode: 'show', blurSigma: 0, diskBytes: Math.floor(2.5 * size) });
    await small.get(thumbOf(9));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(bytesIn(dir)).toBeLessThanOrEqual(2.5 * size);
  });
});

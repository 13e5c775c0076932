import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng, pngChunks } from '../support/png.js';
import { startTestMarquee } from '../support/marquee-instance.js';

let marquee: Awaited<ReturnType<typeof startTestMarquee>>;
const NOW = Date.UTC(2026, 8, 21, 12, 0, 0);

beforeAll(async () => {
  marquee = await startTestMarquee({ clock: () => NOW });
});
afterAll(async () => {
  await marquee?.stop();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${marquee.url}${path}`, { headers });
const png = async (res: Response) => decodePng(Buffer.from(await res.arrayBuffer()));

describe('image routes', () => {
  it.each([
    ['/i/signature.png', 600, 200],
    ['/i/signature@2x.png', 1200, 400],
    ['/i/signature-light.png', 600, 200],
    ['/i/banner.png', 468, 60],
    ['/i/signature.png?scale=2&theme=light', 1200, 400],
    // Size presets: the same image definition drawn by another template.
    ['/i/signature.png?size=card', 500, 100],
    ['/i/signature-light@2x.png?size=banner', 936, 120],
    // The same presets without a query string, for [img] filters that refuse one.
    ['/i/signature-banner.png', 468, 60],
    ['/i/signature-card@2x.png', 1000, 200],
    ['/i/signature-banner-light@2x.png', 936, 120],
    ['/i/og-userbar-nord.png', 350, 19],
  ])('%s is a %ix%i PNG', async (path, width, height) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    const image = await png(res);
    expect([image.width, image.height]).toEqual([width, height]);
  });

  it('serves the same bytes for the same snapshot and parameters, in any key order', async () => {
    const a = Buffer.from(await (await get('/i/signature.png?text_color=ff0000&title_color=00ff00')).arrayBuffer());
    const b = Buffer.from(await (await get('/i/signature.png?title_color=00ff00&text_color=ff0000')).arrayBuffer());
    expect(a.equals(b)).toBe(true);
  });

  it('draws a path preset exactly as the query preset it spells', async () => {
    const byPath = Buffer.from(await (await get('/i/signature-banner-light@2x.png')).arrayBuffer());
    const byQuery = Buffer.from(await (await get('/i/signature.png?size=banner&theme=light&scale=2')).arrayBuffer());
    expect(byPath.equals(byQuery)).toBe(true);
  });

  it('carries no metadata chunks', async () => {
    const chunks = pngChunks(Buffer.from(await (await get('/i/signature.png')).arrayBuffer()));
    expect(chunks.every((c) => ['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND'].includes(c))).toBe(true);
  });
});

describe('SVG', () => {
  it.each([
    ['/i/signature.svg', 600, 200],
    ['/i/signature@2x.svg', 1200, 400],
    ['/i/signature-banner-light.svg', 468, 60],
  ])('%s is an image/svg+xml document of %ix%i', async (path, width, height) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; img-src data:; style-src 'unsafe-inline'");
    const text = await res.text();
    expect(text).toMatch(new RegExp(`<svg [^>]*width="${width}" height="${height}"`));
  });

  it("has an ETag of its own, the PNG's caching, and answers a revalidation with 304", async () => {
    const svg = await get('/i/signature.svg');
    const png = await get('/i/signature.png');
    const etag = svg.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(etag).not.toBe(png.headers.get('etag'));
    expect(svg.headers.get('cache-control')).toBe(png.headers.get('cache-control'));
    expect(svg.headers.get('last-modified')).toBe(png.headers.get('last-modified'));
    expect((await get('/i/signature.svg', { 'If-None-Match': etag })).status).toBe(304);
  });

  it('answers a bad parameter with a drawn error, as the PNG route does', async () => {
    const res = await get('/i/signature.svg?bg_color=zz');
    expect(res.status).toBe(400);
    expect((await png(res)).width).toBe(600);
  });
});

describe('HTTP caching', () => {
  it('answers a matching If-None-Match with 304 and the same validators', async () => {
    const first = await get('/i/signature.png');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('last-modified')).toBe(new Date(NOW).toUTCString());
    const again = await get('/i/signature.png', { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
  });

  it('answers If-Modified-Since at or after Last-Modified with 304, and an earlier one with the image', async () => {
    const lastModified = (await get('/i/signature.png')).headers.get('last-modified')!;
    expect((await get('/i/signature.png', { 'If-Modified-Since': lastModified })).status).toBe(304);
    const later = new Date(Date.parse(lastModified) + 3_600_000).toUTCString();
    expect((await get('/i/signature.png', { 'If-Modified-Since': later })).status).toBe(304);
    const earlier = new Date(Date.parse(lastModified) - 1000).toUTCString();
    expect((await get('/i/signature.png', { 'If-Modified-Since': earlier })).status).toBe(200);
    // If-None-Match wins when both are sent (RFC 9110): a stale ETag gets the image.
    expect((await get('/i/signature.png', { 'If-Modified-Since': later, 'If-None-Match': '"old"' })).status).toBe(200);
    expect((await get('/i/signature.png', { 'If-Modified-Since': 'not a date' })).status).toBe(200);
  });

  it('gives different parameters different ETags', async () => {
    const a = (await get('/i/signature.png')).headers.get('etag');
    const b = (await get('/i/signature.png?theme=light')).headers.get('etag');
    expect(a).not.toBe(b);
  });

  it.each([
    ['', 'public, max-age=60, stale-while-revalidate=60'],
    ['?cache_seconds=3600', 'public, max-age=3600, stale-while-revalidate=3600'],
    // A request may not shorten caching below the owner's floor (30 s by default).
    ['?cache_seconds=1', 'public, max-age=30, stale-while-revalidate=60'],
  ])('Cache-Control for %j is %s', async (query, expected) => {
    expect((await get(`/i/signature.png${query}`)).headers.get('cache-control')).toBe(expected);
  });

  it('shares one render among concurrent misses for the same key', async () => {
    const before = marquee.renders.renderCount;
    const responses = await Promise.all(Array.from({ length: 12 }, () => get('/i/signature.png?border_radius=7')));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(marquee.renders.renderCount - before).toBe(1);
  });
});

describe('never a broken image', () => {
  it.each([
    ['/i/nope.png', 404],
    ['/i/signature.png?scale=9', 400],
    ['/i/signature.png?theme=nope', 400],
    ['/i/signature-nope.png', 400],
    ['/i/signature-banner-nope.png', 400],
    ['/i/signature-light-banner.png', 400],
    ['/i/signature.png?bg_color=zzz', 400],
    ['/i/signature.png?locale=%%%', 400],
    ['/i/signature.png?size=huge', 400],
    ['/i/signature.png?size=../og', 400],
    ['/i/..%2f..%2fetc%2fpasswd.png', 404],
  ])('%s answers %i with a valid PNG', async (path, status) => {
    const res = await get(path);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('cache-control')).toBe('public, max-age=15');
    const image = await png(res);
    expect(image.width).toBeGreaterThan(0);
    expect(image.colours).toBeGreaterThan(2);
  });

  it('draws a bad-parameter error at the size of the image asked for', async () => {
    const image = await png(await get('/i/banner.png?scale=7'));
    expect([image.width, image.height]).toEqual([468, 60]);
  });

  it('ignores unknown query keys', async () => {
    expect((await get('/i/signature.png?utm_source=forum')).status).toBe(200);
  });

  it('answers JSON routes with JSON errors', async () => {
    const res = await get('/i/nope.json');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'unknown image' });
  });
});

describe('error images', () => {
  it('draws a client error at 1x, whatever scale was asked for', async () => {
    const res = await get('/i/signature@2x.png?bg_color=zz');
    expect(res.status).toBe(400);
    expect([(await png(res)).width, (await png(await get('/i/og@2x.png?bg_color=zz'))).width]).toEqual([600, 1200]);
  });

  it("sends the renderer's own error image for the image, theme and reason", async () => {
    const body = Buffer.from(await (await get('/i/signature-light@2x.png?bg_color=zz')).arrayBuffer());
    const expected = await marquee.renderer.renderError({ template: 'signature', theme: 'light', scale: 1, message: 'bad bg_color' });
    expect(body.equals(expected.png)).toBe(true);
  });

  it('draws each error image once, however many URLs ask for it', async () => {
    await get('/v/never0/og@2x.png');
    const before = marquee.renders.errorRenderCount;
    const statuses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => get(i % 2 ? `/v/never${i}/og@2x.png` : `/v/never${i}/og-nope${i}.png`).then((r) => r.status)),
    );
    expect(new Set(statuses)).toEqual(new Set([404, 400]));
    // One new drawing at most: the unknown theme's error is drawn in the image's theme.
    expect(marquee.renders.errorRenderCount - before).toBeLessThanOrEqual(1);
  });
});

describe('data routes', () => {
  it('serves the shields.io endpoint schema', async () => {
    const body = (await (await get('/i/status.shields.json')).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ schemaVersion: 1, label: 'plex', isError: false, namedLogo: 'plex' });
    expect(body.message).toMatch(/^(online|busy|overloaded)/);
  });

  it('gives the data an ETag that follows its bytes and answers a revalidation with 304', async () => {
    const seen = new Map<string, string>();
    for (const path of ['/i/signature.json', '/i/status.shields.json', '/i/signature-light.json']) {
      const res = await get(path);
      const body = Buffer.from(await res.arrayBuffer()).toString('utf8');
      const etag = res.headers.get('etag')!;
      expect(etag).toMatch(/^"[\w-]+"$/);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      // The same bytes, the same tag; other bytes, another tag.
      expect((await get(path)).headers.get('etag')).toBe(etag);
      for (const [other, otherEtag] of seen) expect(etag === otherEtag, `${path} vs its twin`).toBe(body === other);
      seen.set(body, etag);
      expect((await get(path, { 'If-None-Match': etag })).status).toBe(304);
    }
  });

  it('serves the data behind an image', async () => {
    const body = (await (await get('/i/signature.json')).json()) as { snapshot: { version: number } };
    expect(body.snapshot.version).toBe(1);
  });
});

describe('versioned URLs', () => {
  const embedded = async (name: string) => {
    const html = await (await get(`/embed/${name}`)).text();
    return /<meta property="og:image" content="http:\/\/127\.0\.0\.1:\d+(\/v\/([\w-]+)\/[\w.]+)"/.exec(html);
  };

  it('serve what /embed pinned, with an immutable cache policy and the ETag of /i/ at that moment', async () => {
    const current = (await get('/i/og.png')).headers.get('etag')!;
    const [, path, etag] = (await embedded('og'))!;
    expect(`"${etag}"`).toBe(current);
    const res = await get(path!);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('etag')).toBe(current);
    const again = await get(path!, { 'If-None-Match': current });
    expect(again.status).toBe(304);
  });

  it('serve a pin only under the file it was pinned for', async () => {
    const [, , etag] = (await embedded('og'))!;
    expect((await get(`/v/${etag}/signature.png`)).status).toBe(404);
    expect((await get(`/v/${etag}/og@2x.png`)).status).toBe(404);
  });

  it('refuse the current version of an image nobody pinned, and draw nothing for it', async () => {
    const current = (await get('/i/banner.png?bg_color=123456')).headers.get('etag')!;
    const renders = marquee.renders.renderCount;
    const res = await get(`/v/${current.slice(1, -1)}/banner.png`);
    expect(res.status).toBe(404);
    expect((await png(res)).width).toBe(468);
    expect(marquee.renders.renderCount).toBe(renders);
  });

  it('refuse versions that were never rendered', async () => {
    const res = await get('/v/AAAAAAAAAAAAAAAAAAAAAAAAAAA/signature.png');
    expect(res.status).toBe(404);
    expect((await png(res)).width).toBe(600);
  });
});

describe('hardening', () => {
  it('sends security headers and lets other sites embed images', async () => {
    const res = await get('/i/signature.png');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe('a render that straddles a minute', () => {
  it('sends the ETag of the image it sends, even when the clock moves on mid-request', async () => {
    let t = NOW;
    let ticking = false;
    // Every reading of the clock during the request lands in the next minute.
    const m = await startTestMarquee({ clock: () => (ticking ? (t += 60_000) : t) });
    try {
      ticking = true;
      const res = await fetch(`${m.url}/i/signature.png?bg_color=123456`);
      ticking = false;
      expect(res.status).toBe(200);
      const body = Buffer.from(await res.arrayBuffer());
      const entry = m.renders.peek(res.headers.get('etag')!);
      expect(entry?.png.equals(body)).toBe(true);
    } finally {
      await m.stop();
    }
  });
});

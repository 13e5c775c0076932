import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { FIXTURE_NOW_MS } from '../support/fixtures.js';
import { decodePng } from '../support/png.js';
import { collectServers, startServing, type CollectedServer, type ServingRig } from './network-rig.js';

/**
 * Issue 20's URLs over real HTTP: `/i/<name>.png` is the network, `/i/<server>/<name>.png` one
 * server's image with every suffix a one-server image has, `/v/<etag>/<server>/<file>` its pinned
 * versions, an unknown server the usual 404 image at no cost beyond the cached error image. The
 * servers' snapshots come from the producer-faithful generator's files (network-rig.ts); expected
 * bodies are the renderer's own output for the snapshot each provider holds.
 */

const NOW = FIXTURE_NOW_MS + 30_000;
const MINUTE = Math.floor(NOW / 60_000) * 60_000;

let servers: CollectedServer[];
let network: Snapshot;
let cleanup: () => void;
let rig: ServingRig;

beforeAll(async () => {
  ({ servers, network, cleanup } = await collectServers(2));
  rig = await startServing({ servers, network, clock: () => NOW });
}, 60_000);
afterAll(async () => {
  await rig?.stop();
  cleanup?.();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${rig.url}${path}`, { headers });
const bytes = async (res: Response) => Buffer.from(await res.arrayBuffer());
const home = () => servers[0]!;
const fourK = () => servers[1]!;

/** The renderer's own drawing of `template` for a snapshot, as the routes must send it. */
async function drawn(snapshot: Snapshot | null, template = 'status', theme = 'dark', scale: 1 | 2 = 1): Promise<Buffer> {
  const renderer = rig.renderer;
  expect(renderer.postersFor(template, snapshot)).toEqual([]);
  const image = await renderer.render({
    snapshot,
    history: [],
    template,
    theme,
    params: { scale, locale: 'en', timeZone: 'UTC' },
    now: MINUTE,
    staleAfterMs: 300_000,
  });
  return image.png;
}

describe('the fixtures', () => {
  it('are two servers with different live activity, as the test needs', () => {
    expect(servers.map((s) => s.id)).toEqual(['home', '4k']);
    expect(home().snapshot.activity).not.toEqual(fourK().snapshot.activity);
    expect(network.network?.servers).toBe(2);
  });
});

describe('/i/<server>/<file>', () => {
  it.each([
    ['/i/home/signature.png', 600, 200],
    ['/i/4k/signature@2x.png', 1200, 400],
    ['/i/home/signature-light.png', 600, 200],
    ['/i/4k/signature-banner.png', 468, 60],
    ['/i/home/signature-banner-nord@2x.png', 936, 120],
    ['/i/4k/signature.png?size=card&theme=light', 500, 100],
  ])('%s is a %ix%i PNG', async (path, width, height) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const image = decodePng(await bytes(res));
    expect([image.width, image.height]).toEqual([width, height]);
  });

  it("draws each server's own snapshot, and the network at /i/<name>.png", async () => {
    // Templates without posters (those are fetched and blurred outside the renderer).
    for (const [path, snapshot] of [
      ['/i/home/status.png', home().snapshot],
      ['/i/4k/status.png', fourK().snapshot],
      ['/i/status.png', network],
    ] as const) {
      expect((await bytes(await get(path))).equals(await drawn(snapshot)), path).toBe(true);
    }
    const themed = await bytes(await get('/i/4k/health-light@2x.png'));
    expect(themed.equals(await drawn(fourK().snapshot, 'health', 'light', 2))).toBe(true);
    expect(themed.equals(await drawn(home().snapshot, 'health', 'light', 2))).toBe(false);
  });

  it("serves each server's data behind the image, the network's at /i/<name>.json", async () => {
    const body = async (path: string) => ((await (await get(path)).json()) as { snapshot: unknown }).snapshot;
    expect(await body('/i/home/signature.json')).toEqual(JSON.parse(JSON.stringify(home().snapshot)));
    expect(await body('/i/4k/signature-light.json')).toEqual(JSON.parse(JSON.stringify(fourK().snapshot)));
    expect(await body('/i/signature.json')).toEqual(JSON.parse(JSON.stringify(network)));
  });

  it("gives a server's shields badge its own numbers", async () => {
    const badge = async (path: string) => ((await (await get(path)).json()) as { message: string }).message;
    const streams = (s: Snapshot) => s.activity?.streamCount ?? 0;
    for (const [path, snapshot] of [
      ['/i/home/nowplaying.shields.json', home().snapshot],
      ['/i/4k/nowplaying.shields.json', fourK().snapshot],
    ] as const) {
      const n = streams(snapshot);
      expect(await badge(path)).toMatch(n === 0 ? /^nothing$/ : new RegExp(`^${n} streams?`));
    }
  });

  it('serves SVG per server, with its own ETag', async () => {
    const svg = await get('/i/home/signature.svg');
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(await svg.text()).toMatch(/<svg [^>]*width="600" height="200"/);
    expect(svg.headers.get('etag')).not.toBe((await get('/i/4k/signature.svg')).headers.get('etag'));
  });
});

describe('ETags and caches tell servers apart', () => {
  it('gives the same image of two servers different ETags, and answers each its own 304', async () => {
    const a = (await get('/i/home/signature.png')).headers.get('etag')!;
    const b = (await get('/i/4k/signature.png')).headers.get('etag')!;
    const n = (await get('/i/signature.png')).headers.get('etag')!;
    expect(new Set([a, b, n]).size).toBe(3);
    expect((await get('/i/home/signature.png', { 'If-None-Match': a })).status).toBe(304);
    expect((await get('/i/4k/signature.png', { 'If-None-Match': a })).status).toBe(200);
  });

  it('never serves one server the render of another, even for snapshots of the same moment and the same content', async () => {
    // One cycle stamps every server's snapshot with the same takenAt; here 4k holds Home's very
    // snapshot, so only the server in the key can keep the cache entries apart.
    const held = rig.providers.get('4k')!;
    const own = held.snapshot;
    try {
      held.snapshot = { ...home().snapshot, state: home().snapshot.state === 'offline' ? 'online' : 'offline' };
      expect(held.snapshot.takenAt).toBe(home().snapshot.takenAt);
      const [x, y] = await Promise.all([get('/i/home/status.png?bg_color=102030'), get('/i/4k/status.png?bg_color=102030')]);
      expect(x.headers.get('etag')).not.toBe(y.headers.get('etag'));
      const [bx, by] = [await bytes(x), await bytes(y)];
      expect(bx.equals(by)).toBe(false);
      held.snapshot = home().snapshot;
      const same = await get('/i/4k/signature.png?bg_color=203040');
      expect(same.headers.get('etag')).not.toBe((await get('/i/home/signature.png?bg_color=203040')).headers.get('etag'));
    } finally {
      held.snapshot = own;
    }
  });

  it("replays a server's answer until that server's snapshot changes, whatever the others do", async () => {
    const counts = rig.serving.microCache.counts;
    const path = '/i/home/banner.png?bg_color=334455';
    const first = await get(path);
    const before = { ...counts };
    expect((await bytes(await get(path))).equals(await bytes(first))).toBe(true);
    expect(counts.replayed - before.replayed).toBe(1);

    // Another server's new snapshot leaves Home's recording alone.
    const other = rig.providers.get('4k')!;
    const otherOwn = other.snapshot;
    other.snapshot = { ...fourK().snapshot };
    await get(path);
    expect(counts.replayed - before.replayed).toBe(2);
    other.snapshot = otherOwn;

    // Home's own new snapshot is drawn at once, not up to a second later.
    const held = rig.providers.get('home')!;
    const own = held.snapshot;
    try {
      held.snapshot = { ...home().snapshot, takenAt: home().snapshot.takenAt + 1_000 };
      const fresh = await get(path);
      expect(counts.replayed - before.replayed).toBe(2);
      expect(fresh.headers.get('etag')).not.toBe(first.headers.get('etag'));
    } finally {
      held.snapshot = own;
    }
  });
});

describe('an unknown server', () => {
  it.each([
    ['/i/nope/signature.png', 600, 200],
    ['/i/nope/og-light@2x.png', 1200, 630],
    // The network's store key is not a server: nothing is ever served from it by id.
    ['/i/_network/signature.png', 600, 200],
    ['/i/HOME/banner.png', 468, 60],
    ['/i/a%2Fb/signature.png', 600, 200],
  ])('%s answers 404 with the error image at the size of the image asked for (at 1x)', async (path, width, height) => {
    const res = await get(path);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('cache-control')).toBe('public, max-age=15');
    const image = decodePng(await bytes(res));
    expect([image.width, image.height]).toEqual([width, height]);
  });

  it("is the renderer's own error image in the theme asked for", async () => {
    const body = await bytes(await get('/i/nope/signature-light.png'));
    const expected = await rig.renderer.renderError({ template: 'signature', theme: 'light', scale: 1, message: 'unknown server' });
    expect(body.equals(expected.png)).toBe(true);
  });

  it('answers its data routes with JSON errors', async () => {
    const res = await get('/i/nope/signature.json');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'unknown server' });
    const badge = await get('/i/nope/status.shields.json');
    expect(badge.status).toBe(404);
    expect(await badge.json()).toMatchObject({ schemaVersion: 1, isError: true, message: 'unknown server' });
  });

  it('costs a flood nothing beyond the cached error image: no render, no snapshot read', async () => {
    await get('/i/nope/signature.png');
    const renders = rig.serving.renders.renderCount;
    const errors = rig.serving.renders.errorRenderCount;
    const reads = [...rig.providers.values()].map((p) => p.reads);
    const statuses = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        get(i % 3 === 2 ? `/v/${'A'.repeat(26)}${i % 10}/s${i}/signature.png` : `/i/server-${i}/signature.png`).then((r) => r.status),
      ),
    );
    expect(new Set(statuses)).toEqual(new Set([404]));
    expect(rig.serving.renders.renderCount).toBe(renders);
    expect(rig.serving.renders.errorRenderCount).toBe(errors);
    expect([...rig.providers.values()].map((p) => p.reads)).toEqual(reads);
  });
});

describe('/embed/<server>/<name> and /v/<etag>/<server>/<file>', () => {
  const embedded = async (path: string) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    const html = await res.text();
    const m = /<meta property="og:image" content="http:\/\/127\.0\.0\.1:\d+(\/v\/([\w-]+)\/([\w./-]+))"/.exec(html);
    expect(m).not.toBeNull();
    return { html, path: m![1]!, etag: m![2]!, rest: m![3]! };
  };

  it("pins a server's image under a path that carries the server, with the bytes and ETag of /i/ at that moment", async () => {
    const live = await get('/i/4k/og.png');
    const { path, etag, rest, html } = await embedded('/embed/4k/og');
    expect(rest).toBe('4k/og.png');
    expect(`"${etag}"`).toBe(live.headers.get('etag'));
    expect(html).toMatch(/<meta property="og:url" content="http:\/\/127\.0\.0\.1:\d+\/embed\/4k\/og"/);
    expect(html).toContain('4K');
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await bytes(res)).equals(await bytes(live))).toBe(true);
    expect((await get(path, { 'If-None-Match': `"${etag}"` })).status).toBe(304);
  });

  it("serves a pin only under its own server's path", async () => {
    const { etag } = await embedded('/embed/home/og');
    expect((await get(`/v/${etag}/home/og.png`)).status).toBe(200);
    expect((await get(`/v/${etag}/og.png`)).status).toBe(404);
    expect((await get(`/v/${etag}/4k/og.png`)).status).toBe(404);
    expect((await get(`/v/${etag}/nope/og.png`)).status).toBe(404);
  });

  it('pins the network at /v/<etag>/<file>, as before', async () => {
    const { rest } = await embedded('/embed/og');
    expect(rest).toBe('og.png');
  });

  it('answers an unknown server with a 404 page, drawing and pinning nothing', async () => {
    const renders = rig.serving.renders.renderCount;
    const res = await get('/embed/nope/og');
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('There is no server called <code>nope</code>');
    expect((await get('/embed/home/nope')).status).toBe(404);
    expect(rig.serving.renders.renderCount).toBe(renders);
  });
});

describe("an unknown server's 404 is charged to no render budget", () => {
  let tight: ServingRig;
  beforeAll(async () => {
    // One unit a minute: the pixels of one 1x signature (render-budget.ts).
    tight = await startServing({ servers, network, clock: () => NOW, yaml: 'server:\n  rateLimitPerMinute: 1\n' });
  });
  afterAll(() => tight?.stop());

  it('leaves the whole budget for a real render after a flood of unknown ids', async () => {
    const at = (path: string) => fetch(`${tight.url}${path}`).then(async (r) => ({ status: r.status, body: await bytes(r) }));
    const flood = await Promise.all(Array.from({ length: 40 }, (_, i) => at(`/i/flood-${i}/signature@2x.png`)));
    expect(flood.every((r) => r.status === 404)).toBe(true);
    expect(tight.serving.renders.renderCount).toBe(0);
    const first = await at('/i/home/signature.png');
    expect(first.status).toBe(200);
    expect(decodePng(first.body).width).toBe(600);
    // The budget is real: the next new render of this minute is refused.
    expect((await at('/i/4k/signature.png')).status).toBe(429);
  });
});

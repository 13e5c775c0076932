import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ResponseMicroCache } from '../../src/server/micro-cache.js';

/**
 * The one-second replay in front of Express: it may only ever repeat what the image route itself
 * answered, for the same URL, under the same snapshot, within its time to live.
 */
describe('response micro-cache', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function rig() {
    const state = { now: 1_000, generation: 1, hits: 0, etag: '"v1"' };
    const cache = new ResponseMicroCache({ ttlMs: 1_000, maxBytes: 1 << 20, clock: () => state.now, generation: () => state.generation });
    const app = express();
    // Shaped like the image routes: take a recorder on arrival, hand it what is sent.
    app.get('/i/:file', (req, res) => {
      const record = cache.recorder(req);
      state.hits++;
      res.set({ ETag: state.etag, 'Cache-Control': 'public, max-age=60' });
      if (req.headers['if-none-match'] === state.etag) {
        res.status(304);
        record?.(res);
        return void res.end();
      }
      if (req.params.file === 'broken.png') {
        const body = Buffer.from('x');
        res.status(500).type('image/png');
        record?.(res, body);
        return void res.end(body);
      }
      const body = Buffer.from(`png of ${req.originalUrl} #${state.hits}`);
      res.status(200).type('image/png');
      record?.(res, body);
      res.end(body);
    });
    app.get('/health', (req, res) => {
      // Not an image path: no recorder is handed out.
      expect(cache.recorder(req)).toBeUndefined();
      state.hits++;
      res.json({ hits: state.hits });
    });
    server = createServer((req, res) => {
      if (!cache.serve(req, res)) app(req, res);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const res = await fetch(base + path, { headers });
      return { status: res.status, body: Buffer.from(await res.arrayBuffer()).toString(), headers: res.headers };
    };
    return { state, get, cache };
  }

  it('replays a 200 image answer byte for byte, headers included, without reaching the route', async () => {
    const { state, get, cache } = await rig();
    const first = await get('/i/signature.png?theme=dark');
    const again = await get('/i/signature.png?theme=dark');
    expect(state.hits).toBe(1);
    expect(cache.counts).toEqual({ replayed: 1, passed: 1 });
    expect(again).toMatchObject({ status: 200, body: first.body });
    expect(again.headers.get('etag')).toBe('"v1"');
    expect(again.headers.get('cache-control')).toBe('public, max-age=60');
    expect(again.headers.get('content-type')).toBe('image/png');
  });

  it('answers a matching revalidation with a 304 from the recording, and a stale validator through the route', async () => {
    const { state, get } = await rig();
    await get('/i/signature.png');
    expect(await get('/i/signature.png', { 'If-None-Match': '"v1"' })).toMatchObject({ status: 304, body: '' });
    expect(state.hits).toBe(1);
    const other = await get('/i/signature.png', { 'If-None-Match': '"v0"' });
    expect(other.status).toBe(200);
    expect(state.hits).toBe(1);
  });

  it('remembers a 304 the route gave, but never invents a body for it', async () => {
    const { state, get } = await rig();
    expect((await get('/i/card.png', { 'If-None-Match': '"v1"' })).status).toBe(304);
    expect((await get('/i/card.png', { 'If-None-Match': '"v1"' })).status).toBe(304);
    expect(state.hits).toBe(1);
    expect((await get('/i/card.png')).status).toBe(200);
    expect(state.hits).toBe(2);
  });

  it('forgets everything when a new snapshot arrives, and after its time to live', async () => {
    const { state, get } = await rig();
    await get('/i/signature.png');
    state.generation = 2;
    await get('/i/signature.png');
    expect(state.hits).toBe(2);
    state.now += 999;
    await get('/i/signature.png');
    expect(state.hits).toBe(2);
    state.now += 2;
    expect((await get('/i/signature.png')).body).toContain('#3');
  });

  it('replays data answers (.json) as it does images', async () => {
    const { state, get } = await rig();
    const first = await get('/i/status.shields.json');
    expect((await get('/i/status.shields.json')).body).toBe(first.body);
    expect(state.hits).toBe(1);
  });

  it('keys on the exact URL and records neither errors nor other routes', async () => {
    const { state, get } = await rig();
    await get('/i/signature.png?theme=dark');
    await get('/i/signature.png?theme=light');
    await get('/i/broken.png');
    await get('/i/broken.png');
    await get('/health');
    await get('/health');
    expect(state.hits).toBe(6);
  });
});

describe('response micro-cache with several servers (issue 20)', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it("replays a server's answers until that server's snapshot changes, whatever the other servers' do", async () => {
    const generations = new Map([
      ['', 1],
      ['home', 1],
      ['4k', 1],
    ]);
    let hits = 0;
    const cache = new ResponseMicroCache({
      ttlMs: 1_000,
      maxBytes: 1 << 20,
      clock: () => 1_000,
      generation: (key) => generations.get(key),
    });
    const app = express();
    const route = (req: express.Request, res: express.Response) => {
      const record = cache.recorder(req, typeof req.params.server === 'string' ? req.params.server : '');
      const body = Buffer.from(`#${++hits}`);
      res.status(200).set('ETag', `"${hits}"`).type('image/png');
      record?.(res, body);
      res.end(body);
    };
    app.get('/i/:file', route);
    app.get('/i/:server/:file', route);
    app.get('/v/:etag/:server/:file', route);
    server = createServer((req, res) => {
      if (!cache.serve(req, res)) app(req, res);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const body = async (path: string) => (await fetch(base + path)).text();

    const paths = ['/i/signature.png', '/i/home/signature.png', '/i/4k/signature.png', '/v/abc/home/og.png'];
    const first = await Promise.all(paths.map(body));
    expect(await Promise.all(paths.map(body))).toEqual(first);
    expect(hits).toBe(4);

    generations.set('4k', 2);
    const after = await Promise.all(paths.map(body));
    // Only the 4K server's recording went through the route again.
    expect(after.map((b, i) => b === first[i])).toEqual([true, true, false, true]);
    expect(hits).toBe(5);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestMarquee } from '../support/marquee-instance.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixtures, type FixturePaths } from '../../fixtures/generator/index.js';
import type { Marquee } from '../../src/main.js';
import { FIXTURE_NOW_MS, FIXTURE_NOW_S } from '../support/fixtures.js';
import { decodePng } from '../support/png.js';

/**
 * The several-server routes (issue 20) on a real Marquee: main.ts's wiring, real collectors over two
 * servers' generated files (Home and 4K), the SQLite store and pin store, HTTP on 127.0.0.1. What
 * the routes must do with what the collectors produce: each server's image drawn from that server's
 * own latest snapshot, the gallery naming the servers of the config, and a server's versioned URL
 * surviving a restart on the same data directory.
 */

const clock = () => FIXTURE_NOW_MS + 30_000;
let dir: string;
const files: FixturePaths[] = [];
const running: Marquee[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'marquee-routes-live-'));
  for (const server of [0, 1])
    files.push(generateFixtures(path.join(dir, `s${server}`), { profile: 'tiny', seed: 7, now: FIXTURE_NOW_S, server }));
}, 60_000);
afterAll(async () => {
  await Promise.all(running.map((m) => m.stop()));
  rmSync(dir, { recursive: true, force: true });
});

const YAML = () =>
  'servers:\n' +
  [
    ['home', 'Home'],
    ['4k', '4K'],
  ]
    .map(
      ([id, name], i) =>
        `  - id: ${id}\n    name: ${name}\n    plex: { db: ${JSON.stringify(files[i]!.plexDb)} }\n    tautulli: { db: ${JSON.stringify(files[i]!.tautulliDb)} }\n`,
    )
    .join('');

async function start(dataDir: string): Promise<Marquee & { url: string }> {
  const marquee = await startTestMarquee({ yaml: YAML(), noDatabases: true, clock, dataDir });
  running.push(marquee);
  return marquee;
}

async function stop(m: Marquee): Promise<void> {
  running.splice(running.indexOf(m), 1);
  await m.stop();
}

const body = async (res: Response) => Buffer.from(await res.arrayBuffer());

describe('several servers on a real Marquee', () => {
  let m: Marquee & { url: string };
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(dir, 'data-'));
    m = await start(dataDir);
  }, 60_000);

  it("serves each server's own latest snapshot at /i/<server>/<name>.json, and the network's at /i/<name>.json", async () => {
    const snapshot = async (p: string) => ((await (await fetch(`${m.url}${p}`)).json()) as { snapshot: unknown }).snapshot;
    const latest = (id: string) => JSON.parse(JSON.stringify(m.servers.find((s) => s.id === id)!.collector.latest));
    expect(await snapshot('/i/home/status.json')).toEqual(latest('home'));
    expect(await snapshot('/i/4k/status.json')).toEqual(latest('4k'));
    expect(await snapshot('/i/status.json')).toEqual(JSON.parse(JSON.stringify(m.collector!.latest)));
    expect(latest('home')).not.toEqual(latest('4k'));
  });

  it("draws each server's image with the renderer's own output for its snapshot", async () => {
    for (const id of ['home', '4k']) {
      const snapshot = m.servers.find((s) => s.id === id)!.collector.latest;
      const expected = await m.renderer.render({
        snapshot,
        history: await m.stores.sqlite.forServer(id).history(clock() - 24 * 3_600_000),
        template: 'status',
        theme: 'dark',
        params: { scale: 1, locale: m.config.render.locale, timeZone: m.config.render.timeZone },
        now: Math.floor(clock() / 60_000) * 60_000,
        staleAfterMs: m.config.render.staleAfterS * 1000,
      });
      expect((await body(await fetch(`${m.url}/i/${id}/status.png`))).equals(expected.png), id).toBe(true);
    }
  });

  it("lists the config's servers in the gallery, by name, with their URLs", async () => {
    const html = await (await fetch(`${m.url}/`)).text();
    expect([...html.matchAll(/<h2 class="server-title" id="[^"]+">([^<]+)<\/h2>/g)].map((x) => x[1])).toEqual(['Network', 'Home', '4K']);
    expect(html).toContain('src="/i/4k/signature.png"');
  });

  it('answers /health/<server> for each server of the config', async () => {
    for (const id of ['home', '4k']) expect((await fetch(`${m.url}/health/${id}`)).status, id).toBe(200);
    expect((await fetch(`${m.url}/health/default`)).status).toBe(404);
  });

  it("keeps a server's versioned URL, under its server, across a restart on the same data directory", async () => {
    const page = await (await fetch(`${m.url}/embed/4k/og`)).text();
    const versioned = /<meta property="og:image" content="http:\/\/127\.0\.0\.1:\d+(\/v\/[\w-]+\/4k\/og\.png)"/.exec(page)?.[1];
    expect(versioned).toBeDefined();
    const before = await body(await fetch(`${m.url}${versioned}`));
    expect(decodePng(before).width).toBe(1200);
    await stop(m);

    const again = await start(dataDir);
    const res = await fetch(`${again.url}${versioned}`);
    expect(res.status).toBe(200);
    expect((await body(res)).equals(before)).toBe(true);
    expect((await fetch(`${again.url}${versioned!.replace('/4k/', '/home/')}`)).status).toBe(404);
    expect(again.renders.renderCount).toBe(0);
  }, 60_000);
});

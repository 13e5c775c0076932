import { afterEach, describe, expect, it } from 'vitest';
import { copyFixtureDbs } from '../support/fixtures.js';
import { startTestMarquee, type TestMarquee } from '../support/marquee-instance.js';
import { decodePng } from '../support/png.js';

/**
 * Issue 15, bug 2: a versioned URL (`/v/<etag>/<name>.png`, what /embed and Discord posts link)
 * must keep answering the same bytes after a restart and after many more embeds, within a byte
 * bound that evicts the least recently fetched first, and must never render. Real servers on
 * 127.0.0.1 over one data directory.
 */

const NOW = Date.UTC(2026, 8, 21, 12, 0, 0);
const HOUR = 3_600_000;
const running: TestMarquee[] = [];
afterEach(async () => {
  for (const m of running.splice(0)) await m.stop();
});
async function start(options: Parameters<typeof startTestMarquee>[0]): Promise<TestMarquee> {
  const m = await startTestMarquee(options);
  running.push(m);
  return m;
}
async function stop(m: TestMarquee): Promise<void> {
  running.splice(running.indexOf(m), 1);
  await m.stop();
}

/** The versioned path /embed/<name> links in og:image. */
async function embed(m: TestMarquee, name: string): Promise<string> {
  const res = await fetch(`${m.url}/embed/${name}`);
  expect(res.status).toBe(200);
  const path = /<meta property="og:image" content="http:\/\/127\.0\.0\.1:\d+(\/v\/[\w-]+\/[\w.]+)"/.exec(await res.text())?.[1];
  expect(path).toBeDefined();
  return path!;
}
const body = async (res: Response) => Buffer.from(await res.arrayBuffer());

describe('versioned URLs outlive the process', () => {
  it('answer the same bytes after a restart on the same data directory, a day later, without rendering', async () => {
    const dbs = copyFixtureDbs('tiny');
    let now = NOW;
    const first = await start({ dbs, clock: () => now });
    const path = await embed(first, 'og');
    const before = await body(await fetch(first.url + path));
    expect(decodePng(before).width).toBe(1200);
    await stop(first);

    now += 24 * HOUR;
    const again = await start({ dbs, dataDir: first.dataDir, clock: () => now });
    const res = await fetch(again.url + path);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await body(res)).equals(before)).toBe(true);
    expect(again.renders.renderCount).toBe(0);
  });
});

describe('the pin store is bounded in bytes', () => {
  it('evicts the least recently fetched pins, keeping the newest that fit server.pinCacheBytes', async () => {
    const CAP = 1024 * 1024;
    let now = NOW;
    const m = await start({ clock: () => now, yaml: `server:\n  pinCacheBytes: ${CAP}\n` });
    // Each embed an hour after the last: a new version of og (~50-80 kB) each time.
    const pins: { path: string; bytes: number; fetchedAt: number; order: number }[] = [];
    const fetchPin = async (i: number) => {
      const res = await fetch(m.url + pins[i]!.path);
      return { status: res.status, bytes: (await body(res)).length };
    };
    for (let i = 0; i < 30; i++) {
      now += HOUR;
      const path = await embed(m, 'og');
      pins.push({ path, bytes: 0, fetchedAt: now, order: i });
      pins[i]!.bytes = (await fetchPin(i)).bytes;
      if (i % 5 === 4) {
        // A post people keep scrolling back to: the first one's pin is fetched again and again.
        expect((await fetchPin(0)).status).toBe(200);
        pins[0]!.fetchedAt = now;
      }
    }
    expect(new Set(pins.map((p) => p.path)).size).toBe(30);
    const total = pins.reduce((n, p) => n + p.bytes, 0);
    expect(total).toBeGreaterThan(CAP);

    // Oracle: most recently fetched first (later pin on a tie), kept while the running sum fits.
    const expected = new Set<number>();
    let sum = 0;
    for (const p of [...pins].sort((a, b) => b.fetchedAt - a.fetchedAt || b.order - a.order)) {
      if (sum + p.bytes > CAP) break;
      sum += p.bytes;
      expected.add(p.order);
    }
    const renders = m.renders.renderCount;
    const served = new Set<number>();
    for (let i = 0; i < pins.length; i++) {
      const r = await fetchPin(i);
      expect([200, 404]).toContain(r.status);
      if (r.status === 200) served.add(i);
    }
    expect(served).toEqual(expected);
    expect(served.has(0)).toBe(true);
    expect(served.has(1)).toBe(false);
    // Serving pins, and refusing evicted ones, draws nothing.
    expect(m.renders.renderCount).toBe(renders);
  });
});

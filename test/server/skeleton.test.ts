import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng } from '../support/png.js';
import { copyFixtureDbs } from '../support/fixtures.js';
import { startTestMarquee } from '../support/marquee-instance.js';

let marquee: Awaited<ReturnType<typeof startTestMarquee>>;

beforeAll(async () => {
  marquee = await startTestMarquee();
});
afterAll(async () => {
  await marquee?.stop();
});

describe('walking skeleton over real HTTP', () => {
  it('serves the signature as a real 600x200 PNG that is not blank', async () => {
    const res = await fetch(`${marquee.url}/i/signature.png`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = decodePng(Buffer.from(await res.arrayBuffer()));
    expect([png.width, png.height]).toEqual([600, 200]);
    expect(png.colours).toBeGreaterThan(20);
  });

  it('reports every source healthy with 200', async () => {
    const res = await fetch(`${marquee.url}/health`);
    const body = (await res.json()) as { status: string; checks: Record<string, { status: string }[]> };
    expect(res.headers.get('content-type')).toMatch(/application\/health\+json/);
    expect(body.checks['plex:responseTime']![0]!.status).toBe('pass');
    expect(body.checks['tautulli:responseTime']![0]!.status).toBe('pass');
    expect(res.status).toBe(200);
  });

  it('degrades /health to 503 when the Tautulli DB is deleted, and keeps serving images', async () => {
    rmSync(marquee.dbs.tautulliDb);
    rmSync(`${marquee.dbs.tautulliDb}-wal`, { force: true });
    const snapshot = await marquee.collector.collect();
    expect(snapshot.sources.tautulli.status).toBe('stale');
    const health = await fetch(`${marquee.url}/health`);
    const body = (await health.json()) as { status: string; checks: Record<string, { status: string; output?: string }[]> };
    expect(health.status).toBe(503);
    expect(body.status).toBe('fail');
    expect(body.checks['tautulli:responseTime']![0]).toMatchObject({ status: 'fail' });
    expect(body.checks['tautulli:responseTime']![0]!.output).toMatch(/missing/);
    expect(body.checks['plex:responseTime']![0]!.status).toBe('pass');
    const image = await fetch(`${marquee.url}/i/signature.png`);
    expect(image.status).toBe(200);
    expect(decodePng(Buffer.from(await image.arrayBuffer())).width).toBe(600);
  });
});

describe('Tautulli down, its database still saying "playing"', () => {
  async function withIdleTautulli(yaml: string) {
    // Tautulli last wrote its live rows 20 minutes ago: a running Tautulli rewrites them at least once a minute.
    const dbs = copyFixtureDbs('tiny', { sessionsWrittenAt: Date.now() - 20 * 60_000 });
    const m = await startTestMarquee({ dbs, yaml });
    try {
      return { tautulli: m.collector.latest!.sources.tautulli, health: (await fetch(`${m.url}/health`)).status };
    } finally {
      await m.stop();
    }
  }

  it('marks Tautulli stale and fails /health rather than showing ghost streams', async () => {
    const r = await withIdleTautulli('');
    expect(r.tautulli.error).toMatchObject({ code: 'stale', message: expect.stringMatching(/stopped updating it \(is it running\?\)/) });
    expect(r.health).toBe(503);
  });

  it('trusts the rows when the check is turned off (tautulli.sessionsStaleAfterS: 0)', async () => {
    const r = await withIdleTautulli('tautulli:\n  sessionsStaleAfterS: 0\n');
    expect(r.tautulli.status).toBe('ok');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthReport } from '../../src/server/health.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { FIXTURE_NOW_MS } from '../support/fixtures.js';
import { collectServers, startServing, type CollectedServer, type ServingRig } from './network-rig.js';

/**
 * Readiness with several servers (issue 20): /health carries every server's checks under its id,
 * /health/<server> answers 200/503 for that server alone, exactly as /health does for a Marquee of
 * that one server; a Marquee without `servers:` answers as it always has. Real HTTP through
 * createServing over the generator's Home and 4K files (network-rig.ts).
 */

const NOW = FIXTURE_NOW_MS + 30_000;
/** The default render.staleAfterS: a snapshot older than twice this fails snapshot:age. */
const STALE_AFTER_MS = 300_000;

/** The checks of one server's report, in the order /health has always listed them. */
const ONE_SERVER_KEYS = ['plex:responseTime', 'tautulli:responseTime', 'host:responseTime', 'store:sqlite', 'snapshot:age', 'render:fonts'];

let servers: CollectedServer[];
let network: Snapshot;
let cleanup: () => void;

beforeAll(async () => {
  ({ servers, network, cleanup } = await collectServers(2));
}, 60_000);
afterAll(() => cleanup?.());

const health = async (rig: ServingRig, path: string) => {
  const res = await fetch(`${rig.url}${path}`);
  expect(res.headers.get('content-type')).toMatch(/^application\/health\+json/);
  expect(res.headers.get('cache-control')).toBe('no-store');
  return { status: res.status, text: await res.clone().text(), body: (await res.json()) as HealthReport };
};

describe('several servers', () => {
  let rig: ServingRig;
  beforeAll(async () => {
    rig = await startServing({ servers, network, clock: () => NOW, prometheus: true });
  });
  afterAll(() => rig?.stop());

  /** Runs `body` with the 4K server's provider holding `snapshot`, then puts its own back. */
  async function with4k(snapshot: Snapshot | null, body: () => Promise<void>) {
    const held = rig.providers.get('4k')!;
    const own = held.snapshot;
    held.snapshot = snapshot;
    try {
      await body();
    } finally {
      held.snapshot = own;
    }
  }

  it("/health lists each server's checks under its id, then the stores and fonts", async () => {
    const { status, body } = await health(rig, '/health');
    expect(status).toBe(200);
    const perServer = ['plex:responseTime', 'tautulli:responseTime', 'host:responseTime', 'snapshot:age'];
    expect(Object.keys(body.checks)).toEqual([
      ...perServer.map((k) => `home:${k}`),
      ...perServer.map((k) => `4k:${k}`),
      'store:sqlite',
      'render:fonts',
    ]);
    expect(body.checks['4k:snapshot:age']![0]).toMatchObject({ status: 'pass', observedValue: 30, observedUnit: 's' });
  });

  it('/health/<server> is the one-server report of that server', async () => {
    for (const id of ['home', '4k']) {
      const { status, body } = await health(rig, `/health/${id}`);
      expect(status).toBe(200);
      expect(Object.keys(body.checks)).toEqual(ONE_SERVER_KEYS);
    }
  });

  it('answers 503 for a server with no snapshot, 200 for the others; /health fails with it', async () => {
    await with4k(null, async () => {
      const fourK = await health(rig, '/health/4k');
      expect(fourK.status).toBe(503);
      expect(fourK.body.checks['snapshot:age']![0]).toEqual({ status: 'fail', output: 'no snapshot collected yet' });
      expect((await health(rig, '/health/home')).status).toBe(200);
      const all = await health(rig, '/health');
      expect(all.status).toBe(503);
      expect(all.body.checks['4k:snapshot:age']![0]!.status).toBe('fail');
      expect(all.body.checks['home:snapshot:age']![0]!.status).toBe('pass');
    });
  });

  it('answers 503 for a server whose snapshot is older than twice the stale limit, and warns (200) before that', async () => {
    const aged = (ms: number): Snapshot => ({ ...servers[1]!.snapshot, takenAt: NOW - ms });
    await with4k(aged(2 * STALE_AFTER_MS + 1_000), async () => {
      expect((await health(rig, '/health/4k')).status).toBe(503);
      expect((await health(rig, '/health/home')).status).toBe(200);
    });
    await with4k(aged(STALE_AFTER_MS + 1_000), async () => {
      const { status, body } = await health(rig, '/health/4k');
      expect([status, body.status]).toEqual([200, 'warn']);
    });
  });

  it("answers 503 for a server whose Plex could not be read, naming the code and not the error's text", async () => {
    const offline: Snapshot = {
      ...servers[1]!.snapshot,
      state: 'offline',
      sources: {
        ...servers[1]!.snapshot.sources,
        plex: { status: 'stale', updatedAt: NOW - 60_000, durationMs: 3, error: { code: 'missing', message: '/srv/4k/plex.db gone' } },
      },
    };
    await with4k(offline, async () => {
      const fourK = await health(rig, '/health/4k');
      expect(fourK.status).toBe(503);
      expect(fourK.text).not.toContain('/srv');
      expect((await health(rig, '/health/home')).status).toBe(200);
      const all = await health(rig, '/health');
      expect(all.body.checks['4k:plex:responseTime']![0]!.status).toBe('fail');
      expect(all.body.checks['home:plex:responseTime']![0]!.status).toBe('pass');
    });
  });

  it('keeps drawing the other servers and the network while one has no snapshot', async () => {
    await with4k(null, async () => {
      for (const path of ['/i/home/status.png', '/i/status.png', '/i/4k/status.png']) {
        expect((await fetch(`${rig.url}${path}`)).status, path).toBe(200);
      }
    });
  });

  it.each(['nope', '_network', 'HOME'])('/health/%s is a 404 that reads no snapshot', async (id) => {
    const reads = [...rig.providers.values()].map((p) => p.reads);
    const { status, body } = await health(rig, `/health/${id}`);
    expect(status).toBe(404);
    expect(body).toMatchObject({ status: 'fail' });
    expect([...rig.providers.values()].map((p) => p.reads)).toEqual(reads);
  });

  it("/metrics gives each server's numbers under its id and the network's under _network", async () => {
    const text = await (await fetch(`${rig.url}/metrics`)).text();
    const value = (server: string, decision: string) =>
      Number(new RegExp(`^marquee_streams\\{server="${server}",decision="${decision}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
    for (const s of servers) {
      expect(value(s.id, 'transcode'), s.id).toBe(s.snapshot.activity?.transcode ?? 0);
      expect(value(s.id, 'direct play'), s.id).toBe(s.snapshot.activity?.directPlay ?? 0);
    }
    // The network's live numbers are the servers' sums (src/snapshot/network.ts; its own test holds
    // the oracle): written here from the servers' snapshots.
    const sum = (key: 'transcode' | 'directPlay') => servers.reduce((n, s) => n + (s.snapshot.activity?.[key] ?? 0), 0);
    expect(value('_network', 'transcode')).toBe(sum('transcode'));
    expect(value('_network', 'direct play')).toBe(sum('directPlay'));
    expect(network.activity?.transcode).toBe(sum('transcode'));
  });
});

describe('one server (a config without `servers:`)', () => {
  let rig: ServingRig;
  beforeAll(async () => {
    rig = await startServing({ servers: [{ id: 'default', name: 'Plex', snapshot: servers[0]!.snapshot }], clock: () => NOW });
  });
  afterAll(() => rig?.stop());

  it('/health is the report it has always been, and /health/default the same', async () => {
    const all = await health(rig, '/health');
    expect(all.status).toBe(200);
    expect(Object.keys(all.body.checks)).toEqual(ONE_SERVER_KEYS);
    const one = await health(rig, '/health/default');
    expect(one.text).toBe(all.text);
    expect((await health(rig, '/health/home')).status).toBe(404);
  });

  it('draws the same image at /i/<name>.png and /i/default/<name>.png', async () => {
    const body = async (path: string) => Buffer.from(await (await fetch(`${rig.url}${path}`)).arrayBuffer());
    expect((await body('/i/status.png')).equals(await body('/i/default/status.png'))).toBe(true);
  });

  it('shows the gallery as before: no server sections, no per-server URLs', async () => {
    const html = await (await fetch(`${rig.url}/`)).text();
    expect(html).toContain('src="/i/signature.png"');
    expect(html).not.toContain('/i/default/');
    expect(html).not.toContain('class="server');
  });
});

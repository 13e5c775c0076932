import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { startFakeNodeExporter, plexHost, type FakeNodeExporter } from '../support/fake-node-exporter.js';
import { startFakePlex, type FakePlex } from '../support/fake-plex.js';
import { startFakeTautulli, type FakeTautulli } from '../support/fake-tautulli.js';
import { copyFixtureDbs, FIXTURE_NOW_MS, FIXTURE_NOW_S } from '../support/fixtures.js';
import { configFile, runCli } from './support/cli.js';
import { startTestMarquee, type TestMarquee } from '../support/marquee-instance.js';

/**
 * Issue 14 end to end: one Marquee reads the fixture files directly, another reads the same files
 * through the fakes of Tautulli's API v2 and Plex's API (each answering from those files as the real
 * programs do) and a node_exporter. Same server state, same snapshot, field by field, except the
 * differences README lists. Every output is searched for the API key and the token.
 */
const API_KEY = 'a3f1c0de9b7e4f2a8c6d1e0f5b4a3928';
const TOKEN = 'plexTok-9QxZ-remote-drill';
const lines: string[] = [];
let dbMode: TestMarquee;
let apiMode: TestMarquee;
let tautulli: FakeTautulli;
let plex: FakePlex;
let nodeExporter: FakeNodeExporter;
/** The API-mode instance's clock; moved on between cycles so each cycle is a new snapshot. */
let apiNow = FIXTURE_NOW_MS;

beforeAll(async () => {
  const dbs = copyFixtureDbs('demo');
  tautulli = await startFakeTautulli({ dbPath: dbs.tautulliDb, now: FIXTURE_NOW_S, timeZone: 'UTC', apiKey: API_KEY });
  plex = await startFakePlex({ plexDb: dbs.plexDb, token: TOKEN });
  nodeExporter = await startFakeNodeExporter(plexHost());
  const clock = () => FIXTURE_NOW_MS;
  dbMode = await startTestMarquee({ dbs, clock, yaml: 'tautulli:\n  sessionsStaleAfterS: 0\n' });
  apiMode = await startTestMarquee({
    dbs,
    clock: () => apiNow,
    noDatabases: true,
    logTo: { write: (line: string) => void lines.push(line) },
    yaml: [
      'plex:',
      `  url: ${plex.url}`,
      `  token: ${TOKEN}`,
      'tautulli:',
      `  url: ${tautulli.url}`,
      `  apiKey: ${API_KEY}`,
      'host:',
      `  url: ${nodeExporter.origin}`,
      '',
    ].join('\n'),
  });
}, 120_000);

afterAll(async () => {
  await Promise.all([dbMode?.stop(), apiMode?.stop(), tautulli?.close(), plex?.close(), nodeExporter?.close()]);
});

/** What README says cannot match over the APIs, taken out of both sides. */
function comparable(s: Snapshot) {
  return {
    library: s.library && { ...s.library, totalBytes: 'differs', totalDurationMs: 'differs' },
    activity: s.activity && {
      ...s.activity,
      // Plex's session order, not Tautulli's start order.
      streams: [...s.activity.streams].map((x) => JSON.stringify(x)).sort(),
    },
    history: s.history,
    state: s.state,
  };
}

describe('remote sources (issue 14)', () => {
  it('are chosen where only a URL is set, and all three answer', () => {
    expect(apiMode.config.demo).toBe(false);
    const sources = apiMode.collector.latest!.sources;
    expect([sources.plex.status, sources.tautulli.status, sources.host.status], JSON.stringify(sources)).toEqual(['ok', 'ok', 'ok']);
    expect(tautulli.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
  });

  it('give the same snapshot as the databases, field by field, except what README lists', () => {
    const db = dbMode.collector.latest!;
    const api = apiMode.collector.latest!;
    expect(db.sources.tautulli.status).toBe('ok');
    expect(comparable(api)).toEqual(comparable(db));
  });

  it("read the Plex host's hardware from node_exporter, not this machine", () => {
    const host = apiMode.collector.latest!.host!;
    expect(host.cpu.cores).toBe(plexHost().cpus.length);
    expect(host.memory.totalBytes).toBe(plexHost().memory.MemTotal);
    expect(host.transcoderRunning).toBe(false);
  });

  it('never put the API key or the token in a URL, a log line, /health or any JSON', async () => {
    const outputs = [lines.join('\n')];
    for (const path of ['/health', '/i/signature.json', '/i/nowplaying.json', '/privacy', '/i/nope.json']) {
      outputs.push(await (await fetch(`${apiMode.url}${path}`)).text());
    }
    outputs.push(JSON.stringify(apiMode.collector.latest));
    for (const text of outputs) {
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain(TOKEN);
    }
    // The token travels in the X-Plex-Token header only.
    expect(plex.requests.length).toBeGreaterThan(0);
    expect(plex.requests.every((r) => !r.url.includes(TOKEN) && r.headers['x-plex-token'] === TOKEN)).toBe(true);
  });

  it('mark only the failing section stale when Tautulli answers errors, name a rejected key, and recover', async () => {
    await tautulli.setFault({ status: 500 });
    apiNow += 1000;
    let snapshot = await apiMode.collector.collect();
    expect(snapshot.sources.tautulli.status).toBe('stale');
    expect([snapshot.sources.plex.status, snapshot.sources.host.status]).toEqual(['ok', 'ok']);
    expect(snapshot.history).toEqual(dbMode.collector.latest!.history);
    await tautulli.setFault({ status: 401 });
    apiNow += 1000;
    await apiMode.collector.collect();
    const health = (await (await fetch(`${apiMode.url}/health`)).json()) as { checks: Record<string, { output?: string }[]> };
    expect(JSON.stringify(health.checks), JSON.stringify(health.checks)).toMatch(/tautulli\.apiKey was rejected/);
    await tautulli.setFault(null);
    apiNow += 1000;
    snapshot = await apiMode.collector.collect();
    expect(snapshot.sources.tautulli.status).toBe('ok');
  }, 60_000);

  it('are each checked by check-config on one line: reachable, key accepted, or why not', async () => {
    const run = async (apiKey: string) => {
      const yaml = `plex:\n  url: ${plex.url}\n  token: ${TOKEN}\ntautulli:\n  url: ${tautulli.url}\n  apiKey: ${apiKey}\nhost:\n  url: ${nodeExporter.origin}\n`;
      const cli = runCli(['check-config'], { MARQUEE_CONFIG: configFile(yaml), MARQUEE_DATA_DIR: apiMode.dataDir });
      return { ...(await cli.exited), stderr: cli.stderr(), stdout: cli.stdout() };
    };
    const good = await run(API_KEY);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stderr).toMatch(/^plex: ok http:\/\/127\.0\.0\.1:\d+: Plex Media Server/m);
    expect(good.stderr).toMatch(/^tautulli: ok http:\/\/127\.0\.0\.1:\d+: Tautulli /m);
    expect(good.stderr).toMatch(/^host: ok http:\/\/127\.0\.0\.1:\d+: node_exporter: \d+ cores/m);
    const bad = await run('b'.repeat(32));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^tautulli: FAILED .*auth: tautulli\.apiKey was rejected/m);
    for (const text of [good.stdout, good.stderr, bad.stdout, bad.stderr]) {
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain('b'.repeat(32));
      expect(text).not.toContain(TOKEN);
    }
  }, 120_000);
});

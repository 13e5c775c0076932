import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EMAILS, DEMO_IPS, DEMO_PLAYERS, generateFixtures } from '../../fixtures/generator/index.js';
import { SOURCE_ERROR_MESSAGES, type SourceResult } from '../../src/sources/result.js';
import { redactKey } from '../../src/sources/tautulli-api/client.js';
import { checkTautulliApi, readTautulliApi, type TautulliApiSourceOptions } from '../../src/sources/tautulli-api/tautulli-api-source.js';
import { readTautulli, type TautulliData } from '../../src/sources/tautulli/tautulli-source.js';
import { startFakeTautulli, type FakeTautulli, type FakeTautulliOptions } from '../support/fake-tautulli.js';

/**
 * The Tautulli section read over Tautulli's API v2 must equal the section read from the database,
 * field by field, for the same tautulli.db and clock. The oracle for the API mode is the database
 * source (itself checked against Tautulli's own SQL in tautulli-conformance.test.ts); what the API
 * mode reads is served by a fake Tautulli that computes each answer with Tautulli's SQL in its own
 * process, in its own zone (test/support/fake-tautulli.ts, which imports nothing from src/).
 *
 * Known differences, checked here as such: live streams come in Tautulli's order (session_key), not
 * start order; `skipped.ghostSessions`/`malformedHistory` are 0 (the API shows neither).
 */

// 32 characters, as Tautulli generates. Every output of every test is searched for it at the end.
const API_KEY = 'f3c1a9d47e2b4c58a0d6e9b7c2f41a8d';
const CLOCKS = {
  // The same clocks as the conformance test: DST changes of New York, Paris and Lord Howe in the window.
  spring: Date.UTC(2026, 3, 6, 10, 17, 23) / 1000,
  autumn: Date.UTC(2026, 10, 2, 8, 41, 5) / 1000,
};
const LIMIT = 5;

let dir: string;
const dbs: Record<keyof typeof CLOCKS, string> = { spring: '', autumn: '' };
/** Every result any test got, searched for the key by the last test. */
const outputs: unknown[] = [];
const fakes: FakeTautulli[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'marquee-tautulli-api-'));
  for (const [name, now] of Object.entries(CLOCKS) as [keyof typeof CLOCKS, number][]) {
    dbs[name] = generateFixtures(path.join(dir, name), { profile: 'conformance', now, seed: 11 }).tautulliDb;
  }
}, 120_000);
afterAll(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function fake(options: Partial<FakeTautulliOptions> & { dbPath: string; now: number }): Promise<FakeTautulli> {
  const started = await startFakeTautulli({ timeZone: 'UTC', apiKey: API_KEY, ...options });
  fakes.push(started);
  return started;
}

async function read(options: Partial<TautulliApiSourceOptions> & { url: string }): Promise<SourceResult<TautulliData>> {
  const result = await readTautulliApi({ apiKey: API_KEY, timeoutMs: 10_000, topLimit: LIMIT, ...options });
  outputs.push(result);
  return result;
}

function ok(result: SourceResult<TautulliData>): TautulliData {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.detail ?? result.error.message}`);
  return result.data;
}

/**
 * Streams in a stable order, without `startedAt`: the database row says when a stream began, the API
 * does not (a documented difference: privacy.nowPlayingDelayS holds API-mode streams back).
 */
const canonical = (streams: TautulliData['activity']['streams']) =>
  streams.map(({ startedAt: _startedAt, ...rest }) => rest).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

function sectionCount(db: string): number {
  const handle = new Database(db, { readonly: true });
  try {
    return (handle.prepare('SELECT COUNT(*) AS n FROM library_sections WHERE deleted_section = 0').get() as { n: number }).n;
  } finally {
    handle.close();
  }
}

const CASES = [
  { clock: 'spring', zone: 'UTC', group: true, weekStartMonday: false },
  { clock: 'spring', zone: 'Australia/Lord_Howe', group: false, weekStartMonday: true },
  { clock: 'autumn', zone: 'America/New_York', group: true, weekStartMonday: true },
  { clock: 'autumn', zone: 'Asia/Kathmandu', group: false, weekStartMonday: false },
] as const;

describe.each(CASES)('API mode equals database mode: $clock clock, Tautulli in $zone, group history $group', (c) => {
  let api: TautulliData;
  let db: TautulliData;
  let server: FakeTautulli;

  beforeAll(async () => {
    const now = CLOCKS[c.clock];
    server = await fake({ dbPath: dbs[c.clock], now, timeZone: c.zone, groupHistory: c.group, weekStartMonday: c.weekStartMonday });
    // groupHistory left unset: Tautulli applies its own setting, which the fake holds.
    api = ok(await read({ url: server.url }));
    db = ok(await readTautulli({ dbPath: dbs[c.clock], now: now * 1000, timeZone: c.zone, topLimit: LIMIT, groupHistory: c.group }));
  });

  it('plays and watch time per window, top lists, play graphs and most concurrent are equal', () => {
    expect(api.history).toEqual(db.history);
  });

  it('live activity is equal; streams come in Tautulli order (session_key), not start order', () => {
    const { streams: apiStreams, ...apiCounts } = api.activity;
    const { streams: dbStreams, ...dbCounts } = db.activity;
    expect(apiCounts).toEqual(dbCounts);
    expect(canonical(apiStreams)).toEqual(canonical(dbStreams));
    expect(apiStreams.length).toBeGreaterThan(0);
  });

  it('makes 10 calls plus one per library, every one of them a GET to /api/v2 with the key', async () => {
    const calls = await server.calls();
    expect(calls).toHaveLength(10 + sectionCount(dbs[c.clock]));
    expect(calls.every((call) => call.method === 'GET' && call.path === '/api/v2' && call.query.apikey === API_KEY)).toBe(true);
    expect(calls.filter((call) => call.query.cmd === 'get_library_watch_time_stats').map((call) => call.query.query_days)).toEqual(
      Array(sectionCount(dbs[c.clock])).fill('1,7,30'),
    );
  });
});

describe('the API mode on one Tautulli', () => {
  const now = CLOCKS.spring;
  let server: FakeTautulli;
  beforeAll(async () => {
    server = await fake({ dbPath: dbs.spring, now });
  });
  afterEach(() => server.setFault(null));

  it('sends grouping when the admin set it, and then counts as Tautulli would with that setting', async () => {
    const data = ok(await read({ url: server.url, groupHistory: false }));
    const db = ok(await readTautulli({ dbPath: dbs.spring, now: now * 1000, timeZone: 'UTC', topLimit: LIMIT, groupHistory: false }));
    expect(data.history).toEqual(db.history);
    const calls = await server.calls();
    expect(calls.filter((call) => call.query.cmd === 'get_home_stats').every((call) => call.query.grouping === '0')).toBe(true);
  });

  it('keeps no more than `concurrency` calls in flight', async () => {
    await server.setFault({ delayMs: 50 });
    ok(await read({ url: server.url, concurrency: 2 }));
    expect(await server.maxInFlight()).toBe(2);
  });

  it('drops IPs, player names, e-mails and user thumbs that Tautulli sends', async () => {
    const raw = await (await fetch(`${server.url}/api/v2?apikey=${API_KEY}&cmd=get_activity`)).text();
    const rawStats = await (await fetch(`${server.url}/api/v2?apikey=${API_KEY}&cmd=get_home_stats&stat_id=top_users`)).text();
    // The answers carry them (so this test can fail)...
    expect(DEMO_IPS.some((ip) => raw.includes(ip))).toBe(true);
    expect(DEMO_PLAYERS.some((p) => raw.includes(JSON.stringify(p).slice(1, -1)))).toBe(true);
    expect(DEMO_EMAILS.some((e) => raw.includes(e))).toBe(true);
    expect(rawStats).toContain('plex.tv/users');
    // ...the section does not.
    const text = JSON.stringify(ok(await read({ url: server.url })));
    for (const s of [...DEMO_IPS, ...DEMO_PLAYERS, ...DEMO_EMAILS, 'plex.tv/users', 'gravatar']) expect(text).not.toContain(s);
  });
});

describe('private sections over the API', () => {
  const now = CLOCKS.spring;
  let server: FakeTautulli;
  let api: TautulliData;
  let db: TautulliData;
  let privateTitles: Set<string>;

  beforeAll(async () => {
    server = await fake({ dbPath: dbs.spring, now });
    api = ok(await read({ url: server.url, privateSections: ['Movies'] }));
    db = ok(await readTautulli({ dbPath: dbs.spring, now: now * 1000, timeZone: 'UTC', topLimit: LIMIT, privateSections: ['Movies'] }));
    const handle = new Database(dbs.spring, { readonly: true });
    privateTitles = new Set(
      handle
        .prepare(
          'SELECT DISTINCT m.full_title FROM session_history h JOIN session_history_metadata m ON m.id = h.id WHERE h.section_id = 1',
        )
        .pluck()
        .all() as string[],
    );
    handle.close();
  });

  it('the windows leave the private section out, as in database mode (per-library watch time)', () => {
    expect(api.history!.windows).toEqual(db.history!.windows);
  });

  it("a private section's streams count but lose their titles, as in database mode", () => {
    expect(canonical(api.activity.streams)).toEqual(canonical(db.activity.streams));
    expect(api.activity.streams.some((s) => s.watching === null)).toBe(true);
  });

  it('no title from the private section reaches the top lists', () => {
    expect(privateTitles.size).toBeGreaterThan(0);
    for (const row of [...api.history!.topMovies, ...api.history!.topShows])
      expect(privateTitles.has(row.watching?.title ?? '')).toBe(false);
    expect(api.history!.topMovies.length).toBeGreaterThan(0);
  });

  it('documented: the graphs and most concurrent cannot leave a section out over the API', async () => {
    const all = ok(await read({ url: server.url }));
    expect(api.history!.playsByHour).toEqual(all.history!.playsByHour);
    expect(api.history!.mostConcurrent).toEqual(all.history!.mostConcurrent);
  });

  it('a section named by id is the same as by name', async () => {
    const byId = ok(await read({ url: server.url, privateSections: [1] }));
    expect(byId.history).toEqual(api.history);
  });
});

describe('strings from Tautulli are capped', () => {
  it('a 1,000-character title arrives as 256 characters', async () => {
    const copy = path.join(dir, 'long-title.db');
    copyFileSync(dbs.spring, copy);
    const handle = new Database(copy);
    handle.prepare("UPDATE sessions SET title = ? WHERE media_type = 'movie'").run('T'.repeat(1000));
    handle.close();
    const server = await fake({ dbPath: copy, now: CLOCKS.spring });
    const data = ok(await read({ url: server.url }));
    const titles = data.activity.streams.filter((s) => s.kind === 'movie').map((s) => s.watching?.title);
    expect(titles.length).toBeGreaterThan(0);
    expect(titles.every((t) => t === 'T'.repeat(256))).toBe(true);
  });
});

describe('faults are a typed error, never a throw, and the next read recovers', () => {
  const now = CLOCKS.spring;
  let server: FakeTautulli;
  beforeAll(async () => {
    server = await fake({ dbPath: dbs.spring, now, httpRoot: '/tautulli' });
  });
  afterEach(() => server.setFault(null));

  async function failure(options: Partial<TautulliApiSourceOptions> = {}) {
    const result = await read({ url: server.url, ...options });
    if (result.ok) throw new Error('expected a failure');
    expect(result.error.message).toBe(SOURCE_ERROR_MESSAGES[result.error.code]);
    return { ...result.error, detail: result.error.detail ?? '', durationMs: result.durationMs };
  }

  it('a wrong key: Tautulli answers 400 "Invalid apikey"; the error names tautulli.apiKey', async () => {
    const error = await failure({ apiKey: 'e'.repeat(32) });
    expect(error.code).toBe('auth');
    expect(error.detail).toContain('tautulli.apiKey was rejected');
    expect(error.detail).not.toContain('e'.repeat(32));
  });

  it.each([401, 403])('a proxy in front answers %i: the error names tautulli.apiKey', async (status) => {
    await server.setFault({ status });
    const error = await failure();
    expect(error.code).toBe('auth');
    expect(error.detail).toContain(`tautulli.apiKey was rejected (HTTP ${status}`);
  });

  it.each([500, 502, 503])('HTTP %i with an HTML page', async (status) => {
    await server.setFault({ status, cmds: ['get_plays_by_date'] });
    const error = await failure();
    expect(error.code).toBe('unavailable');
    expect(error.detail).toContain(`HTTP ${status}`);
  });

  it('a command that raised: HTTP 500, result error, "Check the logs for errors"', async () => {
    await server.setFault({ resultError: 'exception', cmds: ['get_home_stats'] });
    expect((await failure()).detail).toContain('Check the logs for errors');
  });

  it('a command that returned nothing: HTTP 400, result error, no message', async () => {
    await server.setFault({ resultError: 'none', cmds: ['get_library_watch_time_stats'] });
    expect((await failure()).detail).toMatch(/get_library_watch_time_stats.*with an error \(HTTP 400\)/);
  });

  it('HTML instead of JSON (a login page)', async () => {
    await server.setFault({ html: true });
    expect((await failure()).detail).toContain('text/html, not JSON');
  });

  it("a URL without Tautulli's HTTP root reaches its web UI, not the API", async () => {
    expect((await failure({ url: server.url.replace('/tautulli', '') })).detail).toContain('HTTP 404 with text/html');
  });

  it('Tautulli cannot reach Plex: get_activity answers {}', async () => {
    await server.setFault({ plexDown: true });
    expect((await failure()).detail).toContain('cannot reach Plex');
  });

  it.each([
    ['get_activity', { sessions: 'none' }, 'get_activity is not in the expected shape (sessions:'],
    ['get_plays_by_hourofday', { categories: ['00', '01'], series: [{ name: 'TV', data: [1, 2] }] }, 'expected the categories 00..23'],
    ['get_plays_by_date', { categories: ['monday'], series: [{ name: 'TV', data: [1] }] }, 'not a YYYY-MM-DD date'],
    ['get_home_stats', [{ stat_id: 'top_users', rows: 'many' }], '(0.rows: '],
    ['get_library_names', Array.from({ length: 101 }, (_, i) => ({ section_id: i, section_name: `S${i}` })), 'more than 100 libraries'],
  ])('an answer in another shape (%s) is an error that says where', async (cmd, data, says) => {
    await server.setFault({ data, cmds: [cmd] });
    expect((await failure()).detail).toMatch(says);
  });

  it('a slow Tautulli: the read ends at the time limit with code timeout', async () => {
    await server.setFault({ delayMs: 20_000, cmds: ['get_activity'] });
    const error = await failure({ timeoutMs: 300 });
    expect(error.code).toBe('timeout');
    // Bounded by the limit, not by the slow answer (generous: a loaded machine).
    expect(error.durationMs).toBeLessThan(5_000);
  });

  it('an answer larger than the bound is refused', async () => {
    await server.setFault({ padBytes: 2_000_000, cmds: ['get_activity'] });
    expect((await failure({ maxResponseBytes: 1_000_000 })).detail).toContain('exceeded 1000000 bytes');
  });

  it('connection refused', async () => {
    const port = await freePort();
    expect((await failure({ url: `http://127.0.0.1:${port}` })).detail).toContain('connection refused');
  });

  it('DNS failure', async () => {
    const lookup: LookupFunction = (hostname, _options, callback) =>
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
    expect((await failure({ url: 'http://tautulli.invalid:8181', lookup })).detail).toContain('could not be resolved');
  });

  it('a URL Marquee cannot use is unconfigured', async () => {
    expect((await failure({ url: 'ftp://127.0.0.1/' })).code).toBe('unconfigured');
    expect((await failure({ url: 'not a url' })).code).toBe('unconfigured');
  });

  it("check-config's probe: one call that checks reachability and the key, and reads the version", async () => {
    const good = await checkTautulliApi({ url: server.url, apiKey: API_KEY, timeoutMs: 5_000 });
    const bad = await checkTautulliApi({ url: server.url, apiKey: 'e'.repeat(32), timeoutMs: 5_000 });
    outputs.push(good, bad);
    expect(good).toMatchObject({ ok: true, data: { version: 'v2.17.2' } });
    expect(!bad.ok && bad.error.detail).toContain('tautulli.apiKey was rejected');
  });

  it('recovers on the next read once the fault is gone', async () => {
    await server.setFault({ status: 503 });
    await failure();
    await server.setFault(null);
    expect(ok(await read({ url: server.url })).activity.streamCount).toBeGreaterThan(0);
  });
});

describe('HTTPS with a self-signed certificate', () => {
  let server: FakeTautulli;
  let caFile: string;
  let otherCa: string;
  beforeAll(async () => {
    const cert = (name: string) => {
      const key = path.join(dir, `${name}.key`);
      const crt = path.join(dir, `${name}.crt`);
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          key,
          '-out',
          crt,
          '-days',
          '2',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
      return { key, crt };
    };
    const own = cert('tautulli');
    otherCa = cert('other').crt;
    caFile = own.crt;
    const { readFileSync } = await import('node:fs');
    server = await fake({
      dbPath: dbs.spring,
      now: CLOCKS.spring,
      tls: { key: readFileSync(own.key, 'utf8'), cert: readFileSync(own.crt, 'utf8') },
    });
  }, 60_000);

  it('without caFile: a TLS error that points at tautulli.caFile', async () => {
    const result = await read({ url: server.url });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.detail).toContain('tautulli.caFile');
  });

  it('with the wrong caFile: the same TLS error', async () => {
    const result = await read({ url: server.url, caFile: otherCa });
    expect(!result.ok && result.error.detail).toContain('TLS error');
  });

  it('with its certificate as caFile: read as over HTTP', async () => {
    expect(ok(await read({ url: server.url, caFile })).activity.streamCount).toBeGreaterThan(0);
  });

  it('a caFile that cannot be read is an error naming tautulli.caFile', async () => {
    const result = await read({ url: server.url, caFile: path.join(dir, 'missing.pem') });
    expect(!result.ok && result.error.detail).toContain('tautulli.caFile could not be read');
  });
});

describe('the API key never leaves', () => {
  it('redaction covers the key as is and percent-encoded', () => {
    const key = 'a+b/c=d&e f';
    const text = `x?apikey=${encodeURIComponent(key)}&k=${new URLSearchParams({ k: key }).toString().slice(2)} raw ${key}`;
    expect(redactKey(text, key)).not.toContain(key);
    expect(redactKey(text, key)).not.toContain(encodeURIComponent(key));
    expect(redactKey(text, key)).not.toContain('a%2Bb');
  });

  it('no result, error message or error detail of any test above holds the key', () => {
    expect(outputs.length).toBeGreaterThan(30);
    expect(outputs.filter((o) => !(o as { ok: boolean }).ok).length).toBeGreaterThan(15);
    const text = JSON.stringify(outputs);
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(encodeURIComponent(API_KEY).slice(0, 16));
    expect(text).not.toContain('e'.repeat(32));
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

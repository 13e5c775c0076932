import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_IPS, DEMO_MACHINE_IDS, DEMO_PLAYERS } from '../../fixtures/generator/index.js';
import { checkPlexOnline, readPlexApi, readPlexSessions, type PlexConnectionOptions } from '../../src/sources/plex-api/index.js';
import { readPlex } from '../../src/sources/plex/plex-source.js';
import type { SourceResult } from '../../src/sources/result.js';
import { readTautulli } from '../../src/sources/tautulli/tautulli-source.js';
import { closedPortUrl, startFakePlex, type FakePlex, type FakePlexFault } from '../support/fake-plex.js';
import { FIXTURE_NOW_MS, copyFixtureDbs, fixtureDbs } from '../support/fixtures.js';

/**
 * Plex over its HTTP API, against a fake PMS that answers from the same fixture database the DB
 * reader opens. The oracle of every library figure is the DB reader (readPlex) on that file; of the
 * live streams, the Tautulli DB reader on the fixture's tautulli.db (the fake serves /status/sessions
 * from the same rows); of the size totals, the fake's own /media/providers answer read with a plain
 * fetch. Differences that cannot be removed are asserted as such, each with its reason.
 */
const TOKEN = 'tok-9f3c1a7e5d2b4680aa11';
const demo = fixtureDbs('demo');
const tiny = fixtureDbs('tiny');

let fake: FakePlex;
let tinyFake: FakePlex;
/** Every result any test produced, for the token search at the end. */
const outputs: unknown[] = [];

const conn = (server: FakePlex, extra: Partial<PlexConnectionOptions> = {}): PlexConnectionOptions => ({
  url: server.url,
  token: TOKEN,
  timeoutMs: 10_000,
  ...extra,
});
const record = <T>(result: T): T => {
  outputs.push(result);
  return result;
};
function data<T>(result: SourceResult<T>): T {
  if (!result.ok) throw new Error(`source failed: ${result.error.code} ${result.error.detail ?? ''}`);
  return result.data;
}

beforeAll(async () => {
  fake = await startFakePlex({ plexDb: demo.plexDb, tautulliDb: demo.tautulliDb, token: TOKEN });
  tinyFake = await startFakePlex({ plexDb: tiny.plexDb, tautulliDb: tiny.tautulliDb, token: TOKEN });
});
afterAll(async () => {
  await fake?.close();
  await tinyFake?.close();
});

/** What the fake itself says each section holds on disk, read without the code under test. */
async function providerTotals(server: FakePlex): Promise<Map<number, { storage: number; duration: number }>> {
  const res = await fetch(`${server.url}/media/providers?includeStorage=1`, {
    headers: { Accept: 'application/json', 'X-Plex-Token': TOKEN },
  });
  const body = (await res.json()) as {
    MediaContainer: {
      MediaProvider: { Feature: { type: string; Directory: { id: number; storageTotal: number; durationTotal: number }[] }[] }[];
    };
  };
  const dirs = body.MediaContainer.MediaProvider[0]!.Feature.find((f) => f.type === 'content')!.Directory;
  return new Map(dirs.map((d) => [d.id, { storage: d.storageTotal, duration: d.durationTotal }]));
}

describe('Plex API library: the same Library as the DB reader', () => {
  const cases = [
    { profile: 'demo', server: () => fake, db: demo.plexDb, privateSections: [] as (string | number)[] },
    { profile: 'tiny', server: () => tinyFake, db: tiny.plexDb, privateSections: [] as (string | number)[] },
    // By name and by id, as privacy.privateSections allows.
    { profile: 'demo', server: () => fake, db: demo.plexDb, privateSections: ['Music', 4] },
  ];
  for (const c of cases) {
    it(`${c.profile}, private ${JSON.stringify(c.privateSections)}: sections, counts, totals and recently added match field by field`, async () => {
      const viaDb = data(await readPlex({ dbPath: c.db, privateSections: c.privateSections }));
      const viaApi = data(record(await readPlexApi({ ...conn(c.server()), privateSections: c.privateSections })));
      expect(viaApi.sections).toEqual(viaDb.sections);
      expect(viaApi.totals).toEqual(viaDb.totals);
      expect(viaApi.recentlyAdded).toEqual(viaDb.recentlyAdded);
      // Documented difference: the sizes are Plex's own per-library totals over the public sections.
      const perSection = await providerTotals(c.server());
      const publicIds = viaDb.sections.filter((s) => !s.private).map((s) => s.id);
      expect(viaApi.totalBytes).toBe(publicIds.reduce((n, id) => n + perSection.get(id)!.storage, 0));
      expect(viaApi.totalDurationMs).toBe(publicIds.reduce((n, id) => n + perSection.get(id)!.duration, 0));
    });
  }

  it('subtracts the trash: the fake lists trashed items like Plex does, and the counts still match the DB', async () => {
    // Producer behaviour the subtraction exists for: the plain listing counts the trash too.
    const raw = new Database(demo.plexDb, { readonly: true });
    const [all, trashed] = [
      raw.prepare('SELECT COUNT(*) FROM metadata_items WHERE library_section_id = 2 AND metadata_type = 4').pluck().get() as number,
      raw
        .prepare('SELECT COUNT(*) FROM metadata_items WHERE library_section_id = 2 AND metadata_type = 4 AND deleted_at IS NOT NULL')
        .pluck()
        .get() as number,
    ];
    raw.close();
    expect(trashed).toBeGreaterThan(0);
    const res = await fetch(`${fake.url}/library/sections/2/all?type=4&X-Plex-Container-Start=0&X-Plex-Container-Size=0`, {
      headers: { Accept: 'application/json', 'X-Plex-Token': TOKEN },
    });
    expect(((await res.json()) as { MediaContainer: { totalSize: number } }).MediaContainer.totalSize).toBe(all);
    const viaApi = data(await readPlexApi({ ...conn(fake), privateSections: [] }));
    expect(viaApi.sections.find((s) => s.id === 2)?.counts.episodes).toBe(all - trashed);
  });

  it('never lists the library: counts ask for zero items, recently-added pages for at most 20, and a read makes a bounded number of calls', async () => {
    const before = fake.requests.length;
    data(await readPlexApi({ ...conn(fake), privateSections: [] }));
    const made = fake.requests.slice(before).map((r) => new URL(r.url, 'http://x'));
    const sizes = made.filter((u) => u.pathname.endsWith('/all')).map((u) => Number(u.searchParams.get('X-Plex-Container-Size')));
    expect(sizes.every((n) => n === 0 || n <= 20)).toBe(true);
    // 5 sections: /library/sections + /media/providers + a total and a trash count per counted type
    // (1 + 3 + 3 + 1 + 1 types) + at most 10 pages of listing and 10 of trash for each of the 4
    // sections with a recently-added type. (This run: 29, three of them trash pages of TV Shows,
    // whose newest episodes share their addedAt with trashed ones.)
    expect(made.filter((u) => u.searchParams.get('X-Plex-Container-Size') === '0')).toHaveLength(2 * 9);
    expect(made.length).toBeLessThanOrEqual(2 + 2 * 9 + 4 * 2 * 10);
  });

  it('reports the size totals as unknown (null, not 0) when the server does not give them', async () => {
    const old = await startFakePlex({ plexDb: tiny.plexDb, token: TOKEN, storageTotals: false });
    try {
      const viaApi = data(record(await readPlexApi({ ...conn(old), privateSections: [] })));
      expect(viaApi.totalBytes).toBeNull();
      expect(viaApi.totalDurationMs).toBeNull();
      expect(viaApi.totals).toEqual(data(await readPlex({ dbPath: tiny.plexDb, privateSections: [] })).totals);
    } finally {
      await old.close();
    }
  });
});

describe('Plex API sessions: the same Activity as the Tautulli DB reader', () => {
  it('counts, decisions, states, bandwidth and what is watched match; the viewer is the Plex account name', async () => {
    const viaTautulli = data(await readTautulli({ dbPath: demo.tautulliDb, now: FIXTURE_NOW_MS, timeZone: 'UTC' })).activity;
    const viaApi = data(record(await readPlexSessions(conn(fake))));
    const { streams: apiStreams, ...apiCounts } = viaApi;
    const { streams: dbStreams, ...dbCounts } = viaTautulli;
    expect(apiCounts).toEqual(dbCounts);
    // Documented difference: Tautulli shows its own friendly name; Plex sends the account name (User.title).
    const raw = new Database(demo.tautulliDb, { readonly: true });
    const users = raw
      .prepare("SELECT user FROM sessions WHERE state NOT IN ('stopped', 'error') ORDER BY session_key")
      .pluck()
      .all() as string[];
    raw.close();
    expect(apiStreams.map((s) => s.viewer?.name)).toEqual(users);
    const withoutViewer = (list: typeof apiStreams) =>
      list.map(({ viewer: _v, startedAt: _s, ...rest }) => rest).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(withoutViewer(apiStreams)).toEqual(withoutViewer(dbStreams));
    expect(new Set(apiStreams.map((s) => s.decision))).toEqual(new Set(['direct play', 'copy', 'transcode']));
  });

  it('drops IP addresses, player names, machine ids and user thumbs, which the fake does send', async () => {
    const res = await fetch(`${fake.url}/status/sessions`, { headers: { Accept: 'application/json', 'X-Plex-Token': TOKEN } });
    const sent = await res.text();
    const result = JSON.stringify(record(await readPlexSessions(conn(fake))));
    const leaks = [...DEMO_IPS, ...DEMO_PLAYERS, ...DEMO_MACHINE_IDS, 'plex.tv/users'];
    expect(leaks.some((s) => sent.includes(s))).toBe(true);
    for (const s of leaks) expect(result, s).not.toContain(s);
  });

  it('hides what private sections play, by name or id, and still counts the stream', async () => {
    for (const privateSections of [['Movies'], [1]]) {
      const activity = data(await readPlexSessions({ ...conn(fake), privateSections }));
      const movies = activity.streams.filter((s) => s.kind === 'movie');
      expect(movies.length).toBeGreaterThan(0);
      expect(movies.every((s) => s.watching === null)).toBe(true);
      expect(activity.streams.filter((s) => s.kind !== 'movie').every((s) => s.watching !== null)).toBe(true);
    }
  });
});

describe('Plex API strings', () => {
  it('caps titles and names at 256 characters and keeps only server-relative thumbs', async () => {
    const copy = copyFixtureDbs('tiny');
    const db = new Database(copy.tautulliDb);
    db.prepare('UPDATE sessions SET title = ?, user = ?, thumb = ?, grandparent_thumb = ?').run(
      'T'.repeat(5_000),
      'U'.repeat(5_000),
      'https://images.example/poster.jpg',
      '/library/metadata/1/thumb/2?X-Plex-Token=leak',
    );
    db.close();
    const server = await startFakePlex({ plexDb: copy.plexDb, tautulliDb: copy.tautulliDb, token: TOKEN });
    try {
      const activity = data(record(await readPlexSessions(conn(server))));
      expect(activity.streams.length).toBeGreaterThan(0);
      for (const s of activity.streams) {
        expect(s.watching?.title).toBe('T'.repeat(256));
        expect(s.viewer?.name).toBe('U'.repeat(256));
        expect(s.watching?.thumb).toBeNull();
      }
    } finally {
      await server.close();
      rmSync(copy.dir, { recursive: true, force: true });
    }
  });
});

describe('Plex online check', () => {
  it('answers with the server version, and tells a rejected token from an unreachable server', async () => {
    expect(data(record(await checkPlexOnline(conn(fake)))).version).toMatch(/^\d+\.\d+/);
    const rejected = record(await checkPlexOnline({ ...conn(fake), token: 'wrong' }));
    expect(rejected.ok).toBe(false);
    if (!rejected.ok) expect(rejected.error.detail).toContain('plex.token was rejected');
    const down = record(await checkPlexOnline({ ...conn(fake), url: await closedPortUrl() }));
    expect(!down.ok && down.error.detail).toContain('ECONNREFUSED');
  });
});

describe('the fake answers as PMS does', () => {
  it('XML unless JSON is asked for, 401 without the token, /identity without one', async () => {
    const xml = await fetch(`${fake.url}/library/sections/1/all?type=1&X-Plex-Container-Start=0&X-Plex-Container-Size=0`, {
      headers: { 'X-Plex-Token': TOKEN },
    });
    expect(xml.headers.get('content-type')).toMatch(/xml/);
    expect(await xml.text()).toMatch(/<MediaContainer [^>]*totalSize="\d+"/);
    expect((await fetch(`${fake.url}/library/sections`)).status).toBe(401);
    expect((await fetch(`${fake.url}/identity`, { headers: { Accept: 'application/json' } })).status).toBe(200);
  });
});

/** A self-signed certificate for 127.0.0.1, made for this run. */
function selfSigned(): { key: string; cert: string; certFile: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-plex-tls-'));
  const [keyFile, certFile] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}

describe('faults are a SourceResult error, never a throw, and the next read recovers', () => {
  const failingLookup: LookupFunction = (hostname, _options, callback) =>
    callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 4);

  const faults: {
    name: string;
    fault?: FakePlexFault;
    extra?: () => Promise<Partial<PlexConnectionOptions>>;
    code: string;
    detail: RegExp;
  }[] = [
    {
      name: 'connection refused',
      extra: async () => ({ url: await closedPortUrl() }),
      code: 'unavailable',
      detail: /ECONNREFUSED.*connection refused/,
    },
    {
      name: 'DNS failure',
      extra: async () => ({ url: 'http://plex.invalid:32400', lookup: failingLookup }),
      code: 'unavailable',
      detail: /ENOTFOUND.*does not resolve/,
    },
    {
      name: 'timeout',
      fault: { kind: 'slow', delayMs: 3_000 },
      extra: async () => ({ timeoutMs: 300 }),
      code: 'timeout',
      detail: /no answer within 300 ms/,
    },
    { name: '401', extra: async () => ({ token: 'not-the-token' }), code: 'auth', detail: /plex\.token was rejected \(HTTP 401/ },
    { name: '500', fault: { kind: 'status', status: 500 }, code: 'unavailable', detail: /HTTP 500/ },
    { name: '503', fault: { kind: 'status', status: 503 }, code: 'unavailable', detail: /HTTP 503/ },
    { name: 'HTML instead of JSON', fault: { kind: 'html' }, code: 'unavailable', detail: /expected JSON, got an HTML page/ },
    { name: 'XML (Accept dropped by a proxy)', fault: { kind: 'xml' }, code: 'unavailable', detail: /expected JSON, got 'text\/xml/ },
    { name: 'connection cut', fault: { kind: 'hangup' }, code: 'unavailable', detail: /ECONNRESET|socket hang up|closed/ },
    {
      name: 'oversized answer',
      fault: { kind: 'huge', bytes: 300_000 },
      extra: async () => ({ maxResponseBytes: 100_000 }),
      code: 'unavailable',
      detail: /100000-byte limit/,
    },
    {
      name: 'token pasted into plex.url',
      extra: async () => ({ url: `${fake.url}/?X-Plex-Token=${TOKEN}` }),
      code: 'unavailable',
      detail: /must not contain X-Plex-Token/,
    },
  ];
  for (const f of faults) {
    it(f.name, async () => {
      const extra = f.extra ? await f.extra() : {};
      fake.setFault(f.fault ?? null);
      try {
        const reads = [
          readPlexApi({ ...conn(fake, extra), privateSections: [] }),
          readPlexSessions(conn(fake, extra)),
          checkPlexOnline(conn(fake, extra)),
        ];
        for (const result of await Promise.all(reads)) {
          record(result);
          expect(result.ok).toBe(false);
          if (result.ok) continue;
          expect(result.error.code).toBe(f.code);
          expect(result.error.detail).toMatch(f.detail);
        }
      } finally {
        fake.setFault(null);
      }
      expect(data(await readPlexApi({ ...conn(fake), privateSections: [] })).sections.length).toBeGreaterThan(0);
    });
  }

  it('TLS: a self-signed certificate is refused, and accepted with plex.caFile', async () => {
    const tls = selfSigned();
    const secure = await startFakePlex({ plexDb: tiny.plexDb, tautulliDb: tiny.tautulliDb, token: TOKEN, tls });
    try {
      const refused = record(await readPlexApi({ ...conn(secure), privateSections: [] }));
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.error.detail).toMatch(/certificate was not accepted.*plex\.caFile/);
      const trusted = record(await readPlexApi({ ...conn(secure), caFile: tls.certFile, privateSections: [] }));
      expect(trusted.ok).toBe(true);
      const missingCa = record(await readPlexApi({ ...conn(secure), caFile: path.join(tmpdir(), 'no-such-ca.pem'), privateSections: [] }));
      // Not "the database file was not found": the setting is named.
      expect(!missingCa.ok && missingCa.error.detail).toMatch(/plex\.caFile could not be read/);
      expect(!missingCa.ok && missingCa.error.code).toBe('unavailable');
    } finally {
      await secure.close();
    }
  });
});

describe('the token stays secret', () => {
  it('travels only in the X-Plex-Token header: no request URL the fake received holds it', () => {
    const withToken = [...fake.requests, ...tinyFake.requests].filter((r) => r.headers['x-plex-token'] === TOKEN);
    expect(withToken.length).toBeGreaterThan(50);
    // The one URL with the token is the misconfigured plex.url, which is refused before any request.
    for (const r of [...fake.requests, ...tinyFake.requests]) expect(r.url).not.toContain(TOKEN);
  });

  it('appears in no result, error message or error detail of any test above', () => {
    expect(outputs.length).toBeGreaterThan(30);
    const text = JSON.stringify(outputs);
    expect(text).not.toContain(TOKEN);
  });
});

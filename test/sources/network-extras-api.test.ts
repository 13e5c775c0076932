import type { Logger } from 'pino';
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixtures, SERVER_NAMES, type FixturePaths } from '../../fixtures/generator/index.js';
import { mergeSnapshot, type SourceResults } from '../../src/snapshot/merge.js';
import { networkSnapshot, type NetworkServer } from '../../src/snapshot/network.js';
import type { Host } from '../../src/snapshot/schema.js';
import type { PlexIdentities, PlexIdentitiesUnchanged, TautulliExtras } from '../../src/snapshot/source-results.js';
import { readPlexApi } from '../../src/sources/plex-api/index.js';
import { createSourceReader } from '../../src/sources/read-all.js';
import { readPlex } from '../../src/sources/plex/plex-source.js';
import { readTautulliApi } from '../../src/sources/tautulli-api/tautulli-api-source.js';
import { readTautulli } from '../../src/sources/tautulli/tautulli-source.js';
import { fakeSystemInfo } from '../drills/support/sources.js';
import { startFakePlex, type FakePlex } from '../support/fake-plex.js';
import { startFakeTautulli, type FakeTautulli } from '../support/fake-tautulli.js';
import { distinctLibrary, unionMostConcurrent } from '../support/network-oracle.js';

/**
 * The network extras (issue 20) read over Plex's and Tautulli's HTTP APIs equal the ones read from
 * the databases, for the generator's servers 0 ("Home") and 1 ("4K", copies of part of Home's films
 * and shows). The oracle of each extras value is the database source on the same file (itself
 * checked against raw-row oracles in test/snapshot/network.test.ts); the fakes answer from those
 * files as PMS and Tautulli do (test/support/fake-plex.ts, fake-tautulli.ts, importing nothing from
 * src/). The network built from API-read servers is held to test/support/network-oracle.ts.
 */
const NOW_S = 1_790_000_000;
const NOW_MS = NOW_S * 1000;
const TOKEN = 'tok-network-extras-5a1c9e';
const API_KEY = 'b7e4c2a9d1f84e6a9c3b5d7f1e2a4c6b';

interface Server {
  paths: FixturePaths;
  plex: FakePlex;
  tautulli: FakeTautulli;
}

let dir: string;
const servers: Server[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'marquee-extras-api-'));
  for (const server of [0, 1]) {
    const paths = generateFixtures(path.join(dir, `s${server}`), { profile: 'tiny', seed: 5, now: NOW_S, server });
    servers.push({
      paths,
      plex: await startFakePlex({ plexDb: paths.plexDb, tautulliDb: paths.tautulliDb, token: TOKEN }),
      tautulli: await startFakeTautulli({ dbPath: paths.tautulliDb, now: NOW_S, timeZone: 'UTC', apiKey: API_KEY }),
    });
  }
}, 120_000);
afterAll(async () => {
  await Promise.all(servers.flatMap((s) => [s.plex.close(), s.tautulli.close()]));
  rmSync(dir, { recursive: true, force: true });
});

const plexApi = (s: Server, extra: Partial<Parameters<typeof readPlexApi>[0]> = {}) =>
  readPlexApi({ url: s.plex.url, token: TOKEN, timeoutMs: 20_000, privateSections: [], ...extra });
const tautulliApi = (s: Server, extra: Partial<Parameters<typeof readTautulliApi>[0]> = {}) =>
  readTautulliApi({ url: s.tautulli.url, apiKey: API_KEY, timeoutMs: 20_000, networkExtras: true, now: NOW_MS, ...extra });

function identities(extras: PlexIdentities | PlexIdentitiesUnchanged | undefined): PlexIdentities {
  if (!extras || !('types' in extras)) throw new Error(`expected identities, got ${JSON.stringify(extras)}`);
  return extras;
}

/** Items per type as [id, its keys sorted, parent, index], in id order: the token and order are each source's own. */
function items(extras: PlexIdentities) {
  return Object.fromEntries(
    Object.entries(extras.types).map(([type, t]) => [
      type,
      t.ids
        .map((id, k) => [id, t.keys[k]!.split('\n').filter(Boolean).sort(), t.parents[k], t.indexes[k]] as const)
        .sort((a, b) => a[0] - b[0]),
    ]),
  );
}

/** Rows in one order (ties in plays are ordered by each query's own sort), segments sorted. */
function canonical(extras: TautulliExtras | undefined) {
  if (!extras) throw new Error('expected Tautulli extras');
  const sorted = <T>(rows: T[]) => [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return {
    segments: sorted(extras.segments.map((s) => [...s])),
    users: sorted(extras.users),
    movies: sorted(extras.movies),
    shows: sorted(extras.shows),
    platforms: sorted(extras.platforms),
  };
}

describe.each([0, 1])('server %i read over the APIs', (n) => {
  it('lists every counted item with the keys, parent and number the database gives it', async () => {
    const s = servers[n]!;
    const db = await readPlex({ dbPath: s.paths.plexDb, privateSections: [], networkExtras: true });
    const api = await plexApi(s, { networkExtras: true });
    expect(api.ok).toBe(true);
    const expected = items(identities(db.extras));
    expect(items(identities(api.extras))).toEqual(expected);
    // Not vacuous: films with external ids, episodes placed under seasons.
    expect(expected.movies!.length).toBeGreaterThan(10);
    expect(expected.movies!.some(([, keys]) => keys.some((k) => k.startsWith('imdb://')))).toBe(true);
    expect(expected.episodes!.every(([, , parent, index]) => parent !== null && index !== null)).toBe(true);
  });

  it('leaves out a private section as the database does', async () => {
    const s = servers[n]!;
    const names = new Database(s.paths.plexDb, { readonly: true })
      .prepare('SELECT name FROM library_sections ORDER BY id')
      .pluck()
      .all() as string[];
    const privateSections = [names[0]!];
    const db = await readPlex({ dbPath: s.paths.plexDb, privateSections, networkExtras: true });
    const api = await plexApi(s, { privateSections, networkExtras: true });
    expect(items(identities(api.extras))).toEqual(items(identities(db.extras)));
    const open = items(identities((await plexApi(s, { networkExtras: true })).extras));
    expect(Object.values(items(identities(api.extras))).flat().length).toBeLessThan(Object.values(open).flat().length);
  });

  it.each([true, false])('gives the segments and the rows of every key the database gives (group history %s)', async (group) => {
    const s = servers[n]!;
    const db = await readTautulli({ dbPath: s.paths.tautulliDb, now: NOW_MS, timeZone: 'UTC', networkExtras: true, groupHistory: group });
    const api = await tautulliApi(s, { groupHistory: group });
    expect(api.ok).toBe(true);
    const expected = canonical(db.extras);
    expect(canonical(api.extras)).toEqual(expected);
    expect(expected.segments.length).toBeGreaterThan(50);
    expect(expected.users.length).toBeGreaterThan(1);
  });

  it('leaves a private section’s plays out of the segments and the rows', async () => {
    const s = servers[n]!;
    const names = new Database(s.paths.tautulliDb, { readonly: true })
      .prepare("SELECT section_name FROM library_sections WHERE section_type = 'movie' ORDER BY section_id")
      .pluck()
      .all() as string[];
    const privateSections = [names[0]!];
    const db = await readTautulli({ dbPath: s.paths.tautulliDb, now: NOW_MS, timeZone: 'UTC', networkExtras: true, privateSections });
    const api = await tautulliApi(s, { privateSections });
    const expected = canonical(db.extras);
    const got = canonical(api.extras);
    // lastWatch is the one figure the API cannot take a section out of (see network-extras.ts).
    const plays = (rows: Array<{ plays: number; watchTimeS: number }>) => rows.map((r) => ({ ...r, lastWatch: 0 }));
    expect(got.segments).toEqual(expected.segments);
    expect(plays(got.users)).toEqual(plays(expected.users));
    expect(plays(got.movies)).toEqual(plays(expected.movies));
    expect(plays(got.shows)).toEqual(plays(expected.shows));
    expect(plays(got.platforms)).toEqual(plays(expected.platforms));
    expect(expected.segments.length).toBeLessThan(canonical((await tautulliApi(s)).extras).segments.length);
  });
});

describe('segments that began before the 30 days', () => {
  it('are listed when they stopped inside them, as the database source lists them', async () => {
    const tautulliDb = path.join(dir, 'long-segment.db');
    copyFileSync(servers[0]!.paths.tautulliDb, tautulliDb);
    const since = NOW_S - 30 * 86_400;
    const db = new Database(tautulliDb);
    // A stream left paused overnight: began 20 hours before the window, stopped an hour into it.
    const row = db
      .prepare('SELECT id FROM session_history WHERE stopped >= ? ORDER BY stopped LIMIT 1')
      .pluck()
      .get(since + 7200) as number;
    db.prepare('UPDATE session_history SET started = ?, stopped = ? WHERE id = ?').run(since - 20 * 3600, since + 3600, row);
    db.close();
    const fake = await startFakeTautulli({ dbPath: tautulliDb, now: NOW_S, timeZone: 'UTC', apiKey: API_KEY });
    try {
      const fromDb = await readTautulli({ dbPath: tautulliDb, now: NOW_MS, timeZone: 'UTC', networkExtras: true });
      const api = await readTautulliApi({ url: fake.url, apiKey: API_KEY, timeoutMs: 20_000, networkExtras: true, now: NOW_MS });
      expect(fromDb.extras!.segments).toContainEqual([since - 20 * 3600, since + 3600]);
      expect(canonical(api.extras).segments).toEqual(canonical(fromDb.extras).segments);
    } finally {
      await fake.close();
    }
  });
});

describe('the history probe', () => {
  it('reads no page while the history is unchanged, and every page once a play is added', async () => {
    const tautulliDb = path.join(dir, 'growing.db');
    copyFileSync(servers[1]!.paths.tautulliDb, tautulliDb);
    const fake = await startFakeTautulli({ dbPath: tautulliDb, now: NOW_S, timeZone: 'UTC', apiKey: API_KEY });
    const cache = {};
    const read = () =>
      readTautulliApi({ url: fake.url, apiKey: API_KEY, timeoutMs: 20_000, networkExtras: true, now: NOW_MS, extrasCache: cache });
    const historyCalls = async () => (await fake.calls()).filter((c) => c.query.cmd === 'get_history').length;
    const fromDb = async () => (await readTautulli({ dbPath: tautulliDb, now: NOW_MS, timeZone: 'UTC', networkExtras: true })).extras;
    try {
      const first = await read();
      expect(canonical(first.extras)).toEqual(canonical(await fromDb()));
      const afterFirst = await historyCalls();
      const second = await read();
      expect(await historyCalls()).toBe(afterFirst + 1);
      expect(canonical(second.extras)).toEqual(canonical(first.extras));
      // Tautulli writes a stopped segment: a new row in each of its three history tables.
      const db = new Database(tautulliDb);
      const last = db.prepare('SELECT MAX(id) FROM session_history').pluck().get() as number;
      for (const table of ['session_history', 'session_history_metadata', 'session_history_media_info']) {
        db.exec(`CREATE TEMP TABLE copy AS SELECT * FROM ${table} WHERE id = ${last}`);
        db.exec(`UPDATE copy SET id = ${last + 1}`);
        db.exec(`INSERT INTO ${table} SELECT * FROM copy`);
        db.exec('DROP TABLE copy');
      }
      db.prepare('UPDATE session_history SET started = ?, stopped = ?, reference_id = ? WHERE id = ?').run(
        NOW_S - 600,
        NOW_S - 60,
        last + 1,
        last + 1,
      );
      db.close();
      const third = await read();
      expect(await historyCalls()).toBeGreaterThan(afterFirst + 2);
      expect(third.extras!.segments).toContainEqual([NOW_S - 600, NOW_S - 60]);
      expect(canonical(third.extras)).toEqual(canonical(await fromDb()));
    } finally {
      await fake.close();
    }
  });
});

describe('the identities token over the API', () => {
  let copy: { plexDb: string; fake: FakePlex };
  beforeAll(async () => {
    const plexDb = path.join(dir, 'changing.db');
    copyFileSync(servers[0]!.paths.plexDb, plexDb);
    copy = { plexDb, fake: await startFakePlex({ plexDb, token: TOKEN }) };
  });
  afterAll(() => copy.fake.close());
  const listings = () => copy.fake.requests.filter((r) => r.url.includes('includeGuids=1')).length;

  it('answers unchanged without listing an item while the library is unchanged', async () => {
    const first = identities((await plexApi({ ...servers[0]!, plex: copy.fake }, { networkExtras: true })).extras);
    const before = listings();
    expect(before).toBeGreaterThan(0);
    const again = (await plexApi({ ...servers[0]!, plex: copy.fake }, { networkExtras: { knownToken: first.token } })).extras;
    expect(again).toEqual({ token: first.token, unchanged: true });
    expect(listings()).toBe(before);
  });

  it('stays unchanged across a scan that found nothing (scannedAt moves, nothing else)', async () => {
    const first = identities((await plexApi({ ...servers[0]!, plex: copy.fake }, { networkExtras: true })).extras);
    const db = new Database(copy.plexDb);
    db.prepare('UPDATE library_sections SET scanned_at = scanned_at + 3600').run();
    db.close();
    const before = listings();
    const again = (await plexApi({ ...servers[0]!, plex: copy.fake }, { networkExtras: { knownToken: first.token } })).extras;
    expect(again).toEqual({ token: first.token, unchanged: true });
    expect(listings()).toBe(before);
  });

  it('reads again after an edit that changes no count (a re-match moves contentChangedAt)', async () => {
    const first = identities((await plexApi({ ...servers[0]!, plex: copy.fake }, { networkExtras: true })).extras);
    const db = new Database(copy.plexDb);
    // PMS's ICU triggers make stock SQLite refuse the update (as in production); drop them in the copy.
    for (const name of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").pluck().all() as string[])
      db.exec(`DROP TRIGGER "${name}"`);
    const film = db
      .prepare('SELECT id, library_section_id AS section FROM metadata_items WHERE metadata_type = 1 ORDER BY id LIMIT 1')
      .get() as {
      id: number;
      section: number;
    };
    // What PMS writes on a re-match: the item's new guid, the section's changestamp raised.
    db.prepare("UPDATE metadata_items SET guid = 'plex://movie/rematched0000000000000001' WHERE id = ?").run(film.id);
    db.prepare('UPDATE library_sections SET content_changed_at = content_changed_at + 1 WHERE id = ?').run(film.section);
    db.close();
    const after = identities((await plexApi({ ...servers[0]!, plex: copy.fake }, { networkExtras: { knownToken: first.token } })).extras);
    expect(after.token).not.toBe(first.token);
    const k = after.types.movies.ids.indexOf(film.id);
    expect(after.types.movies.keys[k]!.split('\n')).toContain('plex://movie/rematched0000000000000001');
  });
});

describe('a network of servers read over the APIs', () => {
  const host = (cores: number): Host => ({
    cpu: { loadPct: 10, cores, temperatureC: null },
    memory: { usedBytes: 1e9, totalBytes: 4e9 },
    disks: [],
    network: { rxBytesPerS: 0, txBytesPerS: 0 },
    uptimeS: 1000,
    transcoderRunning: false,
  });
  const thresholds = {
    busyStreams: 5,
    overloadedStreams: 9,
    busyTranscodes: 3,
    overloadedTranscodes: 6,
    busyCpuPct: 70,
    overloadedCpuPct: 90,
  };

  it('counts the library once per GUID and finds the peak over the union, not partial', async () => {
    const members: NetworkServer[] = await Promise.all(
      servers.map(async (s, n) => {
        const { extras: plexExtras, ...plex } = await plexApi(s, { networkExtras: true });
        const { extras: tautulliExtras, ...tautulli } = await tautulliApi(s);
        const results: SourceResults = { plex, tautulli, host: { ok: true, data: host(4), durationMs: 1 } };
        return {
          id: SERVER_NAMES[n]!.toLowerCase(),
          name: SERVER_NAMES[n]!,
          snapshot: mergeSnapshot({ takenAt: NOW_MS, results, previous: null, thresholds }),
          plex: plexExtras && 'types' in plexExtras ? plexExtras : null,
          tautulli: tautulliExtras ?? null,
        };
      }),
    );
    const network = networkSnapshot(members, { takenAt: NOW_MS });
    expect(network.network?.partial).toBe(false);
    const files = servers.map((s) => s.paths);
    expect(network.library?.totals).toEqual(distinctLibrary(files));
    const peak = unionMostConcurrent(
      files.map((f) => f.tautulliDb),
      NOW_S,
    );
    expect(network.history?.mostConcurrent).toEqual({ streams: peak.streams, at: peak.at === null ? null : peak.at * 1000 });
    // The copies are merged: fewer films than the two servers hold.
    expect(network.library!.totals.movies).toBeLessThan(members.reduce((n, m) => n + m.snapshot!.library!.totals.movies, 0));
  });
});

describe('a library listed over several reads', () => {
  let copy: { plexDb: string; fake: FakePlex };
  beforeAll(async () => {
    const plexDb = path.join(dir, 'slow.db');
    copyFileSync(servers[0]!.paths.plexDb, plexDb);
    copy = { plexDb, fake: await startFakePlex({ plexDb, token: TOKEN }) };
  });
  afterAll(() => copy.fake.close());
  const pages = () => copy.fake.requests.filter((r) => r.url.includes('includeGuids=1')).map((r) => r.url);

  it('keeps the pages each read got within its budget and asks none of them twice', async () => {
    // Every listing page takes 600 ms; a read may ask pages for half its 2 s, so it gets about eight (of ~16).
    copy.fake.setFault({ kind: 'slow', delayMs: 600 }, 'includeGuids=1');
    const cache = {};
    const expected = items(identities((await readPlex({ dbPath: copy.plexDb, privateSections: [], networkExtras: true })).extras));
    try {
      const first = await plexApi({ ...servers[0]!, plex: copy.fake }, { networkExtras: true, identitiesCache: cache, timeoutMs: 2_000 });
      expect(first.ok).toBe(true);
      expect(first.extras).toBeUndefined();
      let extras = first.extras;
      for (let n = 0; n < 8 && !extras; n++) {
        extras = (await plexApi({ ...servers[0]!, plex: copy.fake }, { networkExtras: true, identitiesCache: cache, timeoutMs: 2_000 }))
          .extras;
      }
      expect(items(identities(extras))).toEqual(expected);
      expect(new Set(pages()).size).toBe(pages().length);
    } finally {
      copy.fake.setFault(null);
    }
  });

  it('lists again only the section whose changestamp moved', async () => {
    const cache = {};
    const first = identities((await plexApi({ ...servers[0]!, plex: copy.fake }, { networkExtras: true, identitiesCache: cache })).extras);
    const db = new Database(copy.plexDb);
    db.prepare('UPDATE library_sections SET content_changed_at = content_changed_at + 1 WHERE id = 1').run();
    db.close();
    const before = pages().length;
    const again = identities(
      (await plexApi({ ...servers[0]!, plex: copy.fake }, { networkExtras: { knownToken: first.token }, identitiesCache: cache })).extras,
    );
    expect(again.token).not.toBe(first.token);
    expect(items(again)).toEqual(items(first));
    const asked = pages().slice(before);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((url) => url.startsWith('/library/sections/1/all?'))).toBe(true);
  });
});

describe('extras that cannot be read', () => {
  it('leave the library as read when a Plex listing fails, and only the extras out', async () => {
    const s = servers[0]!;
    s.plex.setFault({ kind: 'status', status: 500 }, 'includeGuids=1');
    try {
      const api = await plexApi(s, { networkExtras: true });
      const plain = await plexApi(s);
      expect(api.ok).toBe(true);
      expect(api.extras).toBeUndefined();
      expect(api.ok && plain.ok && api.data).toEqual(plain.ok && plain.data);
    } finally {
      s.plex.setFault(null);
    }
  });

  it('leave the Tautulli section as read when get_history fails, and only the extras out', async () => {
    const s = servers[0]!;
    await s.tautulli.setFault({ resultError: 'exception', cmds: ['get_history'] });
    try {
      const api = await tautulliApi(s);
      const plain = await tautulliApi(s, { networkExtras: false });
      expect(api.ok).toBe(true);
      expect(api.extras).toBeUndefined();
      expect(api.ok && plain.ok && api.data).toEqual(plain.ok && plain.data);
    } finally {
      await s.tautulli.setFault(null);
    }
  });
});

describe('the source reader with HTTP sources and several servers', () => {
  it('hands the extras over, then keeps the identities and the segments while nothing changed', async () => {
    const s = servers[1]!;
    const read = createSourceReader({
      plexDb: '',
      tautulliDb: '',
      plexApi: { url: s.plex.url, token: TOKEN },
      tautulliApi: { url: s.tautulli.url, apiKey: API_KEY },
      privateSections: [],
      timeZone: 'UTC',
      hostTimeoutMs: 20_000,
      systemInfo: fakeSystemInfo(() => 'ok'),
      networkExtras: true,
    });
    try {
      const first = await read(NOW_MS);
      const db = await readPlex({ dbPath: s.paths.plexDb, privateSections: [], networkExtras: true });
      expect(items(identities(first.extras?.plex))).toEqual(items(identities(db.extras)));
      const tautulliDb = await readTautulli({ dbPath: s.paths.tautulliDb, now: NOW_MS, timeZone: 'UTC', networkExtras: true });
      expect(canonical(first.extras?.tautulli)).toEqual(canonical(tautulliDb.extras));
      // The extras travel apart: the sections are what a one-server read reports.
      expect(first.plex).not.toHaveProperty('extras');
      expect(first.tautulli).not.toHaveProperty('extras');
      const listed = s.plex.requests.filter((r) => r.url.includes('includeGuids=1')).length;
      const history = async () => (await s.tautulli.calls()).filter((c) => c.query.cmd === 'get_history').length;
      const paged = await history();
      const second = await read(NOW_MS);
      expect(second.extras?.plex).toEqual(first.extras?.plex);
      expect(s.plex.requests.filter((r) => r.url.includes('includeGuids=1')).length).toBe(listed);
      // One probe of the history, no page: nothing was played in between.
      expect(await history()).toBe(paged + 1);
      expect(canonical(second.extras?.tautulli)).toEqual(canonical(first.extras?.tautulli));
    } finally {
      await read.close();
    }
  });
  it('says once when the network extras stop being read, and once when they come back', async () => {
    const s = servers[1]!;
    const lines: Array<{ level: string; msg: string; sources?: string }> = [];
    const logger = {
      warn: (o: { sources?: string }, msg: string) => void lines.push({ level: 'warn', msg, ...o }),
      info: (o: { sources?: string }, msg: string) => void lines.push({ level: 'info', msg, ...o }),
    } as unknown as Logger;
    const read = createSourceReader(
      {
        plexDb: '',
        tautulliDb: '',
        plexApi: { url: s.plex.url, token: TOKEN },
        tautulliApi: { url: s.tautulli.url, apiKey: API_KEY },
        privateSections: [],
        timeZone: 'UTC',
        hostTimeoutMs: 20_000,
        systemInfo: fakeSystemInfo(() => 'ok'),
        networkExtras: true,
      },
      { logger },
    );
    try {
      s.plex.setFault({ kind: 'status', status: 500 }, 'includeGuids=1');
      await read(NOW_MS);
      await read(NOW_MS);
      s.plex.setFault(null);
      await read(NOW_MS);
      const about = lines.filter((l) => l.msg.startsWith('network extras'));
      expect(about).toEqual([
        { level: 'warn', msg: 'network extras not read: the network image is partial until they are', sources: 'plex' },
        { level: 'info', msg: 'network extras read again', sources: 'plex' },
      ]);
    } finally {
      s.plex.setFault(null);
      await read.close();
    }
  });
});

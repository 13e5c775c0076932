import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixtures, SERVER_NAMES, type FixturePaths } from '../../fixtures/generator/index.js';
import { mergeSnapshot, type SourceResults } from '../../src/snapshot/merge.js';
import { networkSnapshot, type NetworkServer } from '../../src/snapshot/network.js';
import { NetworkHistoryMemo } from '../../src/snapshot/network-history.js';
import { NetworkLibraryMemo } from '../../src/snapshot/network-library.js';
import { snapshotSchema, type Host, type Snapshot } from '../../src/snapshot/schema.js';
import { readPlex } from '../../src/sources/plex/plex-source.js';
import { readTautulli } from '../../src/sources/tautulli/tautulli-source.js';
import { writeStoppedPlays } from '../support/tautulli-writes.js';
import { distinctLibrary, historyTotals, liveTotals, unionMostConcurrent } from '../support/network-oracle.js';

/**
 * The network snapshot (issue 20) over two and three servers the producer-faithful generator
 * wrote: "Home", a "4K" server with copies of part of Home's films and shows under the same plex://
 * GUIDs, and a "Legacy" server whose copies carry only the ids under legacy agents. Every expected
 * number comes from the files' raw rows: Tautulli's own SQL (tautulli-oracle.mjs, per file, in a
 * process whose TZ is UTC, summed here) and test/support/network-oracle.ts (GUID union-find,
 * per-key totals, Tautulli's most-concurrent sweep over every file's segments, live rows).
 */
const NOW_S = 1_790_000_000;
const NOW_MS = NOW_S * 1000;
const TAUTULLI_ORACLE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../support/tautulli-oracle.mjs');
const thresholds = {
  busyStreams: 5,
  overloadedStreams: 9,
  busyTranscodes: 3,
  overloadedTranscodes: 6,
  busyCpuPct: 70,
  overloadedCpuPct: 90,
};

const host = (cores: number, loadPct: number): Host => ({
  cpu: { loadPct, cores, temperatureC: 40 + cores },
  memory: { usedBytes: cores * 1e9, totalBytes: cores * 4e9 },
  disks: [{ mount: 'disk 1', usedBytes: 1e12, totalBytes: 4e12 }],
  network: { rxBytesPerS: 1000 * cores, txBytesPerS: 5000 * cores },
  uptimeS: 86_400 * cores,
  transcoderRunning: false,
});

let dir: string;
const files: FixturePaths[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'marquee-network-'));
  for (const server of [0, 1, 2]) {
    files.push(generateFixtures(path.join(dir, `s${server}`), { profile: 'conformance', seed: 5, now: NOW_S, server }));
  }
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One server's cycle as the collector will run it: sources with extras, then the one-server merge. */
async function collect(server: number, paths: FixturePaths): Promise<NetworkServer> {
  const plex = await readPlex({ dbPath: paths.plexDb, privateSections: [], networkExtras: true });
  const tautulli = await readTautulli({ dbPath: paths.tautulliDb, now: NOW_MS, timeZone: 'UTC', networkExtras: true });
  const { extras: plexExtras, ...plexResult } = plex;
  const { extras: tautulliExtras, ...tautulliResult } = tautulli;
  const results: SourceResults = {
    plex: plexResult,
    tautulli: tautulliResult,
    host: { ok: true, data: host(4 * (server + 1), 20 * server), durationMs: 1 },
  };
  return {
    id: SERVER_NAMES[server]!.toLowerCase(),
    name: SERVER_NAMES[server]!,
    snapshot: mergeSnapshot({ takenAt: NOW_MS, results, previous: null, thresholds }),
    plex: plexExtras && 'types' in plexExtras ? plexExtras : null,
    tautulli: tautulliExtras ?? null,
  };
}

/** The snapshot a one-server Marquee reports for the same files (no extras asked). */
async function oneServer(server: number, paths: FixturePaths): Promise<Snapshot> {
  const results: SourceResults = {
    plex: await readPlex({ dbPath: paths.plexDb, privateSections: [] }),
    tautulli: await readTautulli({ dbPath: paths.tautulliDb, now: NOW_MS, timeZone: 'UTC' }),
    host: { ok: true, data: host(4 * (server + 1), 20 * server), durationMs: 1 },
  };
  return mergeSnapshot({ takenAt: NOW_MS, results, previous: null, thresholds });
}

interface TautulliOracle {
  windows: Record<'24h' | '7d' | '30d', { plays: number; watchTimeS: number }>;
  playsByHour: number[];
  playsByDay: { date: string; plays: number }[];
  playsByWeekday: number[];
}

const tautulliOracle = (db: string): TautulliOracle =>
  JSON.parse(
    execFileSync(process.execPath, [TAUTULLI_ORACLE, db, String(NOW_S), '1', '5'], {
      env: { ...process.env, TZ: 'UTC' },
      encoding: 'utf8',
    }),
  ) as TautulliOracle;

const withoutDurations = (s: Snapshot) => ({
  ...s,
  sources: Object.fromEntries(Object.entries(s.sources).map(([k, v]) => [k, { ...v, durationMs: 0 }])),
});

/** The plays of the top `n` keys, highest first: what a merged top list must show. */
const topPlays = (totals: Map<string, { plays: number }>, n = 5) =>
  [...totals.values()]
    .map((v) => v.plays)
    .sort((a, b) => b - a)
    .slice(0, n);

describe.each([
  ['two servers', [0, 1]],
  ['three servers', [0, 1, 2]],
])('the network of %s', (_label, members) => {
  let servers: NetworkServer[];
  let network: Snapshot;
  const picked = () => members.map((m) => files[m]!);

  beforeAll(async () => {
    servers = await Promise.all(members.map((m) => collect(m, files[m]!)));
    network = networkSnapshot(servers, { takenAt: NOW_MS });
  }, 60_000);

  it('is a valid snapshot of the one-server shape, with a row per server', () => {
    expect(snapshotSchema.parse(network)).toEqual(network);
    expect(network.network).toMatchObject({ servers: members.length, online: members.length, partial: false });
    expect(network.network?.rows.map((r) => r.name)).toEqual(members.map((m) => SERVER_NAMES[m]));
  });

  it('leaves each server’s own snapshot as a one-server Marquee reports it', async () => {
    for (const [k, m] of members.entries()) {
      expect(withoutDurations(servers[k]!.snapshot!)).toEqual(withoutDurations(await oneServer(m, files[m]!)));
    }
  });

  it('sums live streams by decision and bandwidth by place', () => {
    const live = liveTotals(picked().map((f) => f.tautulliDb));
    expect(network.activity).toMatchObject({
      streamCount: live.streams,
      transcode: live.transcode,
      directStream: live.copy,
      directPlay: live.directPlay,
      bandwidthKbps: { total: live.total, lan: live.lan, wan: live.wan },
    });
    expect(network.network?.rows.reduce((n, r) => n + (r.streams ?? 0), 0)).toBe(live.streams);
  });

  it('sums plays and watch time per window and plays per hour, day and weekday', () => {
    const oracles = picked().map((f) => tautulliOracle(f.tautulliDb));
    for (const w of ['24h', '7d', '30d'] as const) {
      expect(network.history?.windows[w]).toEqual({
        plays: oracles.reduce((n, o) => n + o.windows[w].plays, 0),
        watchTimeS: oracles.reduce((n, o) => n + o.windows[w].watchTimeS, 0),
      });
    }
    const add = (pick: (o: TautulliOracle) => number[]) => pick(oracles[0]!).map((_, k) => oracles.reduce((n, o) => n + pick(o)[k]!, 0));
    expect(network.history?.playsByHour).toEqual(add((o) => o.playsByHour));
    expect(network.history?.playsByWeekday).toEqual(add((o) => o.playsByWeekday));
    expect(network.history?.playsByDay).toEqual(
      oracles[0]!.playsByDay.map((d, k) => ({ date: d.date, plays: add((o) => o.playsByDay.map((x) => x.plays))[k] })),
    );
  });

  it('counts each film, show, season and episode once across servers', () => {
    const expected = distinctLibrary(picked());
    expect(network.library?.totals).toEqual(expected);
    // The copies are there to be merged: fewer films than the servers hold together.
    const held = servers.reduce((n, s) => n + s.snapshot!.library!.totals.movies, 0);
    expect(network.library!.totals.movies).toBeLessThan(held);
    expect(network.library!.totals.episodes).toBeLessThan(servers.reduce((n, s) => n + s.snapshot!.library!.totals.episodes, 0));
    // Photos have local GUIDs: never merged.
    expect(network.library!.totals.photos).toBe(servers.reduce((n, s) => n + s.snapshot!.library!.totals.photos, 0));
    expect(network.library!.sections.map((s) => s.name)).toContain(`${SERVER_NAMES[1]} · Movies 4K`);
  });

  it('finds the most concurrent streams over the union of every server’s segments', () => {
    const expected = unionMostConcurrent(
      picked().map((f) => f.tautulliDb),
      NOW_S,
    );
    expect(network.history?.mostConcurrent).toEqual({ streams: expected.streams, at: expected.at === null ? null : expected.at * 1000 });
    expect(expected.streams).toBeGreaterThanOrEqual(Math.max(...servers.map((s) => s.snapshot!.history!.mostConcurrent.streams)));
  });

  it('merges top lists from every key’s totals, a person by account id', () => {
    const expected = historyTotals(
      picked().map((f) => f.tautulliDb),
      NOW_S,
    );
    expect(network.history?.topUsers.map((u) => u.plays)).toEqual(topPlays(expected.users));
    expect(network.history?.topMovies.map((m) => m.plays)).toEqual(topPlays(expected.movies));
    expect(network.history?.topShows.map((m) => m.plays)).toEqual(topPlays(expected.shows));
    expect(network.history?.topPlatforms.map((m) => m.plays)).toEqual(topPlays(expected.platforms));
    const first = network.history!.topPlatforms[0]!;
    expect(first).toMatchObject(expected.platforms.get(first.platform)!);
  });
});

describe('a network with a server down or short of data', () => {
  it('keeps drawing the others and marks itself partial when a server’s files are missing', async () => {
    const [home, fourK] = await Promise.all([collect(0, files[0]!), collect(1, files[1]!)]);
    const gone = await collect(2, { plexDb: path.join(dir, 'gone', 'plex.db'), tautulliDb: path.join(dir, 'gone', 'tautulli.db') });
    expect(gone.snapshot?.state).toBe('offline');
    const network = networkSnapshot([home!, fourK!, gone], { takenAt: NOW_MS });
    expect(network.network).toMatchObject({ servers: 3, online: 2, partial: true });
    expect(network.network?.rows[2]).toEqual({ id: 'legacy', name: 'Legacy', state: 'offline', streams: null, bandwidthKbps: null });
    expect(network.state).not.toBe('offline');
    expect(network.sources.plex.status).toBe('ok');
    expect(network.library?.totals).toEqual(distinctLibrary([files[0]!, files[1]!]));
    expect(network.activity?.streamCount).toBe(liveTotals([files[0]!.tautulliDb, files[1]!.tautulliDb]).streams);
    expect(network.history?.mostConcurrent.streams).toBe(unionMostConcurrent([files[0]!.tautulliDb, files[1]!.tautulliDb], NOW_S).streams);
  });

  it('adds a server’s own totals when its identities are missing, and says the network is partial', async () => {
    const [home, fourK] = await Promise.all([collect(0, files[0]!), collect(1, files[1]!)]);
    const network = networkSnapshot([home!, { ...fourK!, plex: null }], { takenAt: NOW_MS });
    const homeOnly = distinctLibrary([files[0]!]);
    expect(network.library?.totals.movies).toBe(homeOnly.movies! + fourK!.snapshot!.library!.totals.movies);
    expect(network.network?.partial).toBe(true);
  });

  it('counts a machine two servers share once: its cores, memory, traffic and disks', async () => {
    const [a, b] = await Promise.all([collect(0, files[0]!), collect(1, files[1]!)]);
    // Written out from the host() helper: server 0's machine has 4 cores, server 1's 8.
    const apart = networkSnapshot([a!, b!], { takenAt: NOW_MS }).host!;
    expect(apart.cpu.cores).toBe(4 + 8);
    expect(apart.memory.totalBytes).toBe(4 * 4e9 + 8 * 4e9);
    const shared = networkSnapshot(
      [
        { ...a!, hostKey: 'this machine' },
        { ...b!, hostKey: 'this machine' },
      ],
      { takenAt: NOW_MS },
    ).host!;
    expect(shared.cpu.cores).toBe(4);
    expect(shared.memory.totalBytes).toBe(4 * 4e9);
    expect(shared.network.rxBytesPerS).toBe(1000 * 4);
    expect(shared.disks).toHaveLength(1);
  });

  it('is offline only when no server answers', async () => {
    const gone = await collect(2, { plexDb: path.join(dir, 'gone', 'plex.db'), tautulliDb: path.join(dir, 'gone', 'tautulli.db') });
    const network = networkSnapshot([gone, { id: 'never', name: 'Never', snapshot: null, plex: null, tautulli: null }], {
      takenAt: NOW_MS,
    });
    expect(network.state).toBe('offline');
    expect(network.library).toBeNull();
    expect(network.network).toMatchObject({ servers: 2, online: 0, partial: true });
    expect(snapshotSchema.parse(network)).toEqual(network);
  });
});

/**
 * A network collection keeps its merges between cycles (NetworkHistoryMemo, NetworkLibraryMemo),
 * keyed by the identity of each server's extras. Whatever they keep, what the network shows after a
 * server's Tautulli changed must be the oracle's for the changed files, never the last merge.
 */
describe('the network collection’s memos', () => {
  let copy: string;
  beforeAll(() => {
    copy = path.join(dir, 'memo-4k', 'tautulli.db');
    mkdirSync(path.dirname(copy), { recursive: true });
    copyFileSync(files[1]!.tautulliDb, copy);
    if (existsSync(`${files[1]!.tautulliDb}-wal`)) copyFileSync(`${files[1]!.tautulliDb}-wal`, `${copy}-wal`);
  });

  it('show the oracle’s top lists and peak once a server’s Tautulli gains plays', async () => {
    const memos = { memo: new NetworkLibraryMemo(), historyMemo: new NetworkHistoryMemo() };
    const fourK = { ...files[1]!, tautulliDb: copy };
    const before = [await collect(0, files[0]!), await collect(1, fourK), await collect(2, files[2]!)];
    const first = networkSnapshot(before, { takenAt: NOW_MS, ...memos });
    expect(first).toEqual(networkSnapshot(before, { takenAt: NOW_MS }));
    // 40 plays of an existing film, all watched at once in the last hour.
    writeStoppedPlays(copy, { startedS: NOW_S - 3000, stoppedS: NOW_S - 100, count: 40 });
    const after = [before[0]!, await collect(1, fourK), before[2]!];
    const second = networkSnapshot(after, { takenAt: NOW_MS, ...memos });
    const dbs = [files[0]!.tautulliDb, copy, files[2]!.tautulliDb];
    const expected = historyTotals(dbs, NOW_S);
    expect(second.history?.topMovies.map((m) => m.plays)).toEqual(topPlays(expected.movies));
    expect(second.history?.topUsers.map((u) => u.plays)).toEqual(topPlays(expected.users));
    expect(second.history?.topPlatforms.map((p) => p.plays)).toEqual(topPlays(expected.platforms));
    const peak = unionMostConcurrent(dbs, NOW_S);
    expect(second.history?.mostConcurrent).toEqual({ streams: peak.streams, at: peak.at === null ? null : peak.at * 1000 });
    // The plays were added to move both: a memo that kept the first merge fails here.
    expect(second.history?.mostConcurrent.streams).toBeGreaterThanOrEqual(40);
    expect(second.history?.topMovies[0]?.plays).not.toBe(first.history?.topMovies[0]?.plays);
    // The same extras again: the memo's merge, equal to a merge without it.
    expect(networkSnapshot(after, { takenAt: NOW_MS, ...memos })).toEqual(networkSnapshot(after, { takenAt: NOW_MS }));
  });
});

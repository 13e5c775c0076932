import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixtures } from '../../fixtures/generator/index.js';
import { agentKey, externalKey, type PlexIdentities } from '../../src/sources/plex/identities.js';
import { readPlex } from '../../src/sources/plex/plex-source.js';
import { fixtureDbs, FIXTURE_NOW_S, FIXTURE_SEED } from '../support/fixtures.js';
import { plexItems } from '../support/network-oracle.js';

/**
 * The Plex source's network extras (issue 20): for every item the one-server totals count, the
 * names it has outside its server. The oracle (test/support/network-oracle.ts) reads every
 * metadata_items row and each item's 314 tags with its own queries and normalises the guids itself.
 */
let dir: string;
const files: string[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'marquee-identities-'));
  files.push(fixtureDbs('demo').plexDb);
  // Server 1 runs the current agents, server 2 the legacy ones (fixtures/generator/network.ts).
  for (const server of [1, 2]) {
    files.push(generateFixtures(path.join(dir, `s${server}`), { profile: 'tiny', seed: FIXTURE_SEED, now: FIXTURE_NOW_S, server }).plexDb);
  }
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function read(dbPath: string, privateSections: Array<string | number> = []) {
  const result = await readPlex({ dbPath, privateSections, networkExtras: true });
  if (!result.ok || !result.extras || !('types' in result.extras)) throw new Error('no extras');
  return { library: result.data, extras: result.extras };
}

/** The source's items as the oracle's shape: id -> sorted names, per type. */
function byItem(extras: PlexIdentities) {
  const out: Record<string, Map<number, { names: string[]; parent: number | null; index: number | null }>> = {};
  for (const [type, list] of Object.entries(extras.types)) {
    out[type] = new Map(
      list.ids.map((id, i) => [
        id,
        { names: list.keys[i] ? list.keys[i]!.split('\n').sort() : [], parent: list.parents[i]!, index: list.indexes[i]! },
      ]),
    );
  }
  return out;
}

describe('Plex network extras', () => {
  it('are read only when asked, and leave the library as a plain read gives it', async () => {
    const plain = await readPlex({ dbPath: files[0]!, privateSections: [] });
    const asked = await read(files[0]!);
    expect(plain.ok && 'extras' in plain).toBe(false);
    expect(asked.library).toEqual(plain.ok ? plain.data : null);
  });

  it.each([0, 1, 2])('name every counted item of server %i as the oracle does', async (server) => {
    const { library, extras } = await read(files[server]!);
    const expected = plexItems({ plexDb: files[server]! });
    const actual = byItem(extras);
    for (const [type, items] of Object.entries(actual)) {
      const oracle = expected.filter((i) => i.type === type);
      expect(items.size, type).toBe(oracle.length);
      expect(items.size, type).toBe(library.totals[type as keyof typeof library.totals]);
      for (const item of oracle)
        expect(items.get(item.id), `${type} ${item.id}`).toEqual({ names: [...item.names].sort(), parent: item.parent, index: item.index });
    }
  });

  it('give films external ids on the current agents and the ids themselves under a legacy agent', async () => {
    const current = byItem((await read(files[1]!)).extras);
    const legacy = byItem((await read(files[2]!)).extras);
    const names = (m: Map<number, { names: string[] }>) => [...m.values()].flatMap((v) => v.names);
    expect(names(current.movies!).some((n) => n.startsWith('plex://movie/'))).toBe(true);
    expect(names(current.movies!).some((n) => n.startsWith('imdb://tt'))).toBe(true);
    expect(names(legacy.movies!).some((n) => n.startsWith('plex://'))).toBe(false);
    expect(names(legacy.episodes!).every((n) => /^tvdb:\/\/\d+\/\d+\/\d+$/.test(n))).toBe(true);
    // Photos and home videos are local: no names at all.
    expect(names(current.photos!)).toEqual([]);
  });

  it('answer "unchanged" for the token of a library that has not changed, and read again for another', async () => {
    const first = await read(files[0]!);
    const again = await readPlex({ dbPath: files[0]!, privateSections: [], networkExtras: { knownToken: first.extras.token } });
    expect(again.ok && again.extras).toEqual({ token: first.extras.token, unchanged: true });
    // Another set of private sections is another set of counted items.
    const other = await readPlex({ dbPath: files[0]!, privateSections: ['Movies'], networkExtras: { knownToken: first.extras.token } });
    expect(other.ok && other.extras && 'types' in other.extras).toBe(true);
  });

  it('leave out private sections, as the public totals do', async () => {
    const { library, extras } = await read(files[0]!, ['Movies']);
    const movies = plexItems({ plexDb: files[0]!, privateSectionIds: [1] }).filter((i) => i.type === 'movies');
    expect(extras.types.movies.ids.length).toBe(movies.length);
    expect(extras.types.movies.ids.length).toBe(library.totals.movies);
  });
});

describe('agent GUIDs and external ids as keys', () => {
  it.each([
    ['plex://movie/5d776834880197001ec93294', 'plex://movie/5d776834880197001ec93294'],
    ['com.plexapp.agents.imdb://tt2771200?lang=en', 'imdb://tt2771200'],
    ['com.plexapp.agents.themoviedb://278?lang=en', 'tmdb://278'],
    ['com.plexapp.agents.thetvdb://74205?lang=en', 'tvdb://74205'],
    ['com.plexapp.agents.thetvdb://74205/1/1?lang=en', 'tvdb://74205/1/1'],
    ['com.plexapp.agents.hama://anidb-123?lang=en', 'com.plexapp.agents.hama://anidb-123'],
    ['local://1234', null],
    ['com.plexapp.agents.none://9b1f0c8e-1e2d-4c4e-a1b2-3c4d5e6f7a8b', null],
    ['file:///data/media/movies/x.mkv', null],
    ['', null],
    [null, null],
    ['not a guid', null],
  ])('%s -> %s', (guid, key) => {
    expect(agentKey(guid)).toBe(key);
  });

  it.each([
    ['imdb://tt0113243', 'imdb://tt0113243'],
    ['TMDB://10428', 'tmdb://10428'],
    ['tvdb://4534', 'tvdb://4534'],
    ['Comedy', null],
  ])('tag %s -> %s', (tag, key) => {
    expect(externalKey(tag)).toBe(key);
  });
});

import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { readPlex } from '../../src/sources/plex/plex-source.js';
import { copyFixtureDbs, fixtureDbs } from '../support/fixtures.js';

/**
 * The oracle reads raw rows with `SELECT *`-style queries and does the arithmetic in JavaScript, so
 * a wrong WHERE clause or join in the source cannot agree with it by accident.
 */
const { plexDb } = fixtureDbs('demo');

function rawRows<T>(sql: string): T[] {
  const db = new Database(plexDb, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

const typeNames: Record<number, string> = {
  1: 'movies',
  2: 'shows',
  3: 'seasons',
  4: 'episodes',
  8: 'artists',
  9: 'albums',
  10: 'tracks',
  13: 'photos',
};

interface ItemRow {
  id: number;
  metadata_type: number;
  library_section_id: number | null;
  deleted_at: number | null;
}

/** What a user counts per section and type: live items of the counted types, one per metadata item. */
function expectedCounts(items: readonly ItemRow[]): Map<number, Record<string, number>> {
  const bySection = new Map<number, Record<string, number>>();
  for (const item of items) {
    const name = typeNames[item.metadata_type];
    if (!name || item.deleted_at !== null || item.library_section_id === null) continue;
    const counts = bySection.get(item.library_section_id) ?? {
      movies: 0,
      shows: 0,
      seasons: 0,
      episodes: 0,
      artists: 0,
      albums: 0,
      tracks: 0,
      photos: 0,
    };
    counts[name]!++;
    bySection.set(item.library_section_id, counts);
  }
  return bySection;
}

describe('Plex source on the demo library', () => {
  it('counts every kind of item per section, leaving out the trash, extras, playlists and collections', async () => {
    const result = await readPlex({ dbPath: plexDb, privateSections: [] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const items = rawRows<ItemRow>('SELECT id, metadata_type, library_section_id, deleted_at FROM metadata_items');
    const expected = expectedCounts(items);
    for (const section of result.data.sections) expect(section.counts, section.name).toEqual(expected.get(section.id));
    const totals = { movies: 0, shows: 0, seasons: 0, episodes: 0, artists: 0, albums: 0, tracks: 0, photos: 0 };
    for (const counts of expected.values()) for (const [k, n] of Object.entries(counts)) totals[k as keyof typeof totals] += n;
    expect(result.data.totals).toEqual(totals);
    // The fixture really does contain the things that must be excluded, written as PMS writes them:
    const sectionOf = new Map(
      rawRows<{ id: number; section_type: number }>('SELECT id, section_type FROM library_sections').map((r) => [r.id, r.section_type]),
    );
    const has = (f: (i: ItemRow) => boolean) => items.some(f);
    // extras are clips (type 12), some inside the movie section, some in no section;
    expect(has((i) => i.metadata_type === 12 && sectionOf.get(i.library_section_id ?? -1) === 1)).toBe(true);
    expect(has((i) => i.metadata_type === 12 && i.library_section_id === null)).toBe(true);
    // videos in a photo library are clips too, and not photos;
    expect(has((i) => i.metadata_type === 12 && sectionOf.get(i.library_section_id ?? -1) === 13)).toBe(true);
    // collections sit in their section, playlists in none;
    expect(has((i) => i.metadata_type === 18 && i.library_section_id !== null)).toBe(true);
    expect(has((i) => i.metadata_type === 15 && i.library_section_id === null)).toBe(true);
    // the trash holds whole shows (show, seasons and episodes) and albums, not just leaves.
    for (const type of [1, 2, 3, 4, 9, 10])
      expect(
        has((i) => i.metadata_type === type && i.deleted_at !== null),
        `trashed type ${type}`,
      ).toBe(true);
    // Movies with several versions (several media_items) are still one movie each.
    const versions = rawRows<{ n: number }>(
      `SELECT COUNT(*) AS n FROM media_items m JOIN metadata_items mi ON mi.id = m.metadata_item_id
       WHERE mi.metadata_type = 1 AND mi.deleted_at IS NULL AND m.deleted_at IS NULL GROUP BY mi.id HAVING COUNT(*) > 1`,
    );
    expect(versions.length).toBeGreaterThan(10);
    expect(result.data.totals.movies).toBeGreaterThan(1000);
    expect(result.data.totals.episodes).toBeGreaterThan(10_000);
  });

  it('sums the size and duration of each file still on disk once', async () => {
    const result = await readPlex({ dbPath: plexDb, privateSections: [] });
    if (!result.ok) throw new Error(result.error.message);
    // Disk usage from first principles: every distinct path whose part and media rows are not in the
    // trash, counted once however many rows point at it (a multi-episode file has one per episode).
    const media = new Map(
      rawRows<{ id: number; deleted_at: number | null }>('SELECT id, deleted_at FROM media_items').map((m) => [m.id, m.deleted_at]),
    );
    const files = new Map<string, { size: number; duration: number; rows: number }>();
    for (const part of rawRows<{ media_item_id: number; file: string; size: number; duration: number | null; deleted_at: number | null }>(
      'SELECT media_item_id, file, size, duration, deleted_at FROM media_parts',
    )) {
      if (part.deleted_at !== null || !media.has(part.media_item_id) || media.get(part.media_item_id) !== null) continue;
      const seen = files.get(part.file);
      if (seen) seen.rows++;
      else files.set(part.file, { size: part.size ?? 0, duration: part.duration ?? 0, rows: 1 });
    }
    let bytes = 0;
    let duration = 0;
    for (const f of files.values()) {
      bytes += f.size;
      duration += f.duration;
    }
    expect(result.data.totalBytes).toBe(bytes);
    expect(result.data.totalDurationMs).toBe(duration);
    // The cases that make a naive SUM over media_parts wrong are present: files listed by several
    // episodes, and deleted media (a replaced file) on live items.
    expect([...files.values()].filter((f) => f.rows > 1).length).toBeGreaterThan(10);
    const replaced = rawRows<{ n: number }>(
      `SELECT COUNT(*) AS n FROM media_items m JOIN metadata_items mi ON mi.id = m.metadata_item_id
       WHERE m.deleted_at IS NOT NULL AND mi.deleted_at IS NULL`,
    );
    expect(replaced[0]!.n).toBeGreaterThan(0);
  });

  it('keeps private sections out of the totals', async () => {
    const all = await readPlex({ dbPath: plexDb, privateSections: [] });
    if (!all.ok) throw new Error('read failed');
    const movieSection = all.data.sections.find((s) => s.kind === 'movie' && s.items > 0)!;
    const hidden = await readPlex({ dbPath: plexDb, privateSections: [movieSection.name] });
    if (!hidden.ok) throw new Error('read failed');
    expect(hidden.data.totals.movies).toBe(all.data.totals.movies - movieSection.counts.movies);
    expect(hidden.data.sections.find((s) => s.id === movieSection.id)?.private).toBe(true);
  });

  it('lists recently added items newest first', async () => {
    const result = await readPlex({ dbPath: plexDb, privateSections: [], recentlyAddedLimit: 5 });
    if (!result.ok) throw new Error('read failed');
    const added = result.data.recentlyAdded.map((r) => r.addedAt);
    expect(added).toHaveLength(5);
    expect([...added].sort((a, b) => b - a)).toEqual(added);
  });

  it('reports a missing database as a typed error instead of throwing', async () => {
    const result = await readPlex({ dbPath: '/nonexistent/library.db', privateSections: [] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('missing');
  });
});

describe('Plex source: adult items', () => {
  it('never lists items Plex flags adult among recent additions', async () => {
    // On a private copy, make an adult movie the newest addition so the filter has work to do.
    const copy = copyFixtureDbs('tiny');
    const db = new Database(copy.plexDb);
    // PMS's ICU triggers make stock SQLite refuse the update (as in production); drop them in the copy.
    for (const name of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").pluck().all() as string[])
      db.exec(`DROP TRIGGER "${name}"`);
    const adult = db.prepare('SELECT id, title FROM metadata_items WHERE is_adult = 1 AND deleted_at IS NULL LIMIT 1').get() as {
      id: number;
      title: string;
    };
    db.prepare('UPDATE metadata_items SET added_at = ? WHERE id = ?').run(4_000_000_000, adult.id);
    db.close();
    const result = await readPlex({ dbPath: copy.plexDb, privateSections: [], recentlyAddedLimit: 5 });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.data.recentlyAdded).toHaveLength(5);
    expect(result.data.recentlyAdded.map((r) => r.watching!.title)).not.toContain(adult.title);
  });
});

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

describe('Plex source on the demo library', () => {
  it('counts every kind of item per section, leaving out deleted items, extras, playlists and collections', async () => {
    const result = await readPlex({ dbPath: plexDb, privateSections: [] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const items = rawRows<{ metadata_type: number; library_section_id: number | null; deleted_at: number | null }>(
      'SELECT metadata_type, library_section_id, deleted_at FROM metadata_items',
    );
    const expected: Record<string, number> = { movies: 0, shows: 0, seasons: 0, episodes: 0, artists: 0, albums: 0, tracks: 0, photos: 0 };
    for (const item of items) {
      const name = typeNames[item.metadata_type];
      if (name && item.deleted_at === null && item.library_section_id !== null) expected[name]!++;
    }
    expect(result.data.totals).toEqual(expected);
    // The fixture really does contain the things that must be excluded.
    expect(items.some((i) => i.metadata_type === 12)).toBe(true);
    expect(items.some((i) => i.metadata_type === 18)).toBe(true);
    expect(items.some((i) => i.metadata_type === 15)).toBe(true);
    expect(items.some((i) => i.deleted_at !== null)).toBe(true);
    expect(result.data.totals.movies).toBeGreaterThan(1000);
    expect(result.data.totals.episodes).toBeGreaterThan(10_000);
  });

  it('sums the size and duration of every media file still present', async () => {
    const result = await readPlex({ dbPath: plexDb, privateSections: [] });
    if (!result.ok) throw new Error(result.error.message);
    const media = new Map(
      rawRows<{ id: number; deleted_at: number | null }>('SELECT id, deleted_at FROM media_items').map((m) => [m.id, m.deleted_at]),
    );
    let bytes = 0;
    let duration = 0;
    for (const part of rawRows<{ media_item_id: number; size: number; duration: number; deleted_at: number | null }>(
      'SELECT media_item_id, size, duration, deleted_at FROM media_parts',
    )) {
      if (part.deleted_at !== null || !media.has(part.media_item_id) || media.get(part.media_item_id) !== null) continue;
      bytes += part.size ?? 0;
      duration += part.duration ?? 0;
    }
    expect(result.data.totalBytes).toBe(bytes);
    expect(result.data.totalDurationMs).toBe(duration);
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

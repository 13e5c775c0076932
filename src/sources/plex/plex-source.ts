import type { Library, MediaCounts, MediaKind } from '../../snapshot/schema.js';
import { runSource, type SourceResult } from '../result.js';
import { readIdentities, type PlexIdentities, type PlexIdentitiesUnchanged } from './identities.js';
import { columnsOf, openReadOnly } from '../sqlite-readonly.js';
import { COUNTED_TYPES, countsSql, deletedCountsSql, filesSql, recentlyAddedSql, sectionsSql } from './queries.js';

export interface PlexSourceOptions {
  dbPath: string;
  /** Section names or ids the admin marked private. */
  privateSections: ReadonlyArray<string | number>;
  recentlyAddedLimit?: number;
  busyTimeoutMs?: number;
  /**
   * Also read what the network image needs (identities.ts): only when the config has several
   * servers, since it reads every item's GUID (off: a one-server cycle costs nothing more). With
   * the token of the identities the caller keeps, answers `unchanged` while the library is.
   */
  networkExtras?: boolean | { knownToken: string };
}

/**
 * A Plex read. `extras` (with options.networkExtras, on success) is read in the same transaction as
 * the library, and kept apart from it: it is large, and never part of a snapshot.
 */
export type PlexResult = SourceResult<Library> & { extras?: PlexIdentities | PlexIdentitiesUnchanged };

const sectionKinds: Record<number, Library['sections'][number]['kind']> = { 1: 'movie', 2: 'show', 8: 'artist', 13: 'photo' };
const topLevelCount: Record<Library['sections'][number]['kind'], keyof MediaCounts | null> = {
  movie: 'movies',
  show: 'shows',
  artist: 'artists',
  photo: 'photos',
  other: null,
};
const itemKinds: Record<number, MediaKind> = {
  1: 'movie',
  2: 'show',
  3: 'season',
  4: 'episode',
  8: 'artist',
  9: 'album',
  10: 'track',
  13: 'photo',
};

export const emptyCounts = (): MediaCounts => ({
  movies: 0,
  shows: 0,
  seasons: 0,
  episodes: 0,
  artists: 0,
  albums: 0,
  tracks: 0,
  photos: 0,
});

const PAGE_CACHE_PAGES = 128;

/** Reads library counts, sizes and recent additions from Plex's DB, opened read-only per cycle. */
export async function readPlex(options: PlexSourceOptions): Promise<PlexResult> {
  let extras: PlexIdentities | PlexIdentitiesUnchanged | undefined;
  const result = await runSource(() => {
    const handle = openReadOnly(options.dbPath, options.busyTimeoutMs);
    try {
      // better-sqlite3 defaults to a 16 MB page cache. A connection lives one cycle and reads most
      // pages once, so that cache only grew: every page read landed in freshly allocated memory,
      // and those page faults were most of the cycle (files query, CPU: demo 75 -> 15 ms, large
      // 150 -> 72 ms). 128 pages (512 KB) recycle warm buffers and still hold the b-tree interior
      // pages that the deleted-item and parent lookups revisit.
      handle.db.pragma(`cache_size = ${PAGE_CACHE_PAGES}`);
      // One read transaction so every number comes from the same state of the DB.
      return handle.db.transaction(() => {
        const library = queryLibrary(handle.db, options);
        const wanted = options.networkExtras;
        if (wanted) {
          const privateIds = library.sections.filter((s) => s.private).map((s) => s.id);
          extras = readIdentities(handle.db, privateIds, typeof wanted === 'object' ? wanted.knownToken : undefined);
        }
        return library;
      })();
    } finally {
      handle.close();
    }
  });
  return result.ok && extras ? { ...result, extras } : result;
}

function queryLibrary(db: import('better-sqlite3').Database, options: PlexSourceOptions): Library {
  const isPrivate = (id: number, name: string) => options.privateSections.some((p) => p === id || p === name);
  const sectionRows = db.prepare(sectionsSql).all() as { id: number; name: string; section_type: number }[];
  const sections = new Map(
    sectionRows.map((s) => {
      const kind = sectionKinds[s.section_type] ?? 'other';
      return [s.id, { id: s.id, name: s.name, kind, items: 0, counts: emptyCounts(), private: isPrivate(s.id, s.name) }];
    }),
  );
  type CountRow = { sectionId: number; type: number; n: number };
  for (const [sql, sign] of [
    [countsSql, 1],
    [deletedCountsSql, -1],
  ] as const) {
    for (const row of db.prepare(sql).all() as CountRow[]) {
      const section = sections.get(row.sectionId);
      const kind = isCountedType(row.type) ? COUNTED_TYPES[row.type] : undefined;
      if (section && kind) section.counts[kind] += sign * row.n;
    }
  }
  const totals = emptyCounts();
  for (const section of sections.values()) {
    const top = topLevelCount[section.kind];
    section.items = top ? section.counts[top] : 0;
    if (section.private) continue;
    for (const key of Object.keys(totals) as (keyof MediaCounts)[]) totals[key] += section.counts[key];
  }
  const privateIds = [...sections.values()].filter((s) => s.private).map((s) => s.id);
  const files = db.prepare(filesSql).get(JSON.stringify(privateIds)) as { bytes: number; durationMs: number };
  const recent = db
    .prepare(recentlyAddedSql(columnsOf(db, 'metadata_items').has('is_adult')))
    .all((options.recentlyAddedLimit ?? 10) * 2) as RecentRow[];
  const recentlyAdded = recent
    .filter((r) => !sections.get(r.sectionId)?.private)
    .slice(0, options.recentlyAddedLimit ?? 10)
    .map((r) => ({
      kind: itemKinds[r.type] ?? 'other',
      addedAt: toEpochMs(r.addedAt),
      sectionId: r.sectionId,
      watching: { title: r.title ?? '', grandparentTitle: r.grandparentTitle, year: r.year, thumb: `/library/metadata/${r.id}/thumb` },
    }));
  return { sections: [...sections.values()], totals, totalBytes: files.bytes, totalDurationMs: files.durationMs, recentlyAdded };
}

const isCountedType = (type: number): type is keyof typeof COUNTED_TYPES => Object.hasOwn(COUNTED_TYPES, type);

interface RecentRow {
  id: number;
  type: number;
  title: string | null;
  year: number | null;
  addedAt: number | string | null;
  sectionId: number;
  grandparentTitle: string | null;
}

/** Plex stores dt_integer(8) as epoch seconds; old exports hold text dates, so read both. */
export function toEpochMs(value: number | string | null): number {
  if (value == null) return 0;
  if (typeof value === 'number') return value * 1000;
  const parsed = Date.parse(value.includes('T') ? value : `${value.replace(' ', 'T')}Z`);
  return Number.isNaN(parsed) ? 0 : parsed;
}

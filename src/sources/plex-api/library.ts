/**
 * The library section of the snapshot from Plex's HTTP API, for a Marquee that cannot open Plex's
 * database (Plex on another host). It produces the DB reader's `Library` (src/sources/plex) field for
 * field, with these exceptions, which the README's field docs must carry:
 * - totalBytes / totalDurationMs are Plex's own per-library totals (/media/providers?includeStorage=1,
 *   python-plexapi `totalStorage` / `totalDuration`), summed over the public sections. Plex does not
 *   document what it counts there (trash, a multi-episode file once or per episode, optimized versions),
 *   so they can differ from the DB reader's. A server that does not report them gives null, not 0.
 * - recentlyAdded cannot leave out items Plex flags adult (is_adult): no API field exposes the flag.
 * - Section kinds come from the section's type name; a section of another type counts nothing (the DB
 *   reader would still count the items in it).
 * Counts never list items: each is one answer with X-Plex-Container-Size=0 whose totalSize is the count.
 */
import pLimit from 'p-limit';
import type { Library, MediaCounts } from '../../snapshot/schema.js';
import type { PlexIdentities, PlexIdentitiesUnchanged } from '../../snapshot/source-results.js';
import { runSource, type SourceResult } from '../result.js';
import { createPlexClient, PlexApiError, type PlexClient, type PlexConnectionOptions, DEFAULT_CONCURRENCY } from './client.js';
import { readApiIdentities, type IdentitiesRequest, type PlexApiIdentitiesCache } from './identities.js';
import { recentOf } from './recent.js';
import { countSchema, parseShape, providersSchema, sectionsSchema } from './shapes.js';

export interface PlexApiLibraryOptions extends PlexConnectionOptions {
  /** Section names or ids the admin marked private (privacy.privateSections), matched as the DB reader does. */
  privateSections: ReadonlyArray<string | number>;
  recentlyAddedLimit?: number;
  /**
   * Also read what the network image needs (identities.ts; only with several servers): with the
   * token of the identities the caller keeps, answers `unchanged` while the library is.
   */
  networkExtras?: IdentitiesRequest;
  /**
   * Kept by the caller across reads (one per server): the listings read so far. With it a library
   * too large to list in one read is listed over several, and an edit lists its section again only.
   */
  identitiesCache?: PlexApiIdentitiesCache;
}

/**
 * Share of timeoutMs after which the extras ask no more pages: those in flight still have the rest
 * to land, and the read ends well before its deadline instead of at it.
 */
const EXTRAS_BUDGET_SHARE = 0.5;

/**
 * A read over the API; `extras` with options.networkExtras, on success, kept apart from the library
 * as the database reader keeps them (PlexResult). A failed extras read leaves them out and the
 * library as read: the network then counts this server from its totals and says `partial`.
 */
export type PlexApiResult = SourceResult<PlexApiLibrary> & { extras?: PlexIdentities | PlexIdentitiesUnchanged };

/**
 * The DB reader's Library, except that the two size totals may be unknown (see the file comment).
 * Wiring this into the snapshot needs `totalBytes` and `totalDurationMs` nullable in librarySchema.
 */
export type PlexApiLibrary = Omit<Library, 'totalBytes' | 'totalDurationMs'> & {
  totalBytes: number | null;
  totalDurationMs: number | null;
};

export type SectionKind = Library['sections'][number]['kind'];

/** Plex's search type numbers (python-plexapi utils.SEARCHTYPES) per kind of section, top level first. */
const TYPES_BY_KIND: Record<SectionKind, ReadonlyArray<readonly [number, keyof MediaCounts]>> = {
  movie: [[1, 'movies']],
  show: [
    [2, 'shows'],
    [3, 'seasons'],
    [4, 'episodes'],
  ],
  artist: [
    [8, 'artists'],
    [9, 'albums'],
    [10, 'tracks'],
  ],
  photo: [[13, 'photos']],
  other: [],
};

const emptyCounts = (): MediaCounts => ({ movies: 0, shows: 0, seasons: 0, episodes: 0, artists: 0, albums: 0, tracks: 0, photos: 0 });
const kindOf = (type: string | undefined): SectionKind =>
  type === 'movie' || type === 'show' || type === 'artist' || type === 'photo' ? type : 'other';

/**
 * Calls per read: 1 (/library/sections) + 1 (/media/providers) + 2 per counted type of each section
 * (the total and the trash: movie and photo sections 2, show and music sections 6) + 1 per public movie,
 * show or music section for "recently added" (2 when it has trashed items; more pages only when the
 * newest items are in the trash). At most `concurrency` at once, all within timeoutMs. With
 * networkExtras, identities.ts's listings follow (one per 500 items of each counted type, and of its
 * trash), or none while the token is unchanged.
 */
export async function readPlexApi(options: PlexApiLibraryOptions): Promise<PlexApiResult> {
  let extras: PlexIdentities | PlexIdentitiesUnchanged | undefined;
  const stopAt = performance.now() + options.timeoutMs * EXTRAS_BUDGET_SHARE;
  const result = await runSource(async () => {
    const client = createPlexClient(options);
    try {
      const { library, sections, limit } = await readLibrary(client, options);
      if (options.networkExtras) {
        // A failed or unfinished extras read leaves them out of this read only (the pages read are kept).
        extras = await readApiIdentities(client, limit, sections, (kind) => TYPES_BY_KIND[kind], options.networkExtras, {
          stopAt,
          ...(options.identitiesCache ? { cache: options.identitiesCache } : {}),
        }).catch(() => undefined);
      }
      return library;
    } finally {
      client.close();
    }
  });
  return result.ok && extras ? { ...result, extras } : result;
}

export interface SectionState {
  id: number;
  name: string;
  kind: SectionKind;
  items: number;
  counts: MediaCounts;
  private: boolean;
  /** Trashed items per Plex type, for the recently-added lookahead. */
  trashed: Map<number, number>;
  /** What /library/sections says of the section's changes (the network extras' token). */
  stamps: { contentChangedAt?: number | undefined; updatedAt?: number | undefined };
}

async function readLibrary(
  client: PlexClient,
  options: PlexApiLibraryOptions,
): Promise<{ library: PlexApiLibrary; sections: SectionState[]; limit: ReturnType<typeof pLimit> }> {
  const limit = pLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
  const isPrivate = (id: number, name: string) => options.privateSections.some((p) => p === id || p === name);
  const listed = parseShape(sectionsSchema, await client.get('/library/sections'), '/library/sections').MediaContainer.Directory;
  const sections: SectionState[] = listed
    .filter((d): d is typeof d & { key: number } => d.key !== undefined && Number.isInteger(d.key))
    .map((d) => ({
      id: d.key,
      name: d.title ?? '',
      kind: kindOf(d.type),
      items: 0,
      counts: emptyCounts(),
      private: isPrivate(d.key, d.title ?? ''),
      trashed: new Map(),
      stamps: { contentChangedAt: d.contentChangedAt, updatedAt: d.updatedAt },
    }))
    .sort((a, b) => a.id - b.id);

  const [perSection] = await Promise.all([
    limit(() => readSizes(client)),
    ...sections.flatMap((section) =>
      TYPES_BY_KIND[section.kind].map(async ([type, key]) => {
        const [all, trash] = await Promise.all([
          limit(() => countOf(client, section.id, type, false)),
          limit(() => countOf(client, section.id, type, true)),
        ]);
        // The API lists an item in the trash (its file gone, the trash not yet emptied) like any
        // other; the DB reader leaves it out. Subtracting what trash=1 lists makes the two agree.
        section.counts[key] = Math.max(0, all - trash);
        section.trashed.set(type, trash);
      }),
    ),
  ]);
  const totals = emptyCounts();
  for (const section of sections) {
    const top = TYPES_BY_KIND[section.kind][0];
    section.items = top ? section.counts[top[1]] : 0;
    if (section.private) continue;
    for (const key of Object.keys(totals) as (keyof MediaCounts)[]) totals[key] += section.counts[key];
  }
  const recentLimit = options.recentlyAddedLimit ?? 10;
  const recentLists = await Promise.all(sections.filter((s) => !s.private).map((s) => recentOf(client, limit, s, recentLimit)));
  const recentlyAdded = recentLists
    .flat()
    // Newest first; equal times in descending id order, as a backwards walk of Plex's added_at index gives.
    .sort((a, b) => b.addedAt - a.addedAt || b.id - a.id)
    .slice(0, recentLimit)
    .map(({ id: _id, ...item }) => item);
  const publicIds = sections.filter((s) => !s.private).map((s) => s.id);
  // Unknown for any public section (or the whole answer missing) leaves the total unknown: a partial
  // sum would look like a real figure.
  const sum = (pick: (t: SectionTotals) => number | undefined): number | null => {
    if (!perSection) return null;
    let total = 0;
    for (const id of publicIds) {
      const entry = perSection.get(id);
      const value = entry ? pick(entry) : undefined;
      if (value === undefined) return null;
      total += value;
    }
    return total;
  };
  const library: PlexApiLibrary = {
    sections: sections.map(({ trashed: _t, stamps: _s, ...s }) => s),
    totals,
    totalBytes: sum((t) => t.storageTotal),
    totalDurationMs: sum((t) => t.durationTotal),
    recentlyAdded,
  };
  return { library, sections, limit };
}

async function countOf(client: PlexClient, sectionId: number, type: number, trash: boolean): Promise<number> {
  const path = `/library/sections/${sectionId}/all`;
  const query: Record<string, string | number> = {
    type,
    // Collections show up among a section's items unless asked not to (python-plexapi totalSize).
    includeCollections: 0,
    'X-Plex-Container-Start': 0,
    'X-Plex-Container-Size': 0,
  };
  // Photos are listed flat only at cluster zoom level 1; otherwise the answer is the album tree
  // (Tautulli pmsconnect get_library_children_details, 'picture').
  if (type === 13) query.clusterZoomLevel = 1;
  if (trash) query.trash = 1;
  const answer = parseShape(countSchema, await client.get(path, query), path).MediaContainer;
  // PMS always sends totalSize with a container size; `size` is the fallback of older servers.
  const total = answer.totalSize ?? answer.size;
  if (total === undefined || !Number.isInteger(total) || total < 0) {
    throw new PlexApiError('EPLEX_SHAPE', `${path}: the answer has no totalSize`);
  }
  return total;
}

interface SectionTotals {
  storageTotal: number | undefined;
  durationTotal: number | undefined;
}

/** Per-section storage and duration, or null when this server does not report them (older PMS). */
async function readSizes(client: PlexClient): Promise<Map<number, SectionTotals> | null> {
  let body: unknown;
  try {
    body = await client.get('/media/providers', { includeStorage: 1 });
  } catch (err) {
    // An old server answers 404 or 400 here; that leaves the sizes unknown, not the read failed.
    if (err instanceof PlexApiError && err.code === 'EPLEX_HTTP') return null;
    throw err;
  }
  const providers = parseShape(providersSchema, body, '/media/providers').MediaContainer.MediaProvider;
  const library = providers.find((p) => p.identifier === 'com.plexapp.plugins.library');
  const content = library?.Feature.find((f) => f.type === 'content');
  if (!content) return null;
  return new Map(
    content.Directory.filter((d) => d.id !== undefined).map((d) => [
      d.id as number,
      { storageTotal: d.storageTotal, durationTotal: d.durationTotal },
    ]),
  );
}

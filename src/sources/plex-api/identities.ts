/**
 * The network extras (issue 20) over Plex's HTTP API: the same PlexIdentities the database reader
 * builds (src/sources/plex/identities.ts), from the items PMS lists, for a Plex on another host.
 *
 * Per public section and counted type, GET /library/sections/{id}/all?type=N&includeGuids=1, paged
 * with X-Plex-Container-Start/Size (PMS pages any listing so; python-plexapi fetchItems does the
 * same). Each item gives its ratingKey (metadata_items.id), its guid (metadata_items.guid), one
 * `Guid` element per external id (the tag_type 314 tags the database reader joins) and, for
 * seasons and episodes, parentRatingKey and index. The listing includes the trash, which the
 * database reader leaves out: where the count said a type has trashed items, trash=1 lists them and
 * they are dropped. Collections are not items (includeCollections=0) and photos are listed flat
 * (clusterZoomLevel=1), as for the counts.
 *
 * The token: what /library/sections and the counts already say (each section's contentChangedAt,
 * the changestamp PMS raises when an item in it is added, edited or removed, its updatedAt, which
 * its settings move, and every count with its trash), and the private sections. Not scannedAt: a
 * scan that finds nothing new moves it and nothing else. While it is unchanged the
 * answer is `unchanged` and no item is listed: a quiet library costs the counts the library read
 * makes anyway. A server that sends no contentChangedAt for some public section cannot tell an edit
 * (a re-match changes a guid, not a count): its identities are read in full every cycle.
 *
 * Cost: one listing page per IDENTITY_PAGE items, `concurrency` at once, asked only until the
 * read's budget (library.ts: half its timeout); with the caller's PlexApiIdentitiesCache the pages
 * read are kept per section while its stamp holds, so a library too large for one read is listed
 * over several (no extras until it is whole) and an edit lists its own section again. What is kept
 * is parallel arrays, about as large as the identities the caller keeps anyway.
 */
import type pLimit from 'p-limit';
import type { MediaCounts } from '../../snapshot/schema.js';
import type { PlexIdentities, PlexIdentitiesUnchanged, TypeIdentities } from '../../snapshot/source-results.js';
import { agentKey, externalKey } from '../plex/identities.js';
import { PlexApiError, type PlexClient } from './client.js';
import type { SectionKind, SectionState } from './library.js';
import { identityItemsSchema, parseShape } from './shapes.js';

/** What the caller asks: a full read, or a read that may answer `unchanged` for the token it holds. */
export type IdentitiesRequest = boolean | { knownToken: string };

/**
 * Items per page. A listed item carries its whole metadata (summary included): about 1-2 kB as
 * JSON for an episode, so a page stays well under the client's 4 MiB cap on one answer.
 */
export const IDENTITY_PAGE = 500;
/** The most items one read lists (every counted type of every public section, trash included). */
export const MAX_IDENTITY_ITEMS = 1_000_000;

const ALL_COUNTED: ReadonlyArray<keyof MediaCounts> = ['movies', 'shows', 'seasons', 'episodes', 'artists', 'albums', 'tracks', 'photos'];

/** The identities token from what the library read already knows; `trusted` false: never `unchanged`. */
export function identitiesToken(
  sections: readonly SectionState[],
  typesOf: (kind: SectionKind) => ReadonlyArray<readonly [number, keyof MediaCounts]>,
): { token: string; trusted: boolean } {
  const stamped = sections.map((s) => [
    s.id,
    s.private,
    s.stamps.contentChangedAt ?? null,
    s.stamps.updatedAt ?? null,
    typesOf(s.kind).map(([type, key]) => [type, s.counts[key], s.trashed.get(type) ?? 0]),
  ]);
  const trusted = sections.every((s) => s.private || typesOf(s.kind).length === 0 || s.stamps.contentChangedAt !== undefined);
  return { token: JSON.stringify(['plex-api', stamped]), trusted };
}

/**
 * Kept by the caller across cycles (one per server). Each listing (section, type, trash or not)
 * keeps its pages while its stamp (the section's change stamps and the type's counts) holds, so a
 * library too large to list within one read's budget is listed over several cycles, and a change in
 * one section lists that section again, not the whole library.
 */
export interface PlexApiIdentitiesCache {
  listings?: Map<string, Progress>;
}

interface Page {
  items: TypeIdentities;
  totalSize: number | undefined;
  size: number;
}

interface Progress {
  stamp: string;
  pages: Map<number, Page>;
  /** The whole listing, as parallel arrays (a large library keeps ~10^5 items here between reads). */
  complete: TypeIdentities | null;
}

export interface IdentitiesReadOptions {
  cache?: PlexApiIdentitiesCache;
  /** performance.now() past which no page is asked (those in flight still land): the rest waits for the next read. */
  stopAt?: number;
}

export async function readApiIdentities(
  client: PlexClient,
  limit: ReturnType<typeof pLimit>,
  sections: readonly SectionState[],
  typesOf: (kind: SectionKind) => ReadonlyArray<readonly [number, keyof MediaCounts]>,
  request: IdentitiesRequest,
  options: IdentitiesReadOptions = {},
): Promise<PlexIdentities | PlexIdentitiesUnchanged> {
  const { token, trusted } = identitiesToken(sections, typesOf);
  if (trusted && typeof request === 'object' && request.knownToken === token) return { token, unchanged: true };
  const listings = sections.filter((s) => !s.private).flatMap((s) => typesOf(s.kind).map(([type, key]) => ({ section: s, type, key })));
  const listed = listings.reduce((n, l) => n + l.section.counts[l.key] + 2 * (l.section.trashed.get(l.type) ?? 0), 0);
  if (listed > MAX_IDENTITY_ITEMS) {
    throw new PlexApiError('EPLEX_TOO_LARGE', `the library lists ${listed} items, over the ${MAX_IDENTITY_ITEMS} the network extras read`);
  }
  // Without a changestamp a page's content cannot be vouched for past this read: nothing is kept.
  const kept = trusted ? options.cache?.listings : undefined;
  const next = new Map<string, Progress>();
  const progressOf = (section: SectionState, type: number, trash: boolean): Progress => {
    const id = `${section.id}:${type}:${trash ? 'trash' : 'all'}`;
    const stamp = JSON.stringify([section.stamps, section.counts, [...section.trashed]]);
    const before = kept?.get(id);
    const progress = before && before.stamp === stamp ? before : { stamp, pages: new Map<number, Page>(), complete: null };
    next.set(id, progress);
    return progress;
  };
  const stopAt = options.stopAt ?? Number.POSITIVE_INFINITY;
  const read = await Promise.all(
    listings.map(async ({ section, type, key }) => {
      const trashed = section.trashed.get(type) ?? 0;
      const [items, trash] = await Promise.all([
        listAll(
          client,
          limit,
          { sectionId: section.id, type, expected: section.counts[key] + trashed, trash: false, stopAt },
          progressOf(section, type, false),
        ),
        trashed > 0
          ? listAll(client, limit, { sectionId: section.id, type, expected: trashed, trash: true, stopAt }, progressOf(section, type, true))
          : Promise.resolve(emptyType()),
      ]);
      if (items === null || trash === null) return null;
      return { key, items, trash: new Set(trash.ids) };
    }),
  ).finally(() => {
    if (trusted && options.cache) options.cache.listings = next;
  });
  const done = read.filter((r): r is NonNullable<typeof r> => r !== null);
  if (done.length < read.length) {
    throw new PlexApiError('EPLEX_PARTIAL', `${done.length} of ${read.length} listings read within the budget; the rest on the next read`);
  }
  return {
    token,
    types: Object.fromEntries(
      ALL_COUNTED.map((k) => [
        k,
        merged(
          done.filter((d) => d.key === k),
          k === 'seasons' || k === 'episodes',
        ),
      ]),
    ) as PlexIdentities['types'],
  };
}

const emptyType = (): TypeIdentities => ({ ids: [], keys: [], parents: [], indexes: [] });

interface Listing {
  sectionId: number;
  type: number;
  /** Items the count announced: how many pages to ask at once. */
  expected: number;
  trash: boolean;
  stopAt: number;
}

/**
 * Every item of one listing: the pages the count announces and `progress` lacks, at most
 * `concurrency` at once, then on from the last while PMS's totalSize says more came meanwhile; null
 * when the budget ran out first (the pages read stay in `progress`). An item seen twice (the
 * listing moved under the pages) counts once.
 */
async function listAll(
  client: PlexClient,
  limit: ReturnType<typeof pLimit>,
  l: Listing,
  progress: Progress,
): Promise<TypeIdentities | null> {
  if (progress.complete) return progress.complete;
  const path = `/library/sections/${l.sectionId}/all`;
  const page = (start: number) =>
    limit(async (): Promise<Page | null> => {
      if (progress.pages.has(start)) return progress.pages.get(start)!;
      if (performance.now() > l.stopAt) return null;
      const query: Record<string, string | number> = {
        type: l.type,
        includeGuids: 1,
        includeCollections: 0,
        'X-Plex-Container-Start': start,
        'X-Plex-Container-Size': IDENTITY_PAGE,
      };
      if (l.type === 13) query.clusterZoomLevel = 1;
      if (l.trash) query.trash = 1;
      const answer = parseShape(identityItemsSchema, await client.get(path, query), path).MediaContainer;
      const read: Page = { items: identitiesOf(answer.Metadata), totalSize: answer.totalSize, size: answer.Metadata.length };
      progress.pages.set(start, read);
      return read;
    });
  const first = Math.max(1, Math.ceil(l.expected / IDENTITY_PAGE));
  const answers = await Promise.all(Array.from({ length: first }, (_, i) => page(i * IDENTITY_PAGE)));
  let start = first * IDENTITY_PAGE;
  let last = answers[answers.length - 1];
  while (last && (last.totalSize ?? 0) > start && last.size === IDENTITY_PAGE) {
    if (start >= MAX_IDENTITY_ITEMS) throw new PlexApiError('EPLEX_TOO_LARGE', `${path}: more than ${MAX_IDENTITY_ITEMS} items`);
    last = await page(start);
    answers.push(last);
    start += IDENTITY_PAGE;
  }
  if (answers.some((a) => a === null)) return null;
  const seen = new Set<number>();
  const out = emptyType();
  for (const { items } of answers as Page[]) {
    items.ids.forEach((id, k) => {
      if (seen.has(id)) return;
      seen.add(id);
      out.ids.push(id);
      out.keys.push(items.keys[k]!);
      out.parents.push(items.parents[k] ?? null);
      out.indexes.push(items.indexes[k] ?? null);
    });
  }
  progress.complete = out;
  progress.pages.clear();
  return out;
}

type ListedItem = ReturnType<typeof identityItemsSchema.parse>['MediaContainer']['Metadata'][number];

/** One page's items with the database reader's keys (agentKey of the guid, externalKey of each Guid). */
function identitiesOf(items: readonly ListedItem[]): TypeIdentities {
  const out = emptyType();
  for (const item of items) {
    if (item.ratingKey === undefined) continue;
    const own = agentKey(item.guid ?? null);
    const external = item.Guid.map((g) => externalKey(g.id ?? null)).filter((k): k is string => k !== null);
    out.ids.push(item.ratingKey);
    out.keys.push((own === null ? external : [own, ...external]).join('\n'));
    out.parents.push(item.parentRatingKey ?? null);
    out.indexes.push(item.index ?? null);
  }
  return out;
}

/** One type's listings, less their trash, in id order; parent and number only where they place an item. */
function merged(parts: ReadonlyArray<{ items: TypeIdentities; trash: ReadonlySet<number> }>, placed: boolean): TypeIdentities {
  const order: Array<[id: number, part: number, at: number]> = [];
  parts.forEach(({ items, trash }, part) =>
    items.ids.forEach((id, at) => {
      if (!trash.has(id)) order.push([id, part, at]);
    }),
  );
  order.sort((a, b) => a[0] - b[0]);
  const out = emptyType();
  for (const [id, part, at] of order) {
    const items = parts[part]!.items;
    out.ids.push(id);
    out.keys.push(items.keys[at]!);
    out.parents.push(placed ? (items.parents[at] ?? null) : null);
    out.indexes.push(placed ? (items.indexes[at] ?? null) : null);
  }
  return out;
}

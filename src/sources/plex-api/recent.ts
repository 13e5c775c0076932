/**
 * "Recently added" from the API: each public section's newest items of the type the DB reader lists
 * (movies, episodes, albums), leaving out the trash as the DB reader does.
 */
import type pLimit from 'p-limit';
import type { Library, MediaKind } from '../../snapshot/schema.js';
import type { PlexClient } from './client.js';
import type { SectionKind, SectionState } from './library.js';
import { itemsSchema, parseShape } from './shapes.js';

/** The type listed as "recently added" per kind, as the DB reader picks them (movies, episodes, albums). */
export const RECENT_TYPE: Partial<Record<SectionKind, { type: number; kind: MediaKind }>> = {
  movie: { type: 1, kind: 'movie' },
  show: { type: 4, kind: 'episode' },
  artist: { type: 9, kind: 'album' },
};

export type RecentItem = Library['recentlyAdded'][number] & { id: number };
type Listed = ReturnType<typeof itemsSchema.parse>['MediaContainer']['Metadata'][number];

/** Items per page of a "recently added" listing, and the most pages read per listing (bounded cost). */
const RECENT_PAGE = 20;
const RECENT_MAX_PAGES = 10;

/**
 * The section's newest items of its recent type, leaving out the trash. The normal listing includes
 * trashed items, so both it and the trash listing (the same sort, so the trash is a subsequence of it)
 * are read page by page, newest first: an item is dropped when the trash read down to its addedAt
 * holds it. The trash listing is read only when the count said the section has trashed items of this
 * type. At most RECENT_MAX_PAGES pages each: a section whose newest 200 items are all in the trash
 * gives fewer than `recentLimit`.
 */
export async function recentOf(
  client: PlexClient,
  limit: ReturnType<typeof pLimit>,
  section: SectionState,
  recentLimit: number,
): Promise<RecentItem[]> {
  const recent = RECENT_TYPE[section.kind];
  if (!recent || recentLimit <= 0) return [];
  const path = `/library/sections/${section.id}/all`;
  const pager = (trash: boolean) => {
    let start = 0;
    let exhausted = false;
    return {
      /** The listing has ended. */
      get exhausted() {
        return exhausted;
      },
      /** No more pages will be read: the listing ended or the page budget is spent. */
      get done() {
        return exhausted || start >= RECENT_PAGE * RECENT_MAX_PAGES;
      },
      next: () =>
        limit(async (): Promise<Listed[]> => {
          const query: Record<string, string | number> = {
            type: recent.type,
            sort: 'addedAt:desc',
            includeCollections: 0,
            'X-Plex-Container-Start': start,
            'X-Plex-Container-Size': RECENT_PAGE,
          };
          if (trash) query.trash = 1;
          const page = parseShape(itemsSchema, await client.get(path, query), path).MediaContainer.Metadata;
          start += RECENT_PAGE;
          if (page.length < RECENT_PAGE) exhausted = true;
          return page;
        }),
    };
  };
  const items = pager(false);
  const trash = pager(true);
  const inTrash = new Set<number>();
  // The oldest addedAt the trash has been read down to (-Infinity: all of it).
  let trashReadTo = (section.trashed.get(recent.type) ?? 0) > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  const kept: RecentItem[] = [];
  while (kept.length < recentLimit && !items.done) {
    for (const item of await items.next()) {
      if (item.ratingKey === undefined) continue;
      const addedAt = item.addedAt ?? 0;
      // Read the trash down past this item's time (equal times may continue on the next page).
      while (trashReadTo >= addedAt && !trash.done) {
        const page = await trash.next();
        for (const t of page) if (t.ratingKey !== undefined) inTrash.add(t.ratingKey);
        trashReadTo = trash.exhausted ? Number.NEGATIVE_INFINITY : (page[page.length - 1]?.addedAt ?? Number.NEGATIVE_INFINITY);
      }
      // Out of trash pages before reaching this item: whether it is trashed is unknown, so stop here.
      if (trashReadTo >= addedAt) return kept;
      if (inTrash.has(item.ratingKey)) continue;
      kept.push(toRecent(item, item.ratingKey, recent.kind, section.id));
      if (kept.length === recentLimit) break;
    }
  }
  return kept;
}

function toRecent(item: Listed, id: number, kind: MediaKind, sectionId: number): RecentItem {
  return {
    id,
    kind,
    addedAt: (item.addedAt ?? 0) * 1000,
    sectionId,
    watching: {
      title: item.title ?? '',
      // An episode's show is its grandparent; an album's artist is its parent (the DB reader's rule).
      grandparentTitle: (kind === 'episode' ? item.grandparentTitle : kind === 'album' ? item.parentTitle : undefined) ?? null,
      year: item.year ?? null,
      // Built from the id as the DB reader does: Plex's own `thumb` adds a cache-busting timestamp.
      thumb: `/library/metadata/${id}/thumb`,
    },
  };
}

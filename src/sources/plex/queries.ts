/**
 * Named, parameterised queries on Plex's library DB. Only plain SELECTs on ordinary tables: anything
 * that touches the icu_root collation, the `collating` FTS tokenizer or spellfix fails under stock
 * SQLite, so no ORDER BY title_sort and no FTS here.
 */

/** metadata_type codes that count as library items (plexapi SEARCHTYPES). Deliberately absent:
 *  clips (12: every trailer, featurette or deleted scene, in the movie's section or in none, and
 *  the videos of a photo library), trailers (5), photo albums (14), playlists (15), collections
 *  (18, which sit in the section next to the movies) and optimized-version jobs (42). */
export const COUNTED_TYPES = {
  1: 'movies',
  2: 'shows',
  3: 'seasons',
  4: 'episodes',
  8: 'artists',
  9: 'albums',
  10: 'tracks',
  13: 'photos',
} as const;

export const sectionsSql = `
  SELECT id, name, section_type FROM library_sections ORDER BY id`;

/** All items per (section, type), counted from the covering (library_section_id, metadata_type,
 *  added_at) index Plex ships, so no table page is read. Every type is grouped and the caller keeps
 *  COUNTED_TYPES: testing `metadata_type IN (...)` on each of ~240k index entries cost about a quarter of
 *  the query on the large fixture, while the extra groups (clips, collections...) are a handful. */
export const countsSql = `
  SELECT library_section_id AS sectionId, metadata_type AS type, COUNT(*) AS n
  FROM metadata_items
  WHERE library_section_id IS NOT NULL
  GROUP BY library_section_id, metadata_type`;

/** ...minus the (few) in the trash, found through the deleted_at index. A file gone from disk keeps
 *  its item with deleted_at set until the trash is emptied ("Empty trash automatically after every
 *  scan" off); a show, season or album is trashed with everything under it. A movie with several
 *  versions is one metadata_items row, so it counts once. */
export const deletedCountsSql = `
  WITH deleted AS MATERIALIZED (
    SELECT library_section_id AS sectionId, metadata_type AS type FROM metadata_items WHERE deleted_at > 0)
  SELECT sectionId, type, COUNT(*) AS n FROM deleted
  WHERE sectionId IS NOT NULL
  GROUP BY sectionId, type`;

/** Size and duration of every physical file still present (multiple versions, optimised copies and
 *  extras use disk too), outside the private sections given as a JSON array of ids.
 *  - A file that went missing keeps its rows until the trash is emptied, with deleted_at set on its
 *    media_parts row and on its media_items row (a replaced version, a trashed item): both filters.
 *  - A multi-episode file ("S01E03-E04") is one file but one media_item + media_parts row per episode:
 *    Plex's Series Scanner gives each episode the same part and a display_offset of
 *    (episode - first) * 100 / count, so only the first (offset 0, or NULL on items that never had
 *    one) is counted. The same file under two unrelated items (one folder added to two libraries)
 *    is still counted twice: telling it apart needs a pass over every path.
 *  No index covers media_parts' size, duration and deleted_at, so one table pass is the floor; the
 *  query keeps it to that pass: CROSS JOIN pins media_parts as the sequential outer scan (the unary +
 *  keeps it off the deleted_at index, which would add a seek per row), media_items is reached by
 *  primary key in nearly ascending order, and one aggregate row replaces a GROUP BY section, whose
 *  sorter took every joined row (half the query's time on the large fixture). */
export const filesSql = `
  SELECT COALESCE(SUM(mp.size), 0) AS bytes, COALESCE(SUM(mp.duration), 0) AS durationMs
  FROM media_parts mp CROSS JOIN media_items m ON m.id = mp.media_item_id
  WHERE +mp.deleted_at IS NULL AND m.deleted_at IS NULL AND COALESCE(m.display_offset, 0) = 0
    AND (m.library_section_id IS NULL OR m.library_section_id NOT IN (SELECT value FROM json_each(?)))`;

/** Items Plex flags adult (is_adult, added in newer PMS versions) never show.
 *  Episodes carry their show title two levels up (episode -> season -> show). The unary + leave
 *  the added_at index as the only way in, so the newest rows are read first and the scan stops early. */
export const recentlyAddedSql = (hasAdultFlag: boolean) => `
  SELECT mi.id, mi.metadata_type AS type, mi.title, mi.year, mi.added_at AS addedAt,
         mi.library_section_id AS sectionId,
         CASE mi.metadata_type WHEN 4 THEN gp.title WHEN 9 THEN p.title END AS grandparentTitle
  FROM metadata_items mi
  LEFT JOIN metadata_items p ON p.id = mi.parent_id
  LEFT JOIN metadata_items gp ON gp.id = p.parent_id
  WHERE +mi.deleted_at IS NULL AND +mi.metadata_type IN (1, 4, 9) AND +mi.library_section_id IS NOT NULL
    ${hasAdultFlag ? 'AND COALESCE(mi.is_adult, 0) = 0' : ''}
  ORDER BY mi.added_at DESC
  LIMIT ?`;

/**
 * Network extras (issue 20): what identifies each item the public totals count, so that the same
 * film on two servers counts once. The items: ordinary sections only (as countsSql, whose rows for a
 * section missing from library_sections are dropped), not private, not in the trash (deletedCountsSql's
 * `deleted_at > 0`, negated so that NULL passes), of a counted type. Seasons and episodes bring their
 * parent and number: under a legacy agent their guids are paths under the show's, so "the same
 * season" is the same show's season N. One pass over metadata_items; the types are few ints, so
 * the IN test is cheap beside reading each row's guid.
 */
export const identityItemsSql = `
  SELECT mi.id, mi.metadata_type, mi.parent_id, mi."index", mi.guid
  FROM metadata_items mi
  WHERE mi.library_section_id IN (SELECT id FROM library_sections WHERE id NOT IN (SELECT value FROM json_each(?)))
    AND mi.metadata_type IN (${Object.keys(COUNTED_TYPES).join(', ')})
    AND NOT (COALESCE(mi.deleted_at, 0) > 0)`;

/**
 * The external ids of the items matched by the current agents: tags of tag_type 314 ("imdb://tt…",
 * "tmdb://…", "tvdb://…"), one shared tags row per id, linked by taggings (python-plexmovieagentmapper
 * and other DB readers join them so). Found from the tag_type index, then taggings by tag_id, so
 * no item's other taggings (genres, cast) are read.
 */
export const externalGuidsSql = `
  SELECT tg.metadata_item_id, t.tag
  FROM tags t JOIN taggings tg ON tg.tag_id = t.id
  WHERE t.tag_type = 314`;

/**
 * What changes when any counted item or external id does, read from indexes only (a few ms on the
 * large fixture): items added (count, max id), edited or re-matched (PMS bumps changed_at on every
 * write to an item), trashed (deleted_at), and 314 tags added or removed (taggings count, max id).
 */
export const identitiesTokenSql = `
  SELECT (SELECT COUNT(*) FROM metadata_items) AS items, (SELECT MAX(id) FROM metadata_items) AS maxId,
         (SELECT MAX(changed_at) FROM metadata_items) AS changed, (SELECT MAX(deleted_at) FROM metadata_items) AS deleted,
         (SELECT COUNT(*) FROM taggings) AS taggings, (SELECT MAX(id) FROM taggings) AS maxTagging,
         (SELECT group_concat(id || ':' || COALESCE(changed_at, '')) FROM library_sections) AS sections`;

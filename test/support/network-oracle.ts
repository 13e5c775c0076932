/**
 * An independent oracle for the network (issue 20): raw SQL over each server's files and the
 * arithmetic in this file, importing nothing from src/.
 *
 * - Library: the items a Plex user sees counted (counted types, in a section, not in the trash, not
 *   private); each item's names outside its server are its metadata_items.guid (legacy agents'
 *   guids read as the id they carry) and its tag_type 314 tags, read here with one query per item
 *   rather than one pass; seasons and episodes are also "number N under the same show/season". Items
 *   are merged with this file's own union-find.
 * - History: Tautulli's home-stats SQL (datafactory.get_home_stats, as test/support/tautulli-oracle.mjs
 *   retypes it) without LIMIT, per file, summed by Tautulli's keys; the most concurrent streams by
 *   Tautulli's calc_most_concurrent (string keys "<time>A"/"<time>B") over every file's segments.
 * - Activity: Tautulli's `sessions` rows that are streaming.
 */
import Database from 'better-sqlite3';

const TYPES: Record<number, string> = {
  1: 'movies',
  2: 'shows',
  3: 'seasons',
  4: 'episodes',
  8: 'artists',
  9: 'albums',
  10: 'tracks',
  13: 'photos',
};

export interface PlexFile {
  plexDb: string;
  privateSectionIds?: number[];
}

interface Item {
  server: number;
  id: number;
  type: string;
  parent: number | null;
  index: number | null;
  names: string[];
}

/** How a guid names an item everywhere, or nothing for one that names it on its own server only. */
export function namesOfGuid(guid: string | null): string[] {
  if (!guid || !guid.includes('://')) return [];
  const [scheme, rest] = [guid.slice(0, guid.indexOf('://')).toLowerCase(), guid.slice(guid.indexOf('://') + 3).split('?')[0]!];
  if (rest === '') return [];
  if (scheme === 'local' || scheme === 'file' || scheme === 'com.plexapp.agents.none' || scheme === 'com.plexapp.agents.localmedia')
    return [];
  if (scheme === 'com.plexapp.agents.imdb') return [`imdb://${rest}`];
  if (scheme === 'com.plexapp.agents.themoviedb') return [`tmdb://${rest}`];
  if (scheme === 'com.plexapp.agents.thetvdb') return [`tvdb://${rest}`];
  return [`${scheme}://${rest}`];
}

/** Every counted item of one Plex file with its names. */
export function plexItems(file: PlexFile, server = 0): Item[] {
  const db = new Database(file.plexDb, { readonly: true, fileMustExist: true });
  try {
    const sections = new Set(db.prepare('SELECT id FROM library_sections').pluck().all() as number[]);
    const hidden = new Set(file.privateSectionIds ?? []);
    const tagsOf = db.prepare(
      'SELECT tags.tag FROM taggings, tags WHERE taggings.metadata_item_id = ? AND tags.id = taggings.tag_id AND tags.tag_type = 314',
    );
    const rows = db.prepare('SELECT * FROM metadata_items').all() as Array<Record<string, unknown>>;
    const items: Item[] = [];
    for (const row of rows) {
      const type = TYPES[Number(row.metadata_type)];
      const section = row.library_section_id as number | null;
      const deleted = row.deleted_at as number | null;
      if (!type || section === null || !sections.has(section) || hidden.has(section) || (deleted !== null && deleted > 0)) continue;
      const tags = (tagsOf.pluck().all(row.id) as string[]).map((t) => t.replace(/^(\w+):\/\//, (m) => m.toLowerCase()));
      const placed = type === 'seasons' || type === 'episodes';
      items.push({
        server,
        id: row.id as number,
        type,
        parent: placed ? (row.parent_id as number | null) : null,
        index: placed ? (row.index as number | null) : null,
        names: [...new Set([...namesOfGuid(row.guid as string | null), ...tags])],
      });
    }
    return items;
  } finally {
    db.close();
  }
}

/** Items per type, counted once per identity over all the files. */
export function distinctLibrary(files: readonly PlexFile[]): Record<string, number> {
  const items = files.flatMap((file, server) => plexItems(file, server));
  const up = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (up.has(root) && up.get(root) !== root) root = up.get(root)!;
    up.set(x, root);
    return root;
  };
  const join = (a: string, b: string) => {
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) up.set(ra, rb);
  };
  const node = (item: Item) => `item ${item.type} ${item.server}/${item.id}`;
  const parentType: Record<string, string> = { seasons: 'shows', episodes: 'seasons' };
  const out: Record<string, number> = {};
  // Shows before seasons before episodes: a child's place needs its parent's final identity.
  for (const type of ['movies', 'shows', 'seasons', 'episodes', 'artists', 'albums', 'tracks', 'photos']) {
    const ofType = items.filter((i) => i.type === type);
    for (const item of ofType) {
      up.set(node(item), node(item));
      for (const name of item.names) join(node(item), `name ${type} ${name}`);
      if (parentType[type] && item.parent !== null && item.index !== null)
        join(node(item), `place ${type} ${find(`item ${parentType[type]} ${item.server}/${item.parent}`)} #${item.index}`);
    }
    out[type] = new Set(ofType.map((i) => find(node(i)))).size;
  }
  return out;
}

const inner = `SELECT *, SUM(CASE WHEN stopped > 0 THEN (stopped - started) -
    (CASE WHEN paused_counter IS NULL THEN 0 ELSE paused_counter END) ELSE 0 END) AS d FROM session_history`;

export interface HistoryTotals {
  users: Map<string, { plays: number; watchTimeS: number }>;
  movies: Map<string, { plays: number; watchTimeS: number }>;
  shows: Map<string, { plays: number; watchTimeS: number }>;
  platforms: Map<string, { plays: number; watchTimeS: number }>;
}

/** Tautulli's home stats of every key over every file (grouped history), summed by key. */
export function historyTotals(tautulliDbs: readonly string[], nowS: number): HistoryTotals {
  const since = nowS - 30 * 86400;
  const out: HistoryTotals = { users: new Map(), movies: new Map(), shows: new Map(), platforms: new Map() };
  const add = (into: Map<string, { plays: number; watchTimeS: number }>, key: string, plays: number, watchTimeS: number) => {
    const row = into.get(key) ?? { plays: 0, watchTimeS: 0 };
    into.set(key, { plays: row.plays + plays, watchTimeS: row.watchTimeS + watchTimeS });
  };
  for (const file of tautulliDbs) {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const q = (sql: string) => db.prepare(sql).all() as Array<Record<string, number | string | null>>;
      for (const r of q(`SELECT sh.user_id, COUNT(sh.id) AS plays, SUM(sh.d) AS t FROM (${inner} WHERE stopped >= ${since} GROUP BY reference_id) AS sh
          JOIN session_history_metadata AS shm ON shm.id = sh.id GROUP BY sh.user_id`))
        add(out.users, String(r.user_id), Number(r.plays), Number(r.t));
      for (const r of q(`SELECT shm.full_title, shm.year, COUNT(sh.id) AS plays, SUM(sh.d) AS t
          FROM (${inner} WHERE media_type = 'movie' AND stopped >= ${since} GROUP BY reference_id) AS sh
          JOIN session_history_metadata AS shm ON shm.id = sh.id GROUP BY shm.full_title, shm.year`))
        add(out.movies, `${r.full_title} (${r.year})`, Number(r.plays), Number(r.t));
      for (const r of q(`SELECT shm.grandparent_title, COUNT(sh.id) AS plays, SUM(sh.d) AS t
          FROM (${inner} WHERE media_type = 'episode' AND stopped >= ${since} GROUP BY reference_id) AS sh
          JOIN session_history_metadata AS shm ON shm.id = sh.id GROUP BY shm.grandparent_title`))
        add(out.shows, String(r.grandparent_title), Number(r.plays), Number(r.t));
      for (const r of q(`SELECT sh.platform, COUNT(sh.id) AS plays, SUM(sh.d) AS t
          FROM (${inner} WHERE stopped >= ${since} GROUP BY reference_id) AS sh GROUP BY sh.platform`))
        add(out.platforms, String(r.platform), Number(r.plays), Number(r.t));
    } finally {
      db.close();
    }
  }
  return out;
}

/** calc_most_concurrent over the segments of every file, as Tautulli sorts and sweeps them. */
export function unionMostConcurrent(tautulliDbs: readonly string[], nowS: number): { streams: number; at: number | null } {
  const times: Array<{ time: string; count: number }> = [];
  for (const file of tautulliDbs) {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const segments = db
        .prepare(
          `SELECT sh.started, sh.stopped FROM session_history AS sh JOIN session_history_media_info AS shmi ON sh.id = shmi.id
           WHERE sh.stopped >= ${nowS - 30 * 86400}`,
        )
        .all() as Array<{ started: number; stopped: number }>;
      for (const s of segments) times.push({ time: `${s.started}B`, count: 1 }, { time: `${s.stopped}A`, count: -1 });
    } finally {
      db.close();
    }
  }
  times.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  let count = 0;
  let lastCount = 0;
  let lastStart = '';
  const best = { streams: 0, at: null as number | null };
  for (const d of times) {
    if (d.count === 1) {
      count += 1;
      if (count >= lastCount) lastStart = d.time;
    } else {
      if (count >= lastCount) {
        lastCount = count;
        best.streams = count;
        best.at = Number(lastStart.slice(0, -1));
      }
      count -= 1;
    }
  }
  return best;
}

/** Streams, by decision and place, and bandwidth over every file's live `sessions` rows. */
export function liveTotals(tautulliDbs: readonly string[]) {
  const out = { streams: 0, transcode: 0, copy: 0, directPlay: 0, total: 0, lan: 0, wan: 0 };
  for (const file of tautulliDbs) {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare("SELECT * FROM sessions WHERE state IS NULL OR state NOT IN ('stopped', 'error')").all() as Array<
        Record<string, string | number | null>
      >;
      for (const r of rows) {
        const decisions = [r.transcode_decision, r.video_decision, r.audio_decision].map((d) => String(d ?? '').toLowerCase());
        const bandwidth = Number(r.bandwidth) || 0;
        out.streams++;
        if (decisions.includes('transcode')) out.transcode++;
        else if (decisions.includes('copy')) out.copy++;
        else out.directPlay++;
        out.total += bandwidth;
        if (r.location === 'lan') out.lan += bandwidth;
        else out.wan += bandwidth;
      }
    } finally {
      db.close();
    }
  }
  return out;
}

/**
 * A fake Plex Media Server on 127.0.0.1: real HTTP, answers computed from a fixture
 * com.plexapp.plugins.library.db (and live sessions from the fixture tautulli.db), in PMS's shapes.
 *
 * How each answer mirrors PMS (sources named per rule):
 * - Every endpoint but /identity needs the token, from the X-Plex-Token header or query parameter
 *   (PMS takes either; python-plexapi sends the header); without it PMS answers 401 with an HTML body.
 * - The answer is JSON when Accept names application/json, XML otherwise (PMS's default). JSON is the
 *   XML with attributes as fields and child elements as arrays named by tag, except that item
 *   elements (Video, Directory, Track, Photo) are all listed under `Metadata` (Plex's JSON encoding;
 *   see Tautulli pmsconnect.py, which reads the XML, and python-plexapi, which reads both).
 * - /library/sections/{id}/all?type=N counts every item of type N in the section, the trash included
 *   (a trashed item stays listed, marked unavailable, until the trash is emptied: issue 14), and
 *   trash=1 lists only the trashed ones. Extras (clips, type 12) are their own type and never match
 *   type=1; collections (18) join the section's top-level type unless includeCollections=0
 *   (python-plexapi totalViewSize sends includeCollections=0 for exactly this). Photos are listed
 *   flat only with clusterZoomLevel=1 (Tautulli get_library_children_details 'picture'); without it
 *   the top level of the album tree.
 * - includeGuids=1 adds one <Guid id="imdb://tt..."/> child per external id of the item (its tag_type
 *   314 taggings; python-plexapi's Video.guids reads them), and every item carries `index` (a season's
 *   or episode's number) and `parentRatingKey`, as PMS lists them. /library/sections sends each
 *   section's contentChangedAt (library_sections.content_changed_at, PMS's changestamp).
 * - X-Plex-Container-Start/Size come as query parameters or headers; totalSize is always sent, and
 *   X-Plex-Container-Total-Size as a header.
 * - /media/providers?includeStorage=1 gives each section's storageTotal/durationTotal
 *   (python-plexapi _getTotalDurationStorage reads them). PMS does not document what it sums: this
 *   fake sums every media_parts row of the section's media_items, with no filter at all. That is a
 *   guess [I], kept deliberately naive so a test can tell Plex's figure from the DB reader's.
 * - /status/sessions: one element per row of Tautulli's `sessions` table that is live, rebuilt in the
 *   shape pmsconnect.get_session_each reads (User, Player, Session, TranscodeSession when the stream
 *   is not direct play, Media > Part > Stream with decisions), IPs and player names included (the
 *   adapter must drop them).
 */
import Database from 'better-sqlite3';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface FakePlexOptions {
  plexDb: string;
  /** Serves /status/sessions from its `sessions` table; without it the server has no sessions. */
  tautulliDb?: string;
  token: string;
  /** Serve HTTPS with this key and certificate (a self-signed one for the TLS cases). */
  tls?: { key: string; cert: string };
  /** false: an older PMS that ignores includeStorage and sends no storageTotal/durationTotal. */
  storageTotals?: boolean;
}

export type FakePlexFault =
  | { kind: 'status'; status: number }
  | { kind: 'html' }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'hangup' }
  | { kind: 'huge'; bytes: number }
  | { kind: 'xml' };

export interface FakePlexRequest {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface FakePlex {
  url: string;
  requests: FakePlexRequest[];
  /**
   * Applies to every request until cleared (null), /identity included; with `match`, only to requests
   * whose path and query contain it.
   */
  setFault(fault: FakePlexFault | null, match?: string): void;
  close(): Promise<void>;
}

/** An element of a PMS answer: XML tag and attributes; `json` names its array (or object when single). */
interface Node {
  tag: string;
  attrs: Record<string, string | number | boolean | null | undefined>;
  children?: Node[];
  json?: string;
  single?: boolean;
}

const SECTION_TYPES: Record<number, string> = { 1: 'movie', 2: 'show', 8: 'artist', 13: 'photo' };
const ITEM_TYPES: Record<number, { type: string; tag: string }> = {
  1: { type: 'movie', tag: 'Video' },
  2: { type: 'show', tag: 'Directory' },
  3: { type: 'season', tag: 'Directory' },
  4: { type: 'episode', tag: 'Video' },
  8: { type: 'artist', tag: 'Directory' },
  9: { type: 'album', tag: 'Directory' },
  10: { type: 'track', tag: 'Track' },
  12: { type: 'clip', tag: 'Video' },
  13: { type: 'photo', tag: 'Photo' },
  14: { type: 'photo', tag: 'Directory' },
  18: { type: 'collection', tag: 'Directory' },
};
const TOP_TYPE: Record<number, number> = { 1: 1, 2: 2, 8: 8, 13: 13 };

export async function startFakePlex(options: FakePlexOptions): Promise<FakePlex> {
  const plex = new Database(options.plexDb, { readonly: true, fileMustExist: true });
  const tautulli = options.tautulliDb ? new Database(options.tautulliDb, { readonly: true, fileMustExist: true }) : null;
  const requests: FakePlexRequest[] = [];
  let fault: FakePlexFault | null = null;
  let faultMatch: string | undefined;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const current = fault && (faultMatch === undefined || (req.url ?? '').includes(faultMatch)) ? fault : null;
    void (async () => {
      if (current?.kind === 'slow') await new Promise((r) => setTimeout(r, current.delayMs));
      if (res.destroyed) return;
      handle(req, res, current);
    })();
  };
  const server = options.tls
    ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, onRequest)
    : http.createServer(onRequest);
  const handle = (req: http.IncomingMessage, res: http.ServerResponse, current: FakePlexFault | null) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (current?.kind === 'hangup') return req.socket.destroy();
    if (current?.kind === 'status') return sendHtml(res, current.status, `<html><body><h1>${current.status}</h1></body></html>`);
    if (current?.kind === 'html')
      return sendHtml(res, 200, '<!DOCTYPE html><html><head><title>Sign in</title></head><body>proxy login</body></html>');
    if (current?.kind === 'huge') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(`{"MediaContainer":{"size":0,"pad":"${'x'.repeat(current.bytes)}"}}`);
    }
    const token = req.headers['x-plex-token'] ?? url.searchParams.get('X-Plex-Token');
    if (url.pathname !== '/identity' && token !== options.token) {
      return sendHtml(res, 401, '<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>');
    }
    const json = current?.kind === 'xml' ? false : /application\/json/i.test(String(req.headers.accept ?? ''));
    const param = (name: string) => url.searchParams.get(name) ?? (req.headers[name.toLowerCase()] as string | undefined) ?? null;
    const answer = route(url, param, plex, tautulli, options.storageTotals !== false);
    if (!answer) return sendHtml(res, 404, '<html><body><h1>404 Not Found</h1></body></html>');
    const headers: Record<string, string> = {};
    if (answer.attrs.totalSize !== undefined) headers['X-Plex-Container-Total-Size'] = String(answer.attrs.totalSize);
    if (json) {
      res.writeHead(200, { ...headers, 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ MediaContainer: toJson(answer) }));
    } else {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/xml;charset=utf-8' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${toXml(answer)}\n`);
    }
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    setFault: (f, match) => {
      fault = f;
      faultMatch = match;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      plex.close();
      tautulli?.close();
    },
  };
}

/** A URL on 127.0.0.1 where nothing listens (a port just released). */
export async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

function sendHtml(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html' });
  res.end(body);
}

type Param = (name: string) => string | null;

function route(url: URL, param: Param, plex: Database.Database, tautulli: Database.Database | null, storage: boolean): Node | null {
  if (url.pathname === '/identity') {
    return {
      tag: 'MediaContainer',
      attrs: { size: 0, claimed: true, machineIdentifier: 'f4ke0000c0ffee0000000000000000000000beef', version: '1.41.3.9314-a0bfb8370' },
    };
  }
  if (url.pathname === '/library/sections') return sections(plex);
  const all = /^\/library\/sections\/(\d+)\/all$/.exec(url.pathname);
  if (all) return listing(plex, Number(all[1]), param);
  if (url.pathname === '/media/providers') return providers(plex, storage && param('includeStorage') === '1');
  if (url.pathname === '/status/sessions') return sessions(plex, tautulli);
  return null;
}

interface SectionRow {
  id: number;
  name: string;
  section_type: number;
  agent: string;
  scanner: string;
  language: string;
  uuid: string;
  created_at: number;
  updated_at: number;
  scanned_at: number;
  content_changed_at: number | null;
}

function sections(plex: Database.Database): Node {
  const rows = plex.prepare('SELECT * FROM library_sections ORDER BY id').all() as SectionRow[];
  const locations = plex.prepare('SELECT id, library_section_id, root_path FROM section_locations').all() as {
    id: number;
    library_section_id: number;
    root_path: string;
  }[];
  return {
    tag: 'MediaContainer',
    attrs: { size: rows.length, allowSync: false, title1: 'Plex Library' },
    children: rows.map((s) => ({
      tag: 'Directory',
      json: 'Directory',
      attrs: {
        allowSync: true,
        art: `/:/resources/${SECTION_TYPES[s.section_type] ?? 'movie'}-fanart.jpg`,
        key: String(s.id),
        type: SECTION_TYPES[s.section_type] ?? 'movie',
        title: s.name,
        agent: s.agent,
        scanner: s.scanner,
        language: s.language,
        uuid: s.uuid,
        updatedAt: s.updated_at,
        createdAt: s.created_at,
        scannedAt: s.scanned_at,
        content: true,
        // library_sections.content_changed_at: the changestamp PMS raises when an item of the section
        // changes (the XML of /library/sections in the wild: contentChangedAt="5868").
        contentChangedAt: s.content_changed_at ?? 0,
        directory: true,
        hidden: 0,
      },
      children: locations
        .filter((l) => l.library_section_id === s.id)
        .map((l) => ({ tag: 'Location', json: 'Location', attrs: { id: l.id, path: l.root_path } })),
    })),
  };
}

interface ItemRow {
  id: number;
  metadata_type: number;
  title: string | null;
  year: number | null;
  added_at: number | null;
  updated_at: number | null;
  guid: string | null;
  parent_id: number | null;
  index: number | null;
  p_title: string | null;
  gp_id: number | null;
  gp_title: string | null;
}

function listing(plex: Database.Database, sectionId: number, param: Param): Node | null {
  const section = plex.prepare('SELECT id, name, section_type FROM library_sections WHERE id = ?').get(sectionId) as
    { id: number; name: string; section_type: number } | undefined;
  if (!section) return null;
  const top = TOP_TYPE[section.section_type] ?? 1;
  const type = Number(param('type') ?? top);
  const trash = param('trash') === '1';
  const withCollections = param('includeCollections') !== '0' && type === top && !trash;
  const flatPhotos = type !== 13 || param('clusterZoomLevel') === '1';
  const where = [
    'mi.library_section_id = @section',
    withCollections ? '(mi.metadata_type = @type OR mi.metadata_type = 18)' : 'mi.metadata_type = @type',
    trash ? 'mi.deleted_at IS NOT NULL' : '',
    // The folder view of a photo library: albums and photos that sit in no album.
    flatPhotos ? '' : '(mi.parent_id IS NULL OR mi.metadata_type = 14) AND mi.metadata_type IN (13, 14)',
  ].filter(Boolean);
  const params = { section: sectionId, type };
  const total =
    (plex
      .prepare(`SELECT COUNT(*) FROM metadata_items mi WHERE ${where.join(' AND ')}`)
      .pluck()
      .get(params) as number) ?? 0;
  // includeGuids=1 (python-plexapi asks it for item.guids): one <Guid id="imdb://..."/> per external id
  // PMS keeps for the item, which are its tag_type 314 taggings.
  const guids = param('includeGuids') === '1';
  const tagsOf = plex
    .prepare(
      `SELECT t.tag FROM taggings tg JOIN tags t ON t.id = tg.tag_id WHERE tg.metadata_item_id = ? AND t.tag_type = 314 ORDER BY tg."index", tg.id`,
    )
    .pluck();
  const guidNodes = (id: number): Node[] => (tagsOf.all(id) as string[]).map((tag) => ({ tag: 'Guid', json: 'Guid', attrs: { id: tag } }));
  const start = Number(param('X-Plex-Container-Start') ?? 0);
  const size = Math.min(Number(param('X-Plex-Container-Size') ?? total), 10_000);
  const order = param('sort') === 'addedAt:desc' ? 'mi.added_at DESC, mi.id DESC' : 'mi.title_sort, mi.id';
  const rows =
    size > 0
      ? (plex
          .prepare(
            `SELECT mi.id, mi.metadata_type, mi.title, mi.year, mi.added_at, mi.updated_at, mi.guid, mi.parent_id, mi."index",
                    p.title AS p_title, gp.id AS gp_id, gp.title AS gp_title
             FROM metadata_items mi
             LEFT JOIN metadata_items p ON p.id = mi.parent_id
             LEFT JOIN metadata_items gp ON gp.id = p.parent_id
             WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT @size OFFSET @start`,
          )
          .all({ ...params, size, start }) as ItemRow[])
      : [];
  return {
    tag: 'MediaContainer',
    attrs: {
      size: rows.length,
      totalSize: total,
      offset: start,
      allowSync: true,
      identifier: 'com.plexapp.plugins.library',
      librarySectionID: sectionId,
      librarySectionTitle: section.name,
    },
    children: rows.map((r) => itemNode(r, guids ? guidNodes(r.id) : [])),
  };
}

function itemNode(r: ItemRow, children: Node[] = []): Node {
  const t = ITEM_TYPES[r.metadata_type] ?? { type: 'unknown', tag: 'Directory' };
  const hasGrandparent = r.metadata_type === 4 || r.metadata_type === 10;
  return {
    tag: t.tag,
    json: 'Metadata',
    attrs: {
      ratingKey: String(r.id),
      key: `/library/metadata/${r.id}${t.tag === 'Directory' ? '/children' : ''}`,
      guid: r.guid,
      type: t.type,
      title: r.title,
      year: r.year,
      thumb: `/library/metadata/${r.id}/thumb/${r.updated_at ?? 0}`,
      addedAt: r.added_at,
      updatedAt: r.updated_at,
      parentRatingKey: r.parent_id === null ? undefined : String(r.parent_id),
      parentTitle: r.parent_id === null ? undefined : r.p_title,
      grandparentRatingKey: hasGrandparent && r.gp_id !== null ? String(r.gp_id) : undefined,
      grandparentTitle: hasGrandparent ? r.gp_title : undefined,
      // metadata_items.index: a season's number, an episode's or track's number in its parent.
      index: r.index ?? undefined,
    },
    ...(children.length ? { children } : {}),
  };
}

function providers(plex: Database.Database, includeStorage: boolean): Node {
  const rows = plex
    .prepare(
      `SELECT ls.id, ls.name, ls.section_type,
              (SELECT COALESCE(SUM(mp.size), 0) FROM media_parts mp JOIN media_items m ON m.id = mp.media_item_id
                WHERE m.library_section_id = ls.id) AS storage,
              (SELECT COALESCE(SUM(mp.duration), 0) FROM media_parts mp JOIN media_items m ON m.id = mp.media_item_id
                WHERE m.library_section_id = ls.id) AS duration
       FROM library_sections ls ORDER BY ls.id`,
    )
    .all() as { id: number; name: string; section_type: number; storage: number; duration: number }[];
  const directories: Node[] = rows.map((s) => ({
    tag: 'Directory',
    json: 'Directory',
    attrs: {
      id: s.id,
      key: `/library/sections/${s.id}`,
      title: s.name,
      type: SECTION_TYPES[s.section_type] ?? 'movie',
      ...(includeStorage ? { durationTotal: s.duration, storageTotal: s.storage } : {}),
    },
  }));
  return {
    tag: 'MediaContainer',
    attrs: { size: 1 },
    children: [
      {
        tag: 'MediaProvider',
        json: 'MediaProvider',
        attrs: { identifier: 'com.plexapp.plugins.library', title: 'Library', types: 'video,audio,photo', protocols: 'stream,download' },
        children: [{ tag: 'Feature', json: 'Feature', attrs: { key: '/library/sections', type: 'content' }, children: directories }],
      },
    ],
  };
}

type SessionRow = Record<string, string | number | null>;

/** PMS's spelling of a decision (pmsconnect turns 'directplay' into 'direct play'). */
const pmsDecision = (d: unknown) => (d === 'direct play' ? 'directplay' : typeof d === 'string' && d ? d : undefined);

function sessions(plex: Database.Database, tautulli: Database.Database | null): Node {
  const rows = tautulli
    ? (tautulli
        .prepare(
          `SELECT s.*, u.thumb AS user_thumb FROM sessions s LEFT JOIN users u ON u.user_id = s.user_id
           WHERE s.state IS NULL OR s.state NOT IN ('stopped', 'error') ORDER BY s.session_key`,
        )
        .all() as SessionRow[])
    : [];
  const sectionName = plex.prepare('SELECT name FROM library_sections WHERE id = ?').pluck();
  const tag = (type: unknown) => (type === 'track' ? 'Track' : type === 'photo' ? 'Photo' : 'Video');
  return {
    tag: 'MediaContainer',
    attrs: { size: rows.length },
    children: rows.map((r) => {
      const direct = r.transcode_decision === 'direct play';
      const streams: Node[] = [];
      if (r.stream_video_decision || r.video_codec) {
        streams.push({
          tag: 'Stream',
          json: 'Stream',
          attrs: {
            id: 1,
            streamType: 1,
            codec: r.stream_video_codec ?? r.video_codec,
            decision: pmsDecision(r.stream_video_decision) === 'directplay' ? undefined : pmsDecision(r.stream_video_decision),
            selected: true,
          },
        });
      }
      streams.push({
        tag: 'Stream',
        json: 'Stream',
        attrs: {
          id: 2,
          streamType: 2,
          codec: r.stream_audio_codec ?? r.audio_codec,
          decision: pmsDecision(r.stream_audio_decision) === 'directplay' ? undefined : pmsDecision(r.stream_audio_decision),
          selected: true,
        },
      });
      const children: Node[] = [
        {
          tag: 'Media',
          json: 'Media',
          attrs: {
            id: r.rating_key,
            container: r.container,
            bitrate: r.bitrate,
            videoResolution: r.video_resolution,
            duration: r.duration,
            selected: true,
          },
          children: [
            {
              tag: 'Part',
              json: 'Part',
              attrs: { id: r.rating_key, decision: direct ? 'directplay' : 'transcode', selected: true },
              children: streams,
            },
          ],
        },
        { tag: 'User', json: 'User', single: true, attrs: { id: r.user_id, thumb: r.user_thumb, title: r.user } },
        {
          tag: 'Player',
          json: 'Player',
          single: true,
          attrs: {
            address: r.ip_address,
            local: r.location === 'lan',
            machineIdentifier: r.machine_id,
            platform: r.platform,
            product: r.product,
            remotePublicAddress: r.ip_address,
            state: r.state,
            title: r.player,
            version: r.product_version,
          },
        },
        { tag: 'Session', json: 'Session', single: true, attrs: { id: r.session_id, bandwidth: r.bandwidth, location: r.location } },
      ];
      if (!direct) {
        children.push({
          tag: 'TranscodeSession',
          json: 'TranscodeSession',
          single: true,
          attrs: {
            key: r.transcode_key,
            throttled: false,
            videoDecision: pmsDecision(r.video_decision),
            audioDecision: pmsDecision(r.audio_decision),
            protocol: 'dash',
          },
        });
      }
      return {
        tag: tag(r.media_type),
        json: 'Metadata',
        attrs: {
          addedAt: r.added_at,
          duration: r.duration,
          grandparentThumb: r.grandparent_thumb || undefined,
          grandparentTitle: r.grandparent_title || undefined,
          guid: r.guid,
          key: `/library/metadata/${r.rating_key}`,
          librarySectionID: String(r.section_id),
          librarySectionTitle: sectionName.get(r.section_id) as string | undefined,
          parentTitle: r.parent_title || undefined,
          ratingKey: String(r.rating_key),
          sessionKey: String(r.session_key),
          thumb: r.thumb,
          title: r.title,
          type: r.media_type,
          viewOffset: r.view_offset,
          year: r.year === '' ? undefined : r.year,
        },
        children,
      };
    }),
  };
}

function toJson(node: Node): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node.attrs)) if (v !== undefined && v !== null) out[k] = v;
  for (const child of node.children ?? []) {
    const key = child.json ?? child.tag;
    if (child.single) out[key] = toJson(child);
    else ((out[key] ??= []) as unknown[]).push(toJson(child));
  }
  return out;
}

const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function toXml(node: Node): string {
  const attrs = Object.entries(node.attrs)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => ` ${k}="${escapeXml(typeof v === 'boolean' ? (v ? '1' : '0') : String(v))}"`)
    .join('');
  const children = (node.children ?? []).map(toXml).join('\n');
  return children ? `<${node.tag}${attrs}>\n${children}\n</${node.tag}>` : `<${node.tag}${attrs} />`;
}

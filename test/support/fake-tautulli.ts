import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A fake Tautulli v2.17.2 API v2 for tests: a real HTTP(S) server on 127.0.0.1 that answers the
 * commands Marquee calls from a fixture tautulli.db, computed with Tautulli's own SQL (retyped from
 * plexpy/datafactory.py, graphs.py, libraries.py; never from src/) and wrapped the way
 * plexpy/api2.py wraps it: `{"response": {"result", "message", "data"}}`, key checks and status codes
 * from API2._api_validate / _api_run, field names and string-typed numbers as Tautulli sends them.
 *
 * It runs in a child process whose TZ is the fake's zone, because that is how Tautulli computes its
 * graphs: SQLite's 'localtime' and Python's date.today() in its own process zone. Its clock is pinned
 * (`now`, what helpers.timestamp() returns). Faults are switched over IPC.
 */

export interface FakeTautulliOptions {
  dbPath: string;
  /** Epoch seconds: Tautulli's helpers.timestamp(). */
  now: number;
  /** Tautulli's process zone. */
  timeZone: string;
  /** 32 characters, as Tautulli generates (_api_validate rejects any other length). */
  apiKey: string;
  /** GROUP_HISTORY_TABLES (default on), used when a call sends no `grouping`. */
  groupHistory?: boolean;
  /** WEEK_START_MONDAY (default off). */
  weekStartMonday?: boolean;
  /** HTTP_ROOT, e.g. '/tautulli'. */
  httpRoot?: string;
  /** PEM key and certificate: serve HTTPS. */
  tls?: { key: string; cert: string };
}

export interface FakeFault {
  /** A reverse proxy in front answers this status with its HTML page (Tautulli itself never sends 401/403). */
  status?: number;
  /** A 200 HTML page (a proxy's login page) instead of Tautulli. */
  html?: boolean;
  /**
   * 'exception': the command raised (API2._api_run: HTTP 500, "Check the logs for errors");
   * 'none': it returned None (HTTP 400, message null).
   */
  resultError?: 'exception' | 'none';
  /** Wait this long before answering. */
  delayMs?: number;
  /** Tautulli cannot reach Plex: get_activity answers success with `{}`. */
  plexDown?: boolean;
  /** Pad a successful answer's JSON to at least this many bytes. */
  padBytes?: number;
  /** Answer success with this `data` instead (another Tautulli version, a broken one). */
  data?: unknown;
  /** The commands the fault applies to (default: all). */
  cmds?: string[];
}

export interface FakeCall {
  method: string;
  path: string;
  /** The query as received (apikey included: tests check what was sent). */
  query: Record<string, string>;
}

export interface FakeTautulli {
  /** Base URL, with the HTTP root: what tautulli.url is set to. */
  readonly url: string;
  readonly port: number;
  setFault(fault: FakeFault | null): Promise<void>;
  /** Every request so far, in arrival order. */
  calls(): Promise<FakeCall[]>;
  /** The most requests open at once since the fake started or the fault was last set. */
  maxInFlight(): Promise<number>;
  close(): Promise<void>;
}

const THIS_FILE = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(THIS_FILE), '../..');
const ENV_KEY = 'FAKE_TAUTULLI_OPTIONS';

type ToChild = { type: 'fault'; fault: FakeFault | null; id: number } | { type: 'sync'; id: number };
type FromChild = { type: 'listening'; port: number } | { type: 'call'; call: FakeCall } | { type: 'ack'; id: number; maxInFlight: number };

export async function startFakeTautulli(options: FakeTautulliOptions): Promise<FakeTautulli> {
  const child = spawn(process.execPath, ['--import', 'tsx', THIS_FILE], {
    cwd: ROOT,
    env: { ...process.env, TZ: options.timeZone, [ENV_KEY]: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const calls: FakeCall[] = [];
  const acks = new Map<number, (maxInFlight: number) => void>();
  let nextId = 0;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('fake Tautulli did not start within 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`fake Tautulli exited with ${code}`)));
    child.on('message', (m: FromChild) => {
      if (m.type === 'listening') {
        clearTimeout(timer);
        resolve(m.port);
      } else if (m.type === 'call') calls.push(m.call);
      else if (m.type === 'ack') acks.get(m.id)?.(m.maxInFlight);
    });
  });
  const roundTrip = (message: ToChild) =>
    new Promise<number>((resolve) => {
      acks.set(message.id, resolve);
      child.send(message);
    });
  const root = (options.httpRoot ?? '').replace(/\/$/, '');
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}${root}`,
    port,
    setFault: async (fault) => {
      await roundTrip({ type: 'fault', fault, id: nextId++ });
    },
    // IPC keeps order: once the ack is back, every earlier call message has arrived.
    calls: async () => {
      await roundTrip({ type: 'sync', id: nextId++ });
      return [...calls];
    },
    maxInFlight: () => roundTrip({ type: 'sync', id: nextId++ }),
    close: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

// ---------------------------------------------------------------------------------------------
// The child: Tautulli's API over the fixture database.
// ---------------------------------------------------------------------------------------------

type Row = Record<string, unknown>;
type Params = Record<string, string>;
/** What a webserve/api2 command returns: data, or None (undefined here). */
type Command = (params: Params) => unknown;

class FakeTautulliProcess {
  private readonly db: Database.Database;
  private fault: FakeFault | null = null;
  private inFlight = 0;
  private maxInFlight = 0;

  constructor(private readonly o: FakeTautulliOptions) {
    this.db = new Database(o.dbPath, { readonly: true, fileMustExist: true });
  }

  start(): void {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    const server = this.o.tls ? https.createServer({ key: this.o.tls.key, cert: this.o.tls.cert }, handler) : http.createServer(handler);
    server.listen(0, '127.0.0.1', () =>
      process.send?.({ type: 'listening', port: (server.address() as AddressInfo).port } satisfies FromChild),
    );
    process.on('message', (m: ToChild) => {
      if (m.type === 'fault') {
        this.fault = m.fault;
        this.maxInFlight = this.inFlight;
      }
      process.send?.({ type: 'ack', id: m.id, maxInFlight: this.maxInFlight } satisfies FromChild);
    });
    process.on('disconnect', () => process.exit(0));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    process.send?.({ type: 'call', call: { method: req.method ?? '', path: url.pathname, query } } satisfies FromChild);
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    res.once('close', () => this.inFlight--);
    const fault = this.fault && (!this.fault.cmds || this.fault.cmds.includes(query.cmd ?? '')) ? this.fault : null;
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (res.destroyed) return;
    if (fault?.status)
      return send(
        res,
        fault.status,
        'text/html',
        `<html><head><title>${fault.status}</title></head><body><center><h1>${fault.status}</h1></center><hr><center>nginx</center></body></html>`,
      );
    if (fault?.html)
      return send(
        res,
        200,
        'text/html; charset=utf-8',
        '<!DOCTYPE html><html><head><title>Login</title></head><body><form method="post"></form></body></html>',
      );
    const root = (this.o.httpRoot ?? '').replace(/\/$/, '');
    const rest = url.pathname.startsWith(`${root}/`) ? url.pathname.slice(root.length) : null;
    // webserve.WebInterface.api: /api/v2 runs API2; anything else is the web UI (CherryPy's 404 page here).
    if (rest === null || !/^\/api\/v2\/?$/.test(rest)) {
      return send(
        res,
        404,
        'text/html;charset=utf-8',
        '<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h2>404 Not Found</h2></body></html>',
      );
    }
    const { status, body } = this.apiRun(query, fault);
    let text = JSON.stringify(body);
    if (fault?.padBytes && status === 200) text = JSON.stringify({ ...(body as object), pad: 'x'.repeat(fault.padBytes) });
    send(res, status, 'application/json;charset=UTF-8', text);
  }

  /** API2._api_validate then _api_run: the envelope and the status code. */
  private apiRun(kwargs: Params, fault: FakeFault | null): { status: number; body: unknown } {
    const commands = this.commands();
    const envelope = (result: 'success' | 'error', message: string | null, data: unknown) => ({
      response: { result, message, data: data ?? {} },
    });
    let msg: string | null = null;
    if (!('apikey' in kwargs)) msg = 'Parameter apikey is required';
    else if (!('cmd' in kwargs)) msg = `Parameter cmd is required. Possible commands are: ${Object.keys(commands).join(', ')}`;
    else if (!(kwargs.cmd! in commands))
      msg = `Unknown command: ${kwargs.cmd}. Possible commands are: ${Object.keys(commands).sort().join(', ')}`;
    else if (kwargs.apikey !== this.o.apiKey) msg = 'Invalid apikey';
    // _api_run turns every error that is not a 500 into a 400, the 401 of a bad key included.
    if (msg) return { status: 400, body: envelope('error', msg, {}) };
    const { apikey: _key, cmd, ...params } = kwargs;
    if (fault?.resultError === 'exception') return { status: 500, body: envelope('error', 'Check the logs for errors', {}) };
    const result = fault?.resultError === 'none' ? undefined : fault?.data !== undefined ? fault.data : commands[cmd!]!(params);
    if (result === undefined || result === null) return { status: 400, body: envelope('error', null, {}) };
    return { status: 200, body: envelope('success', null, result) };
  }

  private commands(): Record<string, Command> {
    return {
      get_activity: () => (this.fault?.plexDown ? {} : this.getActivity()),
      // plexpy.get_tautulli_info
      get_tautulli_info: () => ({
        tautulli_install_type: 'docker',
        tautulli_version: 'v2.17.2',
        tautulli_branch: 'master',
        tautulli_commit: 'c7153deb6e3017b8dda46c8448fe548a61c5a47a',
        tautulli_platform: 'Linux',
        tautulli_platform_release: '6.1.0',
        tautulli_platform_version: '#1 SMP',
        tautulli_platform_linux_distro: 'Debian GNU/Linux 12 bookworm',
        tautulli_platform_device_name: 'tautulli',
        tautulli_python_version: '3.11.2',
      }),
      get_library_names: () =>
        this.all('SELECT section_id, section_name, section_type, agent FROM library_sections WHERE deleted_section = 0'),
      get_library_watch_time_stats: (p) => this.getWatchTimeStats(p),
      get_home_stats: (p) => this.getHomeStats(p),
      get_history: (p) => this.getHistory(p),
      get_plays_by_hourofday: (p) => this.playsGraph(p, 'hour'),
      get_plays_by_date: (p) => this.playsGraph(p, 'date'),
      get_plays_by_dayofweek: (p) => this.playsGraph(p, 'weekday'),
    };
  }

  private all(sql: string, ...args: unknown[]): Row[] {
    return this.db.prepare(sql).all(...args) as Row[];
  }

  /** helpers.bool_true(grouping, return_none=True), then `if grouping is None: GROUP_HISTORY_TABLES`. */
  private groupBy(p: Params): string {
    const given = p.grouping === undefined ? null : ['1', 'true', 't', 'yes', 'y', 'on'].includes(p.grouping.toLowerCase());
    return (given ?? this.o.groupHistory ?? true) ? 'session_history.reference_id' : 'session_history.id';
  }

  /**
   * webserve.get_activity over pmsconnect.get_current_activity: Plex's live sessions, each as
   * get_session_each builds it. The `sessions` rows are what activity_processor.write_session stored
   * from that same dict, so the dict is rebuilt from them: XML attributes as strings, Tautulli's
   * computed flags as ints, the user from users.get_details, sorted by session_key (a string).
   */
  private getActivity(): unknown {
    const rows = this.all("SELECT * FROM sessions WHERE state IS NULL OR state NOT IN ('stopped', 'error')");
    const sessions = rows
      .map((row) => this.sessionEach(row))
      .sort((a, b) => (a.session_key < b.session_key ? -1 : a.session_key > b.session_key ? 1 : 0));
    const counts = {
      stream_count_direct_play: 0,
      stream_count_direct_stream: 0,
      stream_count_transcode: 0,
      total_bandwidth: 0,
      lan_bandwidth: 0,
      wan_bandwidth: 0,
    };
    for (const s of sessions) {
      if (s.transcode_decision === 'transcode') counts.stream_count_transcode++;
      else if (s.transcode_decision === 'copy') counts.stream_count_direct_stream++;
      else counts.stream_count_direct_play++;
      const bandwidth = castToInt(s.bandwidth);
      counts.total_bandwidth += bandwidth;
      if (s.location === 'lan') counts.lan_bandwidth += bandwidth;
      else counts.wan_bandwidth += bandwidth;
    }
    return { stream_count: String(sessions.length), sessions, ...counts };
  }

  private sessionEach(
    row: Row,
  ): Record<string, unknown> & { session_key: string; transcode_decision: string; bandwidth: string; location: string } {
    const INT_FLAGS = [
      'live',
      'secure',
      'relayed',
      'subtitles',
      'transcode_hw_decoding',
      'transcode_hw_encoding',
      'optimized_version',
      'synced_version',
      'subtitle_forced',
      'stream_subtitle_forced',
    ];
    const NOT_FROM_PLEX = [
      'id',
      'started',
      'stopped',
      'paused_counter',
      'buffer_count',
      'buffer_last_triggered',
      'last_paused',
      'watched',
      'intro',
      'credits',
      'commercial',
      'marker',
      'initial_stream',
      'write_attempts',
      'raw_stream_info',
      'rating_key_websocket',
      'user_id',
    ];
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) {
      if (NOT_FROM_PLEX.includes(k)) continue;
      out[k] = INT_FLAGS.includes(k) ? castToInt(v) : v === null ? '' : String(v);
    }
    const user = this.db
      .prepare(
        'SELECT users.id AS row_id, user_id, username, friendly_name, thumb, custom_avatar_url, email, is_active, is_admin, is_home_user, is_allow_sync, is_restricted, do_notify, keep_history, deleted_user, allow_guest, shared_libraries FROM users WHERE user_id = ?',
      )
      .get(row.user_id) as Row | undefined;
    // users.get_user_details: friendly_name falls back to the username; the thumb to the default avatar.
    const userDetails = user
      ? {
          ...user,
          friendly_name: user.friendly_name || user.username,
          user_thumb:
            (user.custom_avatar_url && user.custom_avatar_url !== user.thumb ? user.custom_avatar_url : user.thumb) ||
            'interfaces/default/images/gravatar-default-80x80.png',
          shared_libraries: String(user.shared_libraries ?? '')
            .split(';')
            .filter(Boolean),
          last_seen: null,
        }
      : {
          row_id: 0,
          user_id: 0,
          username: 'Local',
          friendly_name: 'Local',
          user_thumb: 'interfaces/default/images/gravatar-default-80x80.png',
          email: '',
        };
    delete (userDetails as Row).thumb;
    delete (userDetails as Row).custom_avatar_url;
    const local = row.location === 'lan' ? 1 : 0;
    return {
      ...out,
      ...userDetails,
      user: userDetails.username,
      progress_percent: String(getPercent(row.view_offset, row.duration)),
      ip_address_public: String(row.ip_address ?? ''),
      device: String(row.platform ?? ''),
      platform_name: 'default',
      local,
      session_key: String(row.session_key ?? ''),
      transcode_decision: String(row.transcode_decision ?? ''),
      bandwidth: String(row.bandwidth ?? ''),
      location: String(row.location ?? ''),
      state: String(row.state ?? ''),
    };
  }

  /** libraries.Libraries.get_watch_time_stats, for webserve.get_library_watch_time_stats. */
  private getWatchTimeStats(p: Params): unknown {
    if (!p.section_id) return undefined; // "Library watch time stats requested but no section_id received."
    const groupBy = this.groupBy(p);
    const days = p.query_days ? p.query_days.split(',').map(castToInt) : [1, 7, 30, 0];
    const out: Row[] = [];
    for (const d of days) {
      if (!/^\d+$/.test(p.section_id)) continue;
      const since = d > 0 ? `WHERE stopped >= ${this.o.now - d * 86400} AND section_id = ?` : 'WHERE section_id = ?';
      const rows = this.all(
        `SELECT (SUM(stopped - started) - SUM(CASE WHEN paused_counter IS NULL THEN 0 ELSE paused_counter END)) AS total_time,
                COUNT(DISTINCT ${groupBy}) AS total_plays
         FROM session_history JOIN session_history_metadata ON session_history_metadata.id = session_history.id ${since}`,
        p.section_id,
      );
      for (const item of rows) {
        const has = Boolean(item.total_time);
        out.push({ query_days: d, total_time: has ? item.total_time : 0, total_plays: has ? item.total_plays : 0 });
      }
    }
    return out;
  }

  /**
   * webserve.get_history: helpers.build_datatables_json (order_column/order_dir/start/length/search,
   * default "date" desc, 25 rows), its custom_where filters, then datafactory.get_datatables_history
   * through datatables.ssp_query: the whole filtered query is run and sliced [start:start+length]
   * (Python, not SQL LIMIT); recordsFiltered is every filtered row, recordsTotal COUNT(id) of
   * session_history. Filters served here: user_id, section_id, reference_id (comma lists), before,
   * after and start_date on the local date of `started` ('<' and '>' become '<=' and '>=' in
   * build_custom_where), media_type. Not served: user, rating keys, guid, transcode_decision, search
   * (Marquee sends none). With include_activity (HISTORY_TABLE_ACTIVITY, on by default), the live
   * `sessions` rows are UNIONed in, reference_id NULL, as Tautulli does.
   */
  private getHistory(p: Params): unknown {
    const grouping = this.groupBy(p);
    const includeActivity =
      p.include_activity === undefined ? true : ['1', 'true', 't', 'yes', 'y', 'on'].includes(p.include_activity.toLowerCase());
    const list = (v: string | undefined) =>
      (v ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    const localDate = "strftime('%Y-%m-%d', datetime(started, 'unixepoch', 'localtime'))";
    const where: Array<[string, string[]]> = [];
    if (list(p.user_id).length) where.push(['session_history.user_id', list(p.user_id)]);
    if (list(p.start_date).length) where.push([`${localDate} =`, list(p.start_date)]);
    if (list(p.before).length) where.push([`${localDate} <=`, list(p.before)]);
    if (list(p.after).length) where.push([`${localDate} >=`, list(p.after)]);
    if (list(p.reference_id).length) where.push(['session_history.reference_id', list(p.reference_id)]);
    if (list(p.section_id).length) where.push(['session_history.section_id', list(p.section_id)]);
    const mediaTypes = list(p.media_type);
    if (mediaTypes.length && !mediaTypes.includes('all')) where.push(['media_type_live', mediaTypes]);
    // datatables.build_custom_where: each filter an OR of its values, the filters ANDed.
    const clause = (filters: Array<[string, string[]]>) =>
      filters.length
        ? `WHERE ${filters.map(([col, values]) => `(${values.map(() => (/[<>=]$/.test(col) ? `${col} ?` : `${col} = ?`)).join(' OR ')})`).join(' AND ')}`
        : '';
    const args = where.flatMap(([, values]) => values);
    const unionWhere = where.map(([col, values]): [string, string[]] => [col.split('.').pop()!, values]);
    const watched = `MAX((CASE WHEN (view_offset IS NULL OR view_offset = '') THEN 0.1 ELSE view_offset * 1.0 END) /
        (CASE WHEN (%d IS NULL OR %d = '') THEN 1.0 ELSE %d * 1.0 END) * 100) AS percent_complete`;
    const history = `SELECT session_history.reference_id, session_history.id AS row_id, MAX(started) AS date, MIN(started) AS started,
        MAX(stopped) AS stopped,
        SUM(CASE WHEN stopped > 0 THEN (stopped - started) ELSE 0 END) - SUM(CASE WHEN paused_counter IS NULL THEN 0 ELSE paused_counter END) AS play_duration,
        SUM(CASE WHEN paused_counter IS NULL THEN 0 ELSE paused_counter END) AS paused_counter,
        session_history.view_offset, session_history.user_id, session_history.user,
        (CASE WHEN users.friendly_name IS NULL OR TRIM(users.friendly_name) = '' THEN users.username ELSE users.friendly_name END) AS friendly_name,
        users.thumb AS user_thumb, users.custom_avatar_url AS custom_thumb,
        platform, product, player, ip_address, machine_id, location, secure, relayed, session_history.media_type,
        (CASE WHEN session_history_metadata.live = 1 THEN 'live' ELSE session_history.media_type END) AS media_type_live,
        session_history_metadata.rating_key, session_history_metadata.parent_rating_key, session_history_metadata.grandparent_rating_key,
        session_history_metadata.full_title, session_history_metadata.title, session_history_metadata.parent_title,
        session_history_metadata.grandparent_title, session_history_metadata.original_title, session_history_metadata.year,
        session_history_metadata.media_index, session_history_metadata.parent_media_index, session_history_metadata.thumb,
        session_history_metadata.parent_thumb, session_history_metadata.grandparent_thumb, session_history_metadata.live,
        session_history_metadata.added_at, session_history_metadata.originally_available_at, session_history_metadata.guid,
        ${watched.replace(/%d/g, 'session_history_metadata.duration')},
        session_history_metadata.duration, session_history_metadata.marker_credits_first, session_history_metadata.marker_credits_final,
        session_history_media_info.transcode_decision, COUNT(*) AS group_count, GROUP_CONCAT(session_history.id) AS group_ids,
        NULL AS state, NULL AS session_key
      FROM session_history
      LEFT OUTER JOIN users ON session_history.user_id = users.user_id
      JOIN session_history_metadata ON session_history.id = session_history_metadata.id
      JOIN session_history_media_info ON session_history.id = session_history_media_info.id
      ${clause(where)} GROUP BY ${grouping}`;
    const live = `UNION SELECT NULL AS reference_id, NULL AS row_id, started AS date, started, stopped,
        SUM(CASE WHEN stopped > 0 THEN (stopped - started) ELSE (${this.o.now} - started) END) - SUM(CASE WHEN paused_counter IS NULL THEN 0 ELSE paused_counter END) AS play_duration,
        SUM(CASE WHEN paused_counter IS NULL THEN 0 ELSE paused_counter END) AS paused_counter,
        view_offset, user_id, user, (CASE WHEN friendly_name IS NULL OR TRIM(friendly_name) = '' THEN user ELSE friendly_name END) AS friendly_name,
        NULL AS user_thumb, NULL AS custom_thumb, platform, product, player, ip_address, machine_id, location, secure, relayed, media_type,
        (CASE WHEN live = 1 THEN 'live' ELSE media_type END) AS media_type_live, rating_key, parent_rating_key, grandparent_rating_key,
        full_title, title, parent_title, grandparent_title, original_title, year, media_index, parent_media_index, thumb, parent_thumb,
        grandparent_thumb, live, added_at, originally_available_at, guid, ${watched.replace(/%d/g, 'duration')}, duration,
        NULL AS marker_credits_first, NULL AS marker_credits_final, transcode_decision, NULL AS group_count, NULL AS group_ids, state, session_key
      FROM sessions ${clause(unionWhere)} GROUP BY session_key`;
    const orderable = [
      'date',
      'friendly_name',
      'ip_address',
      'platform',
      'product',
      'player',
      'full_title',
      'started',
      'paused_counter',
      'stopped',
      'duration',
    ];
    const dirs = (p.order_dir ?? 'desc').split(',').map((d) => d.trim().toLowerCase());
    const order = (p.order_column ?? 'date')
      .split(',')
      .map((c, i) => [c.trim(), dirs[i] === 'asc' ? 'asc' : 'desc'] as const)
      .filter(([c]) => orderable.includes(c))
      .map(([c, d]) => `${c} COLLATE NOCASE${d === 'desc' ? ' DESC' : ''}`);
    const filtered = this.all(
      `SELECT * FROM (${history} ${includeActivity ? live : ''}) ${order.length ? `ORDER BY ${order.join(', ')}` : ''}`,
      ...args,
      ...(includeActivity ? args : []),
    ).filter((row) => !Object.values(row).every((v) => v === null));
    const start = castToInt(p.start ?? 0);
    const length = castToInt(p.length ?? 25);
    const rows = filtered.slice(start, start + length).map((item) => ({
      reference_id: item.reference_id,
      row_id: item.row_id,
      id: item.row_id,
      date: item.date,
      started: item.started,
      stopped: item.stopped,
      duration: item.play_duration,
      play_duration: item.play_duration,
      paused_counter: item.paused_counter,
      user_id: item.user_id,
      user: item.user,
      friendly_name: item.friendly_name,
      user_thumb:
        (item.custom_thumb && item.custom_thumb !== item.user_thumb ? item.custom_thumb : item.user_thumb) ||
        'interfaces/default/images/gravatar-default-80x80.png',
      platform: PLATFORM_NAME_OVERRIDES[String(item.platform)] ?? item.platform,
      product: item.product,
      player: item.player,
      ip_address: item.ip_address,
      live: item.live,
      machine_id: item.machine_id,
      location: item.location,
      secure: item.secure,
      relayed: item.relayed,
      media_type: item.media_type,
      rating_key: item.rating_key,
      parent_rating_key: item.parent_rating_key,
      grandparent_rating_key: item.grandparent_rating_key,
      full_title: item.full_title,
      title: item.title,
      parent_title: item.parent_title,
      grandparent_title: item.grandparent_title,
      original_title: item.original_title,
      year: item.year,
      media_index: item.media_index,
      parent_media_index: item.parent_media_index,
      thumb: item.media_type === 'episode' ? item.parent_thumb || item.grandparent_thumb : item.thumb,
      originally_available_at: item.originally_available_at,
      guid: item.guid,
      transcode_decision: item.transcode_decision,
      percent_complete: Math.round(item.live ? 100 : Number(item.percent_complete)),
      // helpers.check_watched and the quarter steps are not retyped: Marquee reads no watched status.
      watched_status: 0,
      group_count: item.group_count,
      group_ids: item.group_ids,
      state: item.state,
      session_key: item.session_key,
    }));
    const totalCount = (this.db.prepare('SELECT COUNT(id) AS n FROM session_history').get() as { n: number }).n;
    return {
      recordsFiltered: filtered.length,
      recordsTotal: totalCount,
      data: rows,
      draw: 1,
      filter_duration: '',
      total_duration: '',
    };
  }

  /** datafactory.DataFactory.get_home_stats for the cards Marquee reads (other stat_ids: no card, []). */
  private getHomeStats(p: Params): unknown {
    const timeRange = castToInt(p.time_range ?? 30);
    const count = castToInt(p.stats_count ?? 10);
    const start = castToInt(p.stats_start ?? 0);
    const cards = p.stat_id ? [p.stat_id] : ['top_movies', 'top_tv', 'top_users', 'top_platforms', 'most_concurrent'];
    const timeframe = `AND session_history.stopped >= ${this.o.now - timeRange * 86400}`;
    const args: unknown[] = [];
    let whereId = '';
    if (p.section_id) {
      whereId += 'AND session_history.section_id = ? ';
      args.push(p.section_id);
    }
    if (p.user_id) {
      whereId += 'AND session_history.user_id = ? ';
      args.push(p.user_id);
    }
    const groupBy = this.groupBy(p);
    const sort = p.stats_type === 'duration' ? 'total_duration' : 'total_plays';
    const inner = `SELECT *, SUM(CASE WHEN stopped > 0 THEN (stopped - started) - (CASE WHEN paused_counter IS NULL THEN 0 ELSE paused_counter END) ELSE 0 END) AS d FROM session_history`;
    const page = `ORDER BY ${sort} DESC, sh.started DESC LIMIT ${count} OFFSET ${start}`;
    const stats: Row[] = [];
    for (const stat of cards) {
      if (stat === 'top_movies' || stat === 'top_tv') {
        const movie = stat === 'top_movies';
        const rows = this.all(
          `SELECT sh.id, shm.full_title, shm.grandparent_title, sh.grandparent_rating_key, shm.grandparent_thumb, shm.year, sh.rating_key, shm.thumb,
                  sh.section_id, shm.art, sh.media_type, shm.content_rating, shm.rating, shm.labels, sh.started, shm.live, shm.guid,
                  MAX(sh.started) AS last_watch, COUNT(sh.id) AS total_plays, SUM(sh.d) AS total_duration
           FROM (${inner} WHERE session_history.media_type = '${movie ? 'movie' : 'episode'}' ${timeframe} ${whereId} GROUP BY ${groupBy}) AS sh
           JOIN session_history_metadata AS shm ON shm.id = sh.id
           GROUP BY ${movie ? 'shm.full_title, shm.year' : 'shm.grandparent_title'} ${page}`,
          ...args,
        );
        stats.push({
          stat_id: stat,
          stat_type: sort,
          stat_title: movie ? 'Most Watched Movies' : 'Most Watched TV Shows',
          rows: rows.map((i) => ({
            title: movie ? i.full_title : i.grandparent_title,
            year: i.year,
            total_plays: i.total_plays,
            total_duration: i.total_duration,
            users_watched: '',
            rating_key: movie || i.live ? i.rating_key : i.grandparent_rating_key,
            grandparent_rating_key: movie ? '' : i.grandparent_rating_key,
            last_play: i.last_watch,
            grandparent_thumb: movie ? '' : i.grandparent_thumb,
            thumb: movie ? i.thumb : i.grandparent_thumb,
            art: i.art,
            section_id: i.section_id,
            media_type: i.media_type,
            content_rating: i.content_rating,
            rating: i.rating,
            labels: i.labels ? String(i.labels).split(';') : [],
            user: '',
            friendly_name: '',
            platform: '',
            live: i.live,
            guid: i.guid,
            row_id: i.id,
          })),
        });
      } else if (stat === 'top_users') {
        const rows = this.all(
          `SELECT sh.id, shm.title, shm.grandparent_title, shm.full_title, shm.year, shm.media_index, shm.parent_media_index,
                  sh.rating_key, shm.grandparent_rating_key, shm.thumb, shm.grandparent_thumb, sh.user, sh.user_id, sh.player, sh.section_id,
                  shm.art, sh.media_type, shm.content_rating, shm.labels, shm.live, shm.guid,
                  u.thumb AS user_thumb, u.custom_avatar_url AS custom_thumb, sh.started,
                  (CASE WHEN u.friendly_name IS NULL OR TRIM(u.friendly_name) = '' THEN u.username ELSE u.friendly_name END) AS friendly_name,
                  MAX(sh.started) AS last_watch, COUNT(sh.id) AS total_plays, SUM(sh.d) AS total_duration
           FROM (${inner} WHERE ${timeframe.slice(4)} ${whereId} GROUP BY ${groupBy}) AS sh
           JOIN session_history_metadata AS shm ON shm.id = sh.id
           LEFT OUTER JOIN users AS u ON sh.user_id = u.user_id
           GROUP BY sh.user_id ${page}`,
          ...args,
        );
        stats.push({
          stat_id: stat,
          stat_type: sort,
          stat_title: 'Most Active Users',
          rows: rows.map((i) => ({
            user: i.user,
            user_id: i.user_id,
            friendly_name: i.friendly_name,
            total_plays: i.total_plays,
            total_duration: i.total_duration,
            last_play: i.last_watch,
            user_thumb:
              (i.custom_thumb && i.custom_thumb !== i.user_thumb ? i.custom_thumb : i.user_thumb) ||
              'interfaces/default/images/gravatar-default-80x80.png',
            thumb: i.grandparent_thumb ? i.grandparent_thumb : i.thumb,
            grandparent_thumb: i.grandparent_thumb,
            art: i.art,
            users_watched: '',
            platform: '',
            title: i.full_title,
            grandparent_title: i.grandparent_title,
            grandchild_title: i.title,
            year: i.year,
            media_index: i.media_index,
            parent_media_index: i.parent_media_index,
            rating_key: i.rating_key,
            grandparent_rating_key: i.grandparent_rating_key,
            media_type: i.media_type,
            content_rating: i.content_rating,
            labels: i.labels ? String(i.labels).split(';') : [],
            live: i.live,
            guid: i.guid,
            row_id: i.id,
          })),
        });
      } else if (stat === 'top_platforms') {
        const rows = this.all(
          `SELECT sh.platform, sh.started, MAX(sh.started) AS last_watch, COUNT(sh.id) AS total_plays, SUM(sh.d) AS total_duration
           FROM (${inner} WHERE ${timeframe.slice(4)} ${whereId} GROUP BY ${groupBy}) AS sh
           GROUP BY sh.platform ${page}`,
          ...args,
        );
        stats.push({
          stat_id: stat,
          stat_type: sort,
          stat_title: 'Most Active Platforms',
          rows: rows.map((i) => {
            const platform = PLATFORM_NAME_OVERRIDES[String(i.platform)] ?? i.platform;
            return {
              total_plays: i.total_plays,
              total_duration: i.total_duration,
              last_play: i.last_watch,
              platform,
              platform_name: 'default',
              title: '',
              thumb: '',
              grandparent_thumb: '',
              art: '',
              users_watched: '',
              rating_key: '',
              grandparent_rating_key: '',
              user: '',
              friendly_name: '',
              row_id: '',
            };
          }),
        });
      } else if (stat === 'most_concurrent') {
        // most_concurrent ignores section_id and user_id (where_timeframe only).
        const base = `SELECT sh.started, sh.stopped FROM session_history AS sh JOIN session_history_media_info AS shmi ON sh.id = shmi.id WHERE ${timeframe.slice(4).replace('session_history.', 'sh.')} `;
        const concurrent: Row[] = [];
        for (const [title, extra] of [
          ['Concurrent Streams', ''],
          ['Concurrent Transcodes', "AND shmi.transcode_decision = 'transcode' "],
          ['Concurrent Direct Streams', "AND shmi.transcode_decision = 'copy' "],
          ['Concurrent Direct Plays', "AND shmi.transcode_decision = 'direct play' "],
        ] as const) {
          const rows = this.all(base + extra);
          if (rows.length) concurrent.push(calcMostConcurrent(title, rows));
        }
        stats.push({ stat_id: stat, stat_title: 'Most Concurrent Streams', rows: concurrent });
      }
    }
    // `if stat_id and home_stats: return home_stats[0]` (since v2.10.0): one card asked, one card answered.
    return p.stat_id && stats.length > 0 ? stats[0] : stats;
  }

  /** graphs.Graphs.get_total_plays_per_hourofday / _per_day / _per_dayofweek with y_axis 'plays'. */
  private playsGraph(p: Params, by: 'hour' | 'date' | 'weekday'): unknown {
    const timeRange = castToInt(p.time_range) || 30;
    const timestamp = this.o.now - timeRange * 86400;
    const groupBy = this.groupBy(p);
    const slot = {
      hour: [
        "strftime('%H', datetime(started, 'unixepoch', 'localtime')) AS hourofday",
        'hourofday',
        'GROUP BY sh.hourofday ORDER BY sh.hourofday',
      ],
      date: ["date(started, 'unixepoch', 'localtime') AS date_played", 'date_played', 'GROUP BY sh.date_played ORDER BY sh.started'],
      weekday: [
        "CAST(strftime('%w', date(started, 'unixepoch', 'localtime')) AS INTEGER) AS daynumber",
        'daynumber',
        'GROUP BY dayofweek ORDER BY sh.daynumber',
      ],
    }[by];
    const dayName = `(CASE sh.daynumber WHEN 0 THEN 'Sunday' WHEN 1 THEN 'Monday' WHEN 2 THEN 'Tuesday' WHEN 3 THEN 'Wednesday' WHEN 4 THEN 'Thursday' WHEN 5 THEN 'Friday' ELSE 'Saturday' END) AS dayofweek, `;
    const rows = this.all(
      `SELECT sh.${slot[1]}, ${by === 'weekday' ? dayName : ''}
              SUM(CASE WHEN sh.media_type = 'episode' AND shm.live = 0 THEN 1 ELSE 0 END) AS tv_count,
              SUM(CASE WHEN sh.media_type = 'movie' AND shm.live = 0 THEN 1 ELSE 0 END) AS movie_count,
              SUM(CASE WHEN sh.media_type = 'track' AND shm.live = 0 THEN 1 ELSE 0 END) AS music_count,
              SUM(shm.live) AS live_count
       FROM (SELECT *, ${slot[0]} FROM session_history WHERE session_history.stopped >= ${timestamp} GROUP BY ${slot[1]}, ${groupBy}) AS sh
       JOIN session_history_metadata AS shm ON shm.id = sh.id
       ${slot[2]}`,
    );
    const keyOf = (r: Row) => String(by === 'weekday' ? r.dayofweek : r[slot[1]!]);
    const byKey = new Map(rows.map((r) => [keyOf(r), r]));
    let categories: string[];
    if (by === 'hour') categories = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));
    else if (by === 'weekday') {
      const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
      categories = this.o.weekStartMonday ? [...days.slice(1), days[0]!] : days;
    } else {
      // datetime.date.today() - timedelta(days=x) for x in range(time_range), sorted: local calendar dates.
      const today = new Date(this.o.now * 1000);
      categories = Array.from({ length: timeRange }, (_, i) => {
        const d = new Date(today.getFullYear(), today.getMonth(), today.getDate() - (timeRange - 1 - i), 12);
        return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
      });
    }
    const series = (key: string) => categories.map((c) => Number(byKey.get(c)?.[key] ?? 0));
    const hasType = (type: string) =>
      this.db.prepare('SELECT * FROM library_sections WHERE section_type = ? AND deleted_section = 0').get(type) !== undefined;
    const out: { name: string; data: number[] }[] = [];
    if (hasType('show')) out.push({ name: 'TV', data: series('tv_count') });
    if (hasType('movie')) out.push({ name: 'Movies', data: series('movie_count') });
    if (hasType('artist')) out.push({ name: 'Music', data: series('music_count') });
    if (hasType('live')) out.push({ name: 'Live TV', data: series('live_count') });
    // Only the per-day graph appends a Total series.
    if (by === 'date' && out.length > 0)
      out.push({ name: 'Total', data: categories.map((_, i) => out.reduce((n, s) => n + s.data[i]!, 0)) });
    return { categories, series: out };
  }
}

/** common.PLATFORM_NAME_OVERRIDES, applied by get_home_stats top_platforms. */
const PLATFORM_NAME_OVERRIDES: Record<string, string> = {
  Konvergo: 'Plex Media Player',
  'Mystery 3': 'Playstation 3',
  'Mystery 4': 'Playstation 4',
  'Mystery 5': 'Xbox 360',
  WebMAF: 'Playstation 4',
  windows: 'Windows',
  osx: 'macOS',
  macos: 'macOS',
};

/** datafactory.get_home_stats' calc_most_concurrent: string-sorted "<time>B" starts and "<time>A" stops. */
function calcMostConcurrent(title: string, rows: Row[]): Row {
  const times: { time: string; count: number }[] = [];
  for (const item of rows) times.push({ time: `${item.started}B`, count: 1 }, { time: `${item.stopped}A`, count: -1 });
  times.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  let count = 0;
  let lastCount = 0;
  let lastStart = '';
  const concurrent: Row = { title, count: 0, started: null, stopped: null };
  for (const d of times) {
    if (d.count === 1) {
      count += d.count;
      if (count >= lastCount) lastStart = d.time;
    } else {
      if (count >= lastCount) {
        lastCount = count;
        concurrent.count = count;
        concurrent.started = lastStart.slice(0, -1);
        concurrent.stopped = d.time.slice(0, -1);
      }
      count += d.count;
    }
  }
  return concurrent;
}

/** helpers.cast_to_int */
function castToInt(v: unknown): number {
  const n = typeof v === 'number' ? v : /^\s*[-+]?\d+\s*$/.test(String(v)) ? Number(v) : NaN;
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

/** helpers.get_percent */
function getPercent(a: unknown, b: unknown): number {
  const x = Number(a) || 0;
  const y = Number(b) || 0;
  return x !== 0 && y !== 0 ? Math.round((x / y) * 100) : 0;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

if (process.env[ENV_KEY] && path.resolve(process.argv[1] ?? '') === THIS_FILE) {
  new FakeTautulliProcess(JSON.parse(process.env[ENV_KEY]) as FakeTautulliOptions).start();
}

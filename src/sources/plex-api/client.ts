/**
 * The one HTTP path to a Plex Media Server. Every Plex API read in Marquee goes through `get`, so the
 * rules that keep the token secret and the cost bounded live here once:
 * - the token travels only in the `X-Plex-Token` header (PMS also reads it from the query string,
 *   which is exactly what must never happen: URLs end up in logs, proxies and error texts);
 * - redirects are not followed (a redirect would carry the header to wherever it points);
 * - one deadline for the whole read (AbortSignal), a cap on every body, JSON only (`Accept:
 *   application/json`, which PMS has honoured since 2015: its default answer is XML);
 * - a self-signed certificate is trusted only through `caFile`, never by turning verification off.
 * Errors are thrown as PlexApiError with a Node-style `code`; the sources turn them into a
 * SourceError through runSource, so a fault never reaches the caller as a throw.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

export interface PlexConnectionOptions {
  /** Base URL of the server, e.g. http://plex:32400 or https://10-0-0-5.<hash>.plex.direct:32400. */
  url: string;
  /** X-Plex-Token. Sent as a header only; never logged, never put in a URL. */
  token: string;
  /** Deadline for the whole read (every request of one call), in ms. */
  timeoutMs: number;
  /** PEM file with the CA (or the certificate itself) of a server with a self-signed certificate. */
  caFile?: string;
  /** Largest body accepted per response, in bytes (default 4 MiB: a count answer is ~300 B). */
  maxResponseBytes?: number;
  /** Host name resolution (default: the system's, as node:dns lookup). Tests inject a failing one. */
  lookup?: LookupFunction;
  /** Requests in flight at once (default 4: PMS serves library reads from one SQLite connection pool). */
  concurrency?: number;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
export const DEFAULT_CONCURRENCY = 4;

/** Identifies Marquee to PMS (Plex lists clients by these headers; no secret in them). */
const CLIENT_HEADERS = {
  'X-Plex-Product': 'Marquee',
  'X-Plex-Client-Identifier': 'marquee-status-images',
};

/**
 * A fault talking to Plex. `code` follows Node's error codes where one exists (ECONNREFUSED,
 * ENOTFOUND, ETIMEDOUT, certificate codes) so runSource's mapping applies (ETIMEDOUT -> timeout,
 * the rest -> unavailable); Plex-specific faults use EPLEX_*. The message never holds the token
 * and names a path, never a full URL (which could carry user:password@).
 */
export class PlexApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PlexApiError';
  }
}

export interface PlexClient {
  /** GET `path` with `query` and parse the JSON body. */
  get(path: string, query?: Record<string, string | number>): Promise<unknown>;
  /** Releases the keep-alive sockets. Call once the read is over. */
  close(): void;
}

/**
 * A client for one read (one cycle): its own agent (keep-alive between the ~20 requests of a cycle,
 * closed at the end) and one deadline. Nothing is shared between clients, so several servers can be
 * read at once without interfering (issue 20).
 */
export function createPlexClient(options: PlexConnectionOptions): PlexClient {
  const base = parseBaseUrl(options.url);
  if (!options.token) throw new PlexApiError('EPLEX_AUTH', 'plex.token is empty');
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const isHttps = base.protocol === 'https:';
  const agentOptions = { keepAlive: true, maxSockets: options.concurrency ?? DEFAULT_CONCURRENCY };
  const agent = isHttps ? new https.Agent({ ...agentOptions, ca: readCa(options.caFile) }) : new http.Agent(agentOptions);
  return {
    get: (path, query) =>
      request({ base, path, query, token: options.token, deadline, maxBytes, agent, timeoutMs: options.timeoutMs, lookup: options.lookup }),
    close: () => agent.destroy(),
  };
}

function parseBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PlexApiError('EPLEX_CONFIG', 'plex.url is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new PlexApiError('EPLEX_CONFIG', 'plex.url must start with http:// or https://');
  // A token pasted into the URL (a habit from Plex Web links) would defeat the header-only rule.
  if ([...url.searchParams.keys()].some((k) => k.toLowerCase() === 'x-plex-token')) {
    throw new PlexApiError('EPLEX_CONFIG', 'plex.url must not contain X-Plex-Token: set plex.token instead');
  }
  return url;
}

function readCa(caFile: string | undefined): Buffer | undefined {
  if (!caFile) return undefined;
  try {
    return readFileSync(caFile);
  } catch (err) {
    // Not ENOENT: runSource would read that as "the database file was not found".
    throw new PlexApiError('EPLEX_CONFIG', `plex.caFile could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

interface RequestArgs {
  base: URL;
  path: string;
  query: Record<string, string | number> | undefined;
  token: string;
  deadline: AbortSignal;
  timeoutMs: number;
  maxBytes: number;
  agent: http.Agent;
  lookup: LookupFunction | undefined;
}

function request(args: RequestArgs): Promise<unknown> {
  const url = new URL(args.base.href);
  // Keep a base path (a reverse proxy serving Plex under /plex) and append ours.
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${args.path}`;
  url.search = new URLSearchParams(Object.entries(args.query ?? {}).map(([k, v]): [string, string] => [k, String(v)])).toString();
  const where = args.path;
  const send = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    if (args.deadline.aborted) return reject(timeoutError(where, args.timeoutMs));
    const req = send(
      url,
      {
        method: 'GET',
        agent: args.agent,
        signal: args.deadline,
        ...(args.lookup ? { lookup: args.lookup } : {}),
        headers: { Accept: 'application/json', 'X-Plex-Token': args.token, ...CLIENT_HEADERS },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const type = String(res.headers['content-type'] ?? '');
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > args.maxBytes) {
          res.destroy();
          return reject(
            new PlexApiError('EPLEX_TOO_LARGE', `${where}: the answer is ${declared} bytes, over the ${args.maxBytes}-byte limit`),
          );
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > args.maxBytes) {
            res.destroy();
            reject(new PlexApiError('EPLEX_TOO_LARGE', `${where}: the answer is over the ${args.maxBytes}-byte limit`));
          } else chunks.push(chunk);
        });
        res.on('error', (err) => reject(networkError(err, where, args)));
        // A connection cut mid-body ends with 'close' and no 'end'; rejecting after a resolve is a no-op.
        res.on('close', () => {
          if (!res.complete) reject(networkError(new Error('the connection closed before the answer ended'), where, args));
        });
        res.on('end', () => {
          try {
            resolve(parseAnswer(status, type, Buffer.concat(chunks).toString('utf8'), where));
          } catch (err) {
            reject(err as Error);
          }
        });
      },
    );
    req.on('error', (err) => reject(networkError(err, where, args)));
    req.end();
  });
}

function parseAnswer(status: number, type: string, body: string, where: string): unknown {
  if (status === 401 || status === 403) throw new PlexApiError('EPLEX_AUTH', `plex.token was rejected (HTTP ${status} from ${where})`);
  if (status >= 300 && status < 400)
    throw new PlexApiError('EPLEX_HTTP', `${where}: HTTP ${status}; redirects are not followed (set plex.url to the final address)`);
  if (status !== 200) throw new PlexApiError('EPLEX_HTTP', `${where}: HTTP ${status}${status >= 500 ? ' (a Plex server error)' : ''}`);
  const looksJson = /json/i.test(type) || /^\s*[[{]/.test(body);
  if (!looksJson) {
    const what =
      /html/i.test(type) || /^\s*<(!doctype|html)/i.test(body) ? 'an HTML page (a proxy or login page?)' : `'${type || 'no content type'}'`;
    throw new PlexApiError('EPLEX_NOT_JSON', `${where}: expected JSON, got ${what}`);
  }
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new PlexApiError('EPLEX_NOT_JSON', `${where}: the answer is not valid JSON`);
  }
}

function timeoutError(where: string, timeoutMs: number): PlexApiError {
  return new PlexApiError('ETIMEDOUT', `${where}: no answer within ${timeoutMs} ms`);
}

/** Node's network errors carry a code and a message naming host and port, never headers. */
function networkError(err: Error, where: string, args: RequestArgs): PlexApiError {
  if (args.deadline.aborted) return timeoutError(where, args.timeoutMs);
  if (err instanceof PlexApiError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? 'EPLEX_NETWORK';
  const hint =
    code === 'ECONNREFUSED'
      ? 'connection refused (is Plex running, and is plex.url right?)'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? `the host name in plex.url does not resolve`
        : /CERT|SSL|TLS|SELF_SIGNED|VERIFY/i.test(code)
          ? 'the TLS certificate was not accepted (a self-signed certificate needs plex.caFile)'
          : (err.message ?? 'network error');
  return new PlexApiError(code, `${where}: ${hint}`);
}

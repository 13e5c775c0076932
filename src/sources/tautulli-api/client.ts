import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { SourceErrorCode } from '../result.js';

/**
 * One GET to Tautulli's API v2 (`<url>/api/v2?apikey=...&cmd=...`), unwrapped from its envelope
 * `{"response": {"result": "success" | "error", "message": ..., "data": ...}}` (api2.API2._api_responds).
 *
 * Tautulli takes its key only as a query parameter, so every URL this module builds carries a secret:
 * no URL leaves it unredacted, and every error text is passed through `redact` before it is thrown.
 *
 * node:http(s) rather than fetch: the built-in fetch cannot take a CA for a self-signed certificate
 * without the undici package, and node:https takes `ca`, an AbortSignal and a custom `lookup` as plain
 * options.
 */

export interface TautulliClientOptions {
  /** Tautulli's address with its HTTP root, e.g. http://tautulli:8181 or https://example.org/tautulli. */
  url: string;
  apiKey: string;
  /** PEM file with the CA (or the certificate itself) that signed a self-signed Tautulli certificate. */
  caFile?: string;
  /** Bytes one answer may have; past it the call fails (default 8 MiB). */
  maxResponseBytes?: number;
  /** DNS lookup (node:dns.lookup's signature); default the system resolver. Tests inject failures. */
  lookup?: LookupFunction;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** A failed call: `code` is the section's error code, `message` is safe to log (the key is redacted). */
export class TautulliApiError extends Error {
  constructor(
    readonly code: SourceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TautulliApiError';
  }
}

/** The config key named in errors: the issue asks that a rejected key be named, never shown. */
export const API_KEY_NAME = 'tautulli.apiKey';

/**
 * What _api_validate answers (HTTP 400, result "error") when the key is wrong or missing. Tautulli sets
 * 401 first and _api_run then turns every non-500 error into 400, so the status alone cannot tell.
 */
const KEY_REJECTED_MESSAGES = [
  'Invalid apikey',
  'Parameter apikey is required',
  'API key not generated',
  'API key not generated correctly',
];

export interface TautulliClient {
  /** `data` of a successful answer; throws TautulliApiError. */
  call(cmd: string, params: Readonly<Record<string, string | number>>, signal: AbortSignal): Promise<unknown>;
  /** Replaces every occurrence of the key in `text`. */
  redact(text: string): string;
  /** Closes kept-alive sockets. */
  close(): void;
}

export function createTautulliClient(options: TautulliClientOptions): TautulliClient {
  const base = parseBase(options.url);
  const key = options.apiKey;
  const redact = (text: string): string => redactKey(text, key);
  const fail = (code: SourceErrorCode, message: string): TautulliApiError => new TautulliApiError(code, redact(message));
  let ca: Buffer | undefined;
  if (options.caFile) {
    try {
      ca = readFileSync(options.caFile);
    } catch (err) {
      throw fail('unavailable', `tautulli.caFile could not be read: ${(err as Error).message}`);
    }
  }
  const secure = base.protocol === 'https:';
  // Per client, never shared between sources: each Tautulli (issue 20: one per server) has its own CA.
  const agent = secure ? new https.Agent({ keepAlive: true, ...(ca ? { ca } : {}) }) : new http.Agent({ keepAlive: true });
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;

  const call = async (cmd: string, params: Readonly<Record<string, string | number>>, signal: AbortSignal): Promise<unknown> => {
    const url = new URL('api/v2', base);
    const shown = new URL(url);
    shown.searchParams.set('cmd', cmd);
    for (const [name, value] of Object.entries(params)) {
      url.searchParams.set(name, String(value));
      shown.searchParams.set(name, String(value));
    }
    url.searchParams.set('apikey', key);
    url.searchParams.set('cmd', cmd);
    const where = `${cmd} at ${shown.origin}${shown.pathname}`;
    // A call queued behind one that failed never opens a socket.
    if (signal.aborted) throw fail(...transportError(signal.reason, where, signal));
    const answer = await get(url, { agent, secure, maxBytes, signal, ...(options.lookup ? { lookup: options.lookup } : {}) }).catch(
      (err: unknown) => {
        throw fail(...transportError(err, where, signal));
      },
    );
    return unwrap(answer, where, fail);
  };
  return { call, redact, close: () => agent.destroy() };
}

function parseBase(raw: string): URL {
  let base: URL;
  try {
    base = new URL(raw);
  } catch {
    throw new TautulliApiError('unconfigured', 'tautulli.url is not a URL');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new TautulliApiError('unconfigured', 'tautulli.url must be http:// or https://');
  // The API lives under the HTTP root: keep the path, as a directory.
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  base.search = '';
  base.hash = '';
  return base;
}

/** Every spelling of the key a URL or a message can hold: as is, and percent-encoded. */
export function redactKey(text: string, key: string): string {
  if (!key) return text;
  let out = text;
  for (const form of new Set([key, encodeURIComponent(key), new URLSearchParams({ k: key }).toString().slice(2)])) {
    out = out.split(form).join('[redacted]');
  }
  return out;
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

function get(
  url: URL,
  o: { agent: http.Agent; secure: boolean; maxBytes: number; signal: AbortSignal; lookup?: LookupFunction },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = (o.secure ? https : http).get(
      url,
      { agent: o.agent, signal: o.signal, headers: { accept: 'application/json' }, ...(o.lookup ? { lookup: o.lookup } : {}) },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > o.maxBytes) {
            response.destroy();
            reject(Object.assign(new Error(`the answer exceeded ${o.maxBytes} bytes`), { code: 'ETOOBIG' }));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType: String(response.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
        // A connection cut mid-answer may only close; the first settle wins, so this is a no-op after 'end'.
        response.on('close', () => {
          if (!response.complete) reject(Object.assign(new Error('the connection closed before the answer ended'), { code: 'ECONNRESET' }));
        });
      },
    );
    request.on('error', reject);
  });
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL|EPROTO/;

/** A transport failure as (code, text): the text says what to check, never how the URL was spelled. */
function transportError(err: unknown, where: string, signal: AbortSignal): [SourceErrorCode, string] {
  const e = err as { code?: string; message?: string; name?: string };
  const code = String(e.code ?? '');
  if (signal.aborted) {
    const reason = signal.reason as { name?: string } | undefined;
    if (reason?.name === 'TimeoutError') return ['timeout', `Tautulli did not answer ${where} within the source time limit`];
    return ['unavailable', `${where} was cancelled: another call of the same cycle failed`];
  }
  if (code === 'ETOOBIG') return ['unavailable', `Tautulli's answer to ${where}: ${e.message}`];
  if (code === 'ECONNREFUSED')
    return ['unavailable', `connection refused by ${where}: is Tautulli running, and is tautulli.url its address?`];
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return ['unavailable', `the host of tautulli.url could not be resolved (${code}) for ${where}`];
  if (TLS_CODES.test(code))
    return [
      'unavailable',
      `TLS error (${code}) for ${where}: a self-signed certificate needs tautulli.caFile; an http:// server needs an http:// tautulli.url`,
    ];
  return ['unavailable', `${where} failed: ${code ? `${code}: ` : ''}${e.message ?? String(err)}`];
}

type Fail = (code: SourceErrorCode, message: string) => TautulliApiError;

const MESSAGE_CAP = 200;

/** The envelope's `data`, or the error the answer stands for. */
function unwrap(answer: Answer, where: string, fail: Fail): unknown {
  // Tautulli itself never answers 401/403 (see KEY_REJECTED_MESSAGES); a reverse proxy in front does.
  if (answer.status === 401 || answer.status === 403) {
    return failWith(fail('auth', `${API_KEY_NAME} was rejected (HTTP ${answer.status} for ${where})`));
  }
  let envelope: unknown;
  try {
    envelope = JSON.parse(answer.body);
  } catch {
    const kind = answer.contentType.split(';')[0] || 'no content type';
    return failWith(
      fail(
        'unavailable',
        answer.status >= 500
          ? `Tautulli answered HTTP ${answer.status} (${kind}) to ${where}`
          : `Tautulli answered HTTP ${answer.status} with ${kind}, not JSON, to ${where}: is tautulli.url Tautulli's address, with its HTTP root?`,
      ),
    );
  }
  const response = (envelope as { response?: { result?: unknown; message?: unknown; data?: unknown } } | null)?.response;
  if (typeof response !== 'object' || response === null || (response.result !== 'success' && response.result !== 'error')) {
    return failWith(
      fail('unavailable', `Tautulli's answer to ${where} is JSON without Tautulli's response envelope (HTTP ${answer.status})`),
    );
  }
  const message = typeof response.message === 'string' ? response.message.slice(0, MESSAGE_CAP) : '';
  if (response.result === 'error') {
    if (KEY_REJECTED_MESSAGES.includes(message)) return failWith(fail('auth', `${API_KEY_NAME} was rejected: Tautulli says "${message}"`));
    if (message === 'API not enabled')
      return failWith(fail('unavailable', `Tautulli's API is turned off (Settings > Web Interface > Enable API), for ${where}`));
    return failWith(fail('unavailable', `Tautulli answered ${where} with an error (HTTP ${answer.status}): ${message || 'no message'}`));
  }
  if (answer.status !== 200) {
    return failWith(fail('unavailable', `Tautulli answered HTTP ${answer.status} to ${where}`));
  }
  return response.data;
}

function failWith(error: TautulliApiError): never {
  throw error;
}

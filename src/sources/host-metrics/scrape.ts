import { readFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createGunzip } from 'node:zlib';

/*
 * One GET of node_exporter's /metrics with a bounded cost: a deadline over the whole exchange, a
 * cap on the (decompressed) body, no redirects. node:http rather than fetch because a self-signed
 * endpoint needs its CA (`caFile`), which Node's built-in fetch cannot be given without adding
 * undici as a dependency.
 */

export interface ScrapeTarget {
  url: URL;
  timeoutMs: number;
  maxBodyBytes: number;
  /** node_exporter's own basic auth (its --web.config.file); sent as a header, never logged. */
  basicAuth?: { username: string; password: string } | undefined;
  /** PEM file of a CA to trust besides the system's, for a self-signed TLS endpoint. */
  caFile?: string | undefined;
}

/** What node_exporter's content negotiation (prometheus/common expfmt.Negotiate) maps to the text format. */
const ACCEPT = 'text/plain;version=0.0.4';

/**
 * The URL Marquee scrapes for `host.url`: a bare origin (http://nas:9100) means its /metrics, since
 * node_exporter's "/" is an HTML landing page. Throws on a URL a config check should have refused.
 */
export function metricsUrl(configured: string): URL {
  const url = new URL(configured);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('host.url must be an http:// or https:// address');
  // A password in the URL would travel into every log line that prints it.
  if (url.username || url.password) throw new TypeError('host.url must not carry credentials; use host.username and host.password');
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/metrics';
  return url;
}

/** The address as it may appear in a log line: no query, no credentials. */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** The metrics text, or a throw whose message says what went wrong (and `code: 'ETIMEDOUT'` past the deadline). */
export async function scrape(target: ScrapeTarget): Promise<string> {
  const signal = AbortSignal.timeout(target.timeoutMs);
  const ca = target.caFile === undefined ? undefined : await readCa(target.caFile);
  try {
    const res = await send(target, signal, ca);
    checkResponse(res);
    return await readBody(res, target.maxBodyBytes);
  } catch (err) {
    if (signal.aborted)
      throw Object.assign(new Error(`no complete answer from ${describeUrl(target.url)} within ${target.timeoutMs} ms`), {
        code: 'ETIMEDOUT',
      });
    throw err;
  }
}

async function readCa(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    // Not the ENOENT itself: that code reads as "the database file was not found".
    throw new Error(`host.caFile could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function send(target: ScrapeTarget, signal: AbortSignal, ca: Buffer | undefined): Promise<IncomingMessage> {
  const headers: Record<string, string> = { Accept: ACCEPT, 'Accept-Encoding': 'gzip', 'User-Agent': 'Marquee' };
  if (target.basicAuth) {
    const { username, password } = target.basicAuth;
    headers.Authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }
  const https = target.url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      target.url,
      { method: 'GET', headers, signal, ...(https && ca ? { ca } : {}) },
      resolve,
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      const cause = err.code ?? err.message.slice(0, 120);
      const hint = /CERT|SSL|TLS/i.test(cause) ? '; a self-signed certificate needs host.caFile' : '';
      reject(new Error(`${describeUrl(target.url)} could not be reached (${cause}${hint})`));
    });
    req.end();
  });
}

function checkResponse(res: IncomingMessage): void {
  const status = res.statusCode ?? 0;
  if (status === 200) return;
  res.resume();
  if (status === 401 || status === 403)
    throw Object.assign(new Error(`node_exporter refused the request (HTTP ${status}): check host.username and host.password`), {
      code: 'EAUTH',
    });
  // Never followed: credentials must not go to an address nobody configured.
  if (status >= 300 && status < 400)
    throw new Error(`node_exporter answered with a redirect (HTTP ${status}): set host.url to the final address`);
  throw new Error(`node_exporter answered HTTP ${status}`);
}

async function readBody(res: IncomingMessage, maxBytes: number): Promise<string> {
  const type = String(res.headers['content-type'] ?? '');
  if (/html/i.test(type)) throw new Error('answered with HTML, not metrics: is host.url the node_exporter /metrics address?');
  if (type && !/^text\/plain/i.test(type)) throw new Error(`answered ${type.slice(0, 80)}, not the Prometheus text format`);
  if (Number(res.headers['content-length'] ?? 0) > maxBytes) {
    res.destroy();
    throw new Error(`the answer is larger than ${maxBytes} bytes`);
  }
  const encoding = String(res.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') {
    res.destroy();
    throw new Error(`the answer uses an unsupported encoding (${encoding.slice(0, 40)})`);
  }
  const body = encoding === 'gzip' ? gunzipped(res) : res;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      // Counted after decompression, so a small gzip bomb is stopped like a large body.
      if (size > maxBytes) throw new Error(`the answer is larger than ${maxBytes} bytes`);
      chunks.push(chunk);
    }
    if (!res.complete) throw new Error('the answer was cut off before its end');
  } finally {
    res.destroy();
    body.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** pipe() does not pass an error or an early close on, which would leave the gunzip stream waiting. */
function gunzipped(res: IncomingMessage) {
  const gunzip = createGunzip();
  res.on('error', (err) => gunzip.destroy(err));
  res.on('close', () => {
    if (!res.complete) gunzip.destroy(new Error('the answer was cut off before its end'));
  });
  return res.pipe(gunzip);
}

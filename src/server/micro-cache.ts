import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import { LRUCache } from 'lru-cache';

export interface MicroCacheOptions {
  /** How long a recorded answer is replayed. Short: it only absorbs bursts of identical requests. */
  ttlMs: number;
  maxBytes: number;
  /** The server's clock, so a test's fake clock ages entries as it ages everything else. */
  clock: () => number;
  /**
   * Identity of the newest snapshot of a server key ('' or a server id, as the image routes name
   * them), read synchronously. An answer recorded under one snapshot is never replayed under
   * another, so new data shows at once rather than up to ttlMs later.
   */
  generation: (server: string) => unknown;
}

/** Records an answer the route is about to send. */
export type Recorder = (res: Response, body?: Buffer) => void;

interface Recorded {
  /** The server key whose snapshot the answer was drawn from, and that snapshot's identity. */
  server: string;
  generation: unknown;
  etag: string;
  /** Flat [name, value, ...] lists, built once: the replay must not cost more than the bare bytes. */
  headers: string[];
  notModifiedHeaders: string[];
  /** Absent for a recorded 304: such an entry can only answer another matching revalidation. */
  body?: Buffer;
}

/** `/i/[<server>/]<file>` and `/v/<etag>/[<server>/]<file>`, PNG and data only. */
const RECORDED_PATH = /^\/(?:i|v\/[^/?]+)\/(?:[^/?]+\/)?[^/?]+\.(?:png|json)(?:\?|$)/;

/**
 * A one-second replay of image and data answers in front of Express. A forum thread or a Discord
 * unfurl sends bursts of identical requests; Express, helmet and parameter validation cost ~165 µs
 * of CPU per request, the replay a map lookup. In the realistic benchmark (a running clock, a
 * snapshot every 30 s, 31 variants, revalidations) it answers 97% of requests and takes Marquee
 * from 0.16x to 0.95x a bare node:http server's req/s (`npm run bench -- --only realistic`).
 * Everything the route decided (status, ETag, Cache-Control, helmet's headers) is replayed
 * verbatim; anything not recorded falls through.
 */
export class ResponseMicroCache {
  private readonly entries: LRUCache<string, Recorded>;
  private readonly purge: NodeJS.Timeout;
  /** Requests answered from a recording, and those handed to Express (the bench reports them). */
  readonly counts = { replayed: 0, passed: 0 };

  constructor(private readonly o: MicroCacheOptions) {
    this.entries = new LRUCache<string, Recorded>({
      ttl: o.ttlMs,
      maxSize: o.maxBytes,
      sizeCalculation: (e) => 512 + (e.body?.length ?? 0),
      perf: { now: o.clock },
      // lru-cache otherwise reuses a clock reading for 1 ms of real time: an answer could outlive its
      // TTL by that much, and a test's jumping clock would not be read at all.
      ttlResolution: 0,
    });
    // Expired answers would otherwise stay until newer ones push them out: after a burst, give
    // their bytes back.
    this.purge = setInterval(() => this.entries.purgeStale(), 5_000).unref();
  }

  /** Stops the purge timer. */
  close(): void {
    clearInterval(this.purge);
  }

  /** Answers from a recording and returns true, or returns false for Express to handle. */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    const replayed = this.replay(req, res);
    this.counts[replayed ? 'replayed' : 'passed']++;
    return replayed;
  }

  private replay(req: IncomingMessage, res: ServerResponse): boolean {
    // A date-based revalidation is the route's to answer (it knows Last-Modified): never replayed.
    if (req.method !== 'GET' || !req.url || req.headers['if-modified-since'] !== undefined) return false;
    const entry = this.entries.get(req.url);
    if (!entry || entry.generation !== this.o.generation(entry.server)) return false;
    if (matches(req.headers['if-none-match'], entry.etag)) {
      res.writeHead(304, entry.notModifiedHeaders).end();
      return true;
    }
    if (!entry.body) return false;
    res.writeHead(200, entry.headers).end(entry.body);
    return true;
  }

  /**
   * Called by an image route as a request arrives, with the server key it draws from: that key's
   * snapshot generation is read now, so a snapshot that lands mid-render is never credited with
   * older bytes. The route hands the result the response it is about to end and the body it sends
   * (none for a 304): the route says what it answered, and nothing wraps `res.end`.
   */
  recorder(req: Request, server = ''): Recorder | undefined {
    if (req.method !== 'GET' || !RECORDED_PATH.test(req.originalUrl)) return undefined;
    const generation = this.o.generation(server);
    const key = req.originalUrl;
    return (res, body) => this.capture(key, { server, generation }, res, body);
  }

  private capture(key: string, of: Pick<Recorded, 'server' | 'generation'>, res: Response, body: Buffer | undefined): void {
    const etag = res.getHeader('etag');
    if (typeof etag !== 'string' || res.getHeader('set-cookie') !== undefined) return;
    const headers = res.getHeaders();
    const lists = { headers: flat(headers), notModifiedHeaders: flat(stripBodyHeaders(headers)) };
    if (res.statusCode === 200 && body) {
      this.entries.set(key, { ...of, etag, ...lists, body });
    } else if (res.statusCode === 304 && !this.entries.get(key)?.body) {
      // Keep a recorded 200 (it answers both kinds); otherwise remember that this ETag is current.
      this.entries.set(key, { ...of, etag, ...lists });
    }
  }
}

/** If-None-Match against one ETag: an exact match with one of the listed tags (the image routes' test too). */
export function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch === etag || ifNoneMatch.split(/\s*,\s*/).includes(etag);
}

function flat(headers: OutgoingHttpHeaders): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push(name, String(v));
  }
  return out;
}

function stripBodyHeaders(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const { 'content-length': _l, 'content-type': _t, ...rest } = headers;
  return rest;
}

/**
 * A server under test, in its own process: Marquee (driven through its public API, as `serve`
 * would) or the bare node:http reference that answers with the same bytes from memory.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { childOptions, failStart, serveParent } from '../lib/child.js';
import { profileHandlers } from '../lib/profiler.js';

export interface MarqueeServerOptions {
  kind: 'marquee';
  /** The one server's files; omitted when `yaml` lists `servers:` (issue 20), which name their own. */
  plexDb?: string;
  tautulliDb?: string;
  /** Extra config file content (YAML). */
  yaml?: string;
  /**
   * The server's clock: baseMs + rate x real elapsed time (rate 0: frozen, so ETags never roll
   * over); or real time shifted by offsetMs, so its minutes turn with the wall clock's.
   */
  clock: { baseMs: number; rate: number } | { offsetMs: number };
  collect: boolean;
  /** false: no one-second replay in front of Express. */
  replay?: boolean;
  /** Talk to the local Sheets emulator with a static token. */
  sheetsAuth?: boolean;
}

export interface BareServerOptions {
  kind: 'bare';
  routes: BareRoute[];
}

/** One URL the bare reference answers, exactly as Marquee answered it once. */
export interface BareRoute {
  /** The request path with its query string, matched exactly. */
  path: string;
  /** The body to serve, and the ETag Marquee gave it (if any), so 304 flows compare like with like. */
  file: string;
  etag?: string;
  /**
   * The headers Marquee sent with its 200 and its 304 (helmet's among them), so both servers put
   * the same bytes on the wire and the load generator parses the same responses from each.
   */
  headers200: [string, string][];
  headers304?: [string, string][];
}

export interface ServerReady {
  url: string;
}

export interface ServerStats {
  rss: number;
  /** V8 heap reserved from the OS (part of RSS); heapUsed is what lives in it, garbage included. */
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  renderCount?: number;
  /** Requests the one-second replay answered, and those it passed to Express. */
  replayed?: number;
  passed?: number;
}

const options = childOptions<MarqueeServerOptions | BareServerOptions>();
const memory = () => {
  const m = process.memoryUsage();
  return { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
};

async function startBare(o: BareServerOptions): Promise<void> {
  const routes = new Map(
    o.routes.map((r) => [r.path, { body: readFileSync(r.file), etag: r.etag, ok: r.headers200.flat(), notModified: r.headers304?.flat() }]),
  );
  const server = createServer((req, res) => {
    const route = routes.get(req.url ?? '');
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    if (route.etag !== undefined && route.notModified && req.headers['if-none-match'] === route.etag) {
      res.writeHead(304, route.notModified).end();
      return;
    }
    res.writeHead(200, route.ok).end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const ready: ServerReady = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  serveParent(ready, { stats: () => memory(), ...profileHandlers() }, () => new Promise((resolve) => server.close(() => resolve())));
}

async function startMarqueeServer(o: MarqueeServerOptions): Promise<void> {
  // Imported here, not at the top: the bare reference must not pay for loading Marquee.
  const { loadConfig } = await import('../../src/config/load.js');
  const { createLogger } = await import('../../src/logging/logger.js');
  const { createMarquee, startMarquee } = await import('../../src/main.js');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-bench-'));
  const configFile = path.join(dataDir, 'marquee.yaml');
  writeFileSync(configFile, o.yaml ?? '');
  const config = loadConfig(
    {
      MARQUEE_CONFIG: configFile,
      ...(o.plexDb === undefined ? {} : { MARQUEE_PLEX_DB: o.plexDb }),
      ...(o.tautulliDb === undefined ? {} : { MARQUEE_TAUTULLI_DB: o.tautulliDb }),
      MARQUEE_DATA_DIR: dataDir,
      MARQUEE_HOST: '127.0.0.1',
      MARQUEE_PORT: '0',
      // Cycles are the bench's to trigger; cron must not add one in the middle of a measurement.
      MARQUEE_SCHEDULE: '0 0 1 1 *',
      // The production default: the access log is built per request and dropped below 'info'.
      MARQUEE_LOG_LEVEL: 'info',
    },
    dataDir,
  );
  const start = Date.now();
  const c = o.clock;
  const clock = 'offsetMs' in c ? () => Date.now() + c.offsetMs : () => c.baseMs + (Date.now() - start) * c.rate;
  const sheetsAuth = o.sheetsAuth ? (await import('../../test/support/sheets-fixture.js')).staticAuth() : undefined;
  const logger = createLogger(config.logLevel);
  const m = await createMarquee(config, logger, { clock, replay: o.replay !== false, ...(sheetsAuth ? { sheetsAuth } : {}) });
  await startMarquee(m, logger, { collect: o.collect });
  const ready: ServerReady = { url: m.url! };
  serveParent(
    ready,
    {
      stats: (): ServerStats => ({ ...memory(), renderCount: m.renders.renderCount, ...m.microCache.counts }),
      collect: async () => (await m.collector.collect()).takenAt,
      ...profileHandlers(),
    },
    async () => {
      await m.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  );
}

(options.kind === 'bare' ? startBare(options) : startMarqueeServer(options)).catch(failStart);

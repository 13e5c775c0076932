/**
 * The load generator, in its own process (pinned to the other core when possible) so it never
 * competes with a server's event loop. Long-lived: the parent sends it one job after another.
 */
import autocannon from 'autocannon';
import type { IncomingHttpHeaders } from 'node:http';
import { serveParent } from '../lib/child.js';

export interface LoadJob {
  url: string;
  connections: number;
  durationS: number;
  headers?: Record<string, string>;
  /** Cycled per connection; default: the url's own path. */
  paths?: string[];
  /**
   * Cycled per connection instead of `paths`: each request's path, and whether it revalidates
   * with the ETag last seen for that path (by any connection), as a browser or image proxy does.
   */
  mix?: { path: string; revalidate: boolean }[];
  /** The statuses a response may have (200, 304); anything else is counted as bad. */
  expect: number | number[];
  /** Requests per second offered over all connections; absent: as fast as answers come back. */
  overallRate?: number;
}

export interface LoadResult {
  durationS: number;
  /** Responses with the expected status, per second. */
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  bad: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** Bytes on the wire per expected response (headers included): proof the bodies arrived whole. */
  bytesPerResponse: number;
  /** The generator's own CPU time over the run's wall time: near 1, its queue is in every latency. */
  generatorBusy: number;
}

/**
 * autocannon appends every body chunk to a string (`req.body += chunk`, in its
 * PipelinedRequestsQueue; upstream issues #362 and #485), so each 21 KB PNG is decoded as UTF-8
 * on the generator's core: ~200 µs per response, which capped both servers at ~2,200 req/s and
 * made the generator's queue the p99. Nothing here reads bodies (the byte count is kept), so the
 * append is dropped. The queue is an internal: if an upgrade renames it, fail rather than measure
 * the generator again.
 */
function dropBodies(client: unknown): void {
  const queue = (client as { pipelinedRequests?: { addBody?: unknown } }).pipelinedRequests;
  if (typeof queue?.addBody !== 'function') {
    throw new Error('autocannon internals changed: client.pipelinedRequests.addBody is gone; see bench/children/load.ts');
  }
  queue.addBody = () => undefined;
}

/**
 * The mix as autocannon requests. Only revalidating requests are rebuilt per send (setupRequest);
 * the rest keep autocannon's prebuilt buffers, so the generator's cost stays near a plain run's.
 */
function mixRequests(mix: NonNullable<LoadJob['mix']>): autocannon.Request[] {
  const etags = new Map<string, string>();
  return mix.map(({ path, revalidate }) => {
    // autocannon keeps header names as sent: Express writes `ETag`, a replay or node:http `etag`.
    const learn = (_status: number, _body: string, _context: object, headers?: IncomingHttpHeaders) => {
      const etag = headers?.etag ?? headers?.ETag;
      if (typeof etag === 'string') etags.set(path, etag);
    };
    if (!revalidate) return { method: 'GET' as const, path, onResponse: learn };
    return {
      method: 'GET' as const,
      path,
      onResponse: learn,
      setupRequest: (req: autocannon.Request) => {
        const etag = etags.get(path);
        return etag ? { ...req, headers: { ...req.headers, 'if-none-match': etag } } : req;
      },
    };
  });
}

function run(job: LoadJob): Promise<autocannon.Result> {
  return autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.durationS,
    headers: job.headers ?? {},
    ...(job.overallRate ? { overallRate: job.overallRate } : {}),
    ...(job.paths ? { requests: job.paths.map((path) => ({ method: 'GET' as const, path })) } : {}),
    ...(job.mix ? { requests: mixRequests(job.mix) } : {}),
    // Marquee and the reference both keep connections alive; a 10 s timeout mirrors GitHub's camo.
    timeout: 10,
    setupClient: dropBodies,
  });
}

async function measure(job: LoadJob): Promise<LoadResult> {
  const cpu0 = process.cpuUsage();
  const r = await run(job);
  const cpu = process.cpuUsage(cpu0);
  const statusCodes = Object.fromEntries(
    Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, (s as { count: number }).count]),
  );
  const expected = Array.isArray(job.expect) ? job.expect : [job.expect];
  const ok = expected.reduce((n, status) => n + (statusCodes[String(status)] ?? 0), 0);
  const total = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    durationS: r.duration,
    rps: ok / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    ok,
    bad: total - ok,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes,
    // autocannon counts the bytes of 2xx responses only; a 304 has no body to prove.
    bytesPerResponse: statusCodes['200'] ? r.throughput.total / statusCodes['200'] : 0,
    generatorBusy: (cpu.user + cpu.system) / 1e6 / r.duration,
  };
}

serveParent({ pid: process.pid }, { run: (job) => measure(job as LoadJob) });

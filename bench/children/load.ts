/**
 * The load generator, in its own process (pinned to the other core when possible) so it never
 * competes with a server's event loop. Long-lived: the parent sends it one job after another.
 */
import autocannon from 'autocannon';
import { serveParent } from '../lib/child.js';

export interface LoadJob {
  url: string;
  connections: number;
  durationS: number;
  headers?: Record<string, string>;
  /** Cycled per connection; default: the url's own path. */
  paths?: string[];
  /** The status every response must have (200 or 304); anything else is counted as bad. */
  expect: number;
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
}

function run(job: LoadJob): Promise<autocannon.Result> {
  return autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.durationS,
    headers: job.headers ?? {},
    ...(job.overallRate ? { overallRate: job.overallRate } : {}),
    ...(job.paths ? { requests: job.paths.map((path) => ({ method: 'GET' as const, path })) } : {}),
    // Marquee and the reference both keep connections alive; a 10 s timeout mirrors GitHub's camo.
    timeout: 10,
  });
}

async function measure(job: LoadJob): Promise<LoadResult> {
  const r = await run(job);
  const statusCodes = Object.fromEntries(
    Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, (s as { count: number }).count]),
  );
  const ok = statusCodes[String(job.expect)] ?? 0;
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
  };
}

serveParent({ pid: process.pid }, { run: (job) => measure(job as LoadJob) });

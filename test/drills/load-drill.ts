// Drill 4: load. `npm run drill:load` runs 60 s of mixed traffic (cached hits, 304s, renders of
// new parameter sets, data and health checks) over 128 connections against the real `marquee
// serve` on 127.0.0.1, while the collector runs every 3 s over demo-sized databases. It prints its
// figures and exits non-zero when a request failed, p99 passed 3x its unloaded value, or RSS kept
// climbing. test/drills/load-smoke.test.ts runs the same code for a few seconds in `npm test`.
import autocannon from 'autocannon';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startScriptEnv } from '../../bench/lib/child.js';
import { copyFixtureDbs } from '../support/fixtures.js';
import { configFile, startServe, type ServeProcess } from './support/cli.js';

export interface LoadOptions {
  durationS: number;
  baselineS: number;
  connections: number;
  /** Requests per second across all connections: a steady offered load, not a saturation test. */
  rate: number;
  profile: 'tiny' | 'demo';
  schedule: string;
}

export interface LoadFigures {
  requests: number;
  failed: number;
  statuses: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  baselineP99Ms: number;
  rssMb: number[];
  rssGrowthMb: number;
}

const HITS = ['/i/signature.png', '/i/banner.png', '/i/status.png', '/i/userbar.png', '/i/signature@2x.png', '/i/card.png?theme=light'];

/** One request of the mix; `etag` is the signature's current validator, refreshed by a poller. */
function nextRequest(etag: string, seq: number): { path: string; headers: Record<string, string> } {
  const r = (seq * 7919) % 100;
  if (r < 55) return { path: HITS[seq % HITS.length]!, headers: {} };
  if (r < 75) return { path: '/i/signature.png', headers: etag ? { 'if-none-match': etag } : {} };
  if (r < 85) return { path: '/health', headers: {} };
  if (r < 94) return { path: seq % 2 ? '/i/status.shields.json' : '/i/signature.json', headers: {} };
  // A parameter set never seen before: a real render every time.
  return { path: `/i/signature.png?bg_color=${(0x100000 + ((seq * 2_654_435_761) % 0xefffff)).toString(16)}`, headers: {} };
}

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function run(server: ServeProcess, seconds: number, connections: number, rate: number, onTick?: () => void) {
  let etag = '';
  let seq = 0;
  const poll = setInterval(() => {
    void fetch(`${server.url}/i/signature.png`).then(async (res) => {
      await res.arrayBuffer();
      etag = res.headers.get('etag') ?? etag;
    });
    onTick?.();
  }, 1000);
  const statuses: Record<string, number> = {};
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: server.url,
        connections,
        duration: seconds,
        overallRate: rate,
        timeout: 10,
        requests: [
          {
            setupRequest: (req) => {
              const next = nextRequest(etag, seq++);
              return { ...req, path: next.path, headers: { ...req.headers, ...next.headers } };
            },
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_client, status: number) => void (statuses[status] = (statuses[status] ?? 0) + 1));
  });
  clearInterval(poll);
  return { result, statuses };
}

export async function runLoadDrill(o: LoadOptions, log: (line: string) => void = console.log): Promise<LoadFigures> {
  const dbs = copyFixtureDbs(o.profile);
  const server = await startServe({
    // As `npm start` runs it (glibc and V8 memory settings).
    ...startScriptEnv(),
    MARQUEE_CONFIG: configFile('server:\n  rateLimitPerMinute: 10000000\n'),
    MARQUEE_PLEX_DB: dbs.plexDb,
    MARQUEE_TAUTULLI_DB: dbs.tautulliDb,
    MARQUEE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'marquee-drill-load-')),
    MARQUEE_SCHEDULE: o.schedule,
    MARQUEE_LOG_LEVEL: 'warn',
  });
  try {
    const pid = server.child.pid!;
    // Unloaded: one connection at a gentle rate, same mix, same collector schedule.
    const baseline = await run(server, o.baselineS, 1, 20);
    const rss: number[] = [];
    const loaded = await run(server, o.durationS, o.connections, o.rate, () => rss.push(rssMb(pid)));
    const r = loaded.result;
    const failed =
      r.errors + r.timeouts + Object.entries(loaded.statuses).reduce((n, [code, count]) => n + (Number(code) >= 400 ? count : 0), 0);
    const third = Math.max(1, Math.floor(rss.length / 3));
    const figures: LoadFigures = {
      requests: r.requests.total,
      failed,
      statuses: loaded.statuses,
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      maxMs: r.latency.max,
      baselineP99Ms: baseline.result.latency.p99,
      rssMb: rss,
      rssGrowthMb: Math.max(...rss.slice(-third)) - Math.max(...rss.slice(0, third)),
    };
    log(
      `[drill load] ${o.durationS} s, ${o.connections} connections, ${o.rate} req/s offered, ${o.profile} DBs, collector "${o.schedule}"`,
    );
    log(`[drill load] requests ${figures.requests}, failed ${failed}, statuses ${JSON.stringify(figures.statuses)}`);
    log(
      `[drill load] latency p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms (unloaded p99 ${figures.baselineP99Ms} ms, ratio ${(figures.p99Ms / Math.max(1, figures.baselineP99Ms)).toFixed(2)}), max ${figures.maxMs} ms`,
    );
    log(`[drill load] server RSS MB per second: ${rss.join(' ')}; growth last third vs first third: ${figures.rssGrowthMb} MB`);
    return figures;
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await runLoadDrill({
    durationS: 60,
    baselineS: 15,
    connections: 128,
    rate: 250,
    profile: 'demo',
    schedule: '*/3 * * * * *',
  });
  const problems = [
    figures.failed > 0 && `${figures.failed} failed requests`,
    figures.p99Ms > 3 * Math.max(1, figures.baselineP99Ms) && `p99 ${figures.p99Ms} ms is over 3x the unloaded ${figures.baselineP99Ms} ms`,
    figures.rssGrowthMb > 64 && `RSS grew ${figures.rssGrowthMb} MB between the first and last thirds`,
  ].filter(Boolean);
  console.log(problems.length ? `[drill load] FAIL: ${problems.join('; ')}` : '[drill load] PASS');
  process.exit(problems.length ? 1 : 0);
}

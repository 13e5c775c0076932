/**
 * (1) Cached image serving: Marquee's /i/signature.png, warm in the render cache, against a bare
 * node:http server answering with the same bytes and headers from memory; then the same for a 304
 * revalidation. The servers take turns on one core, the load generator has the other.
 *
 * Each run is closed-loop: every one of the 50 connections sends its next request as soon as its
 * answer arrives, so req/s is throughput and p99 is what a client waits with 50 connections
 * open. There is no paced run: autocannon's rate option releases each connection's whole
 * per-second budget at the top of the second, so a "paced" run is a burst every second, and its
 * coordinated-omission correction assumes a 1 ms interval whatever the rate.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LoadJob, LoadResult } from '../children/load.js';
import type { ServerReady, ServerStats } from '../children/server.js';
import { cpuMsOf, startChild, type Child } from '../lib/child.js';
import type { BenchContext } from '../lib/context.js';
import { BENCH_NOW_MS, ensureFixtures } from '../lib/fixtures.js';
import { atLeast, atMost, TARGETS, worst, type Row } from '../lib/report.js';
import { fmtInt, fmtMs, median } from '../lib/stats.js';

const PATH = '/i/signature.png';
const WARMUP_S = 1;

interface Sample extends LoadResult {
  /** Server CPU time per response, µs: what the req/s ratio means once the load generator is not the limit. */
  cpuUsPerReq: number;
}

type CaseName = `${'marquee' | 'bare'}-${200 | 304}`;

export async function servingPhase(ctx: BenchContext): Promise<Row[]> {
  const demo = ensureFixtures('demo');
  ctx.progress('serving: starting Marquee and the bare node:http reference');
  const marquee = await startChild<ServerReady>(
    'server',
    { kind: 'marquee', plexDb: demo.plexDb, tautulliDb: demo.tautulliDb, clock: { baseMs: BENCH_NOW_MS, rate: 0 }, collect: true },
    { cpu: ctx.pin.server },
  );
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-bench-bytes-'));
  let bare: Child<ServerReady> | undefined;
  try {
    // The first request renders and fills the render cache; every measured request is a hit.
    const first = await fetch(marquee.ready.url + PATH);
    const png = Buffer.from(await first.arrayBuffer());
    const etag = first.headers.get('etag');
    if (first.status !== 200 || !etag) throw new Error(`serving: ${PATH} answered ${first.status} without an ETag`);
    writeFileSync(path.join(dir, 'signature.png'), png);
    const revalidated = await fetch(marquee.ready.url + PATH, { headers: { 'if-none-match': etag } });
    if (revalidated.status !== 304) throw new Error(`serving: revalidating ${PATH} answered ${revalidated.status}`);
    bare = await startChild<ServerReady>(
      'server',
      {
        kind: 'bare',
        routes: [
          {
            path: PATH,
            file: path.join(dir, 'signature.png'),
            etag,
            headers200: wireHeaders(first.headers),
            headers304: wireHeaders(revalidated.headers),
          },
        ],
      },
      { cpu: ctx.pin.server },
    );
    const same = Buffer.from(await (await fetch(bare.ready.url + PATH)).arrayBuffer());
    if (!same.equals(png)) throw new Error('serving: the reference does not serve the same bytes');
    const rendersBefore = (await marquee.call<ServerStats>('stats')).renderCount ?? 0;

    const servers = { marquee, bare };
    const job = (who: 'marquee' | 'bare', status: 200 | 304): LoadJob => ({
      url: servers[who].ready.url + PATH,
      connections: ctx.args.connections,
      durationS: ctx.args.durationS,
      expect: status,
      ...(status === 304 ? { headers: { 'if-none-match': etag } } : {}),
    });
    const samples = new Map<CaseName, Sample[]>();
    // Rounds interleave the cases, so a noisy minute hurts both sides of a ratio alike.
    for (let round = 1; round <= ctx.args.rounds; round++) {
      for (const status of [200, 304] as const) {
        for (const who of ['marquee', 'bare'] as const) {
          ctx.progress(`serving: round ${round}/${ctx.args.rounds}, ${who} ${status}`);
          const j = job(who, status);
          await ctx.load({ ...j, durationS: WARMUP_S });
          const cpu0 = cpuMsOf(servers[who].pid);
          const r = await ctx.load(j);
          const cpuUsPerReq = ((cpuMsOf(servers[who].pid) - cpu0) * 1000) / Math.max(1, r.ok);
          // The generator no longer keeps bodies (load.ts), so check that each one arrived whole.
          if (status === 200 && r.ok && r.bytesPerResponse < png.length) {
            throw new Error(`serving: ${who} sent ${Math.round(r.bytesPerResponse)} B per response, less than the ${png.length} B PNG`);
          }
          const name: CaseName = `${who}-${status}`;
          samples.set(name, [...(samples.get(name) ?? []), { ...r, cpuUsPerReq }]);
        }
      }
    }
    const rendersDuring = ((await marquee.call<ServerStats>('stats')).renderCount ?? 0) - rendersBefore;
    // Profiles come from an extra run each, so the profiler's overhead never touches the figures.
    if (ctx.args.profileDir) {
      for (const status of [200, 304] as const) {
        for (const who of ['marquee', 'bare'] as const) {
          const file = path.join(ctx.args.profileDir, `serving-${who}-${status}.cpuprofile`);
          ctx.progress(`serving: profiling ${who} ${status} -> ${file}`);
          await servers[who].call('profileStart');
          await ctx.load(job(who, status));
          await servers[who].call('profileStop', file);
        }
      }
    }
    return [...rowsFor(ctx, samples, 200, png.length, rendersDuring), ...rowsFor(ctx, samples, 304, png.length, rendersDuring)];
  } finally {
    await Promise.all([marquee.stop(), bare?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Response headers to replay, minus those node:http writes itself for every response. */
export function wireHeaders(headers: Headers): [string, string][] {
  const own = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);
  return [...headers].filter(([name]) => !own.has(name));
}

function rowsFor(ctx: BenchContext, samples: Map<CaseName, Sample[]>, status: 200 | 304, bytes: number, renders: number): Row[] {
  const m = samples.get(`marquee-${status}`) ?? [];
  const b = samples.get(`bare-${status}`) ?? [];
  // Paired per round (same minute of machine noise), then the median of the pairs.
  const ratio = median(m.map((s, i) => s.rps / (b[i]?.rps ?? Number.NaN)));
  const cpuRatio = median(m.map((s, i) => (b[i]?.cpuUsPerReq ?? Number.NaN) / s.cpuUsPerReq));
  const summary = (s: Sample[]) => ({
    rps: median(s.map((x) => x.rps)),
    p50: median(s.map((x) => x.p50)),
    p99: median(s.map((x) => x.p99)),
    cpuUs: median(s.map((x) => x.cpuUsPerReq)),
    generatorBusy: median(s.map((x) => x.generatorBusy)),
    bad: s.reduce((n, x) => n + x.bad + x.errors + x.timeouts, 0),
  });
  const ms = summary(m);
  const bs = summary(b);
  const phase = status === 200 ? '1 cached hit' : '1 revalidate 304';
  const line = (s: ReturnType<typeof summary>) =>
    // Server core busy = req/s x CPU per request: well under 100% means the rest of the latency
    // was made elsewhere (the load generator's core, or the machine), not by the server.
    `${fmtInt(s.rps)} req/s, p50 ${fmtMs(s.p50)} ms, p99 ${fmtMs(s.p99)} ms, ${fmtInt(s.cpuUs)} µs CPU/req (server core ${Math.round((s.rps * s.cpuUs) / 10_000)}% busy, load generator's ${Math.round(s.generatorBusy * 100)}%)${s.bad ? `, ${s.bad} bad` : ''}`;
  const c = ctx.args.connections;
  return [
    {
      phase,
      case: `Marquee, c=${c}`,
      result: line(ms),
      target: `p99 <= ${TARGETS.cachedP99Ms} ms, none failed`,
      status: worst(atMost(ms.p99, TARGETS.cachedP99Ms), ms.bad ? 'MISS' : 'pass'),
      data: { ...ms, rounds: m, rendersDuringLoad: renders },
    },
    { phase, case: `bare node:http, c=${c}`, result: line(bs), target: '', status: 'info', data: { ...bs, rounds: b } },
    {
      phase,
      case: 'Marquee / bare',
      result: `${ratio.toFixed(2)}x req/s (CPU per request: ${cpuRatio.toFixed(2)}x); ${status === 200 ? `${fmtInt(bytes)} B bodies` : 'empty bodies'}${renders ? `; ${renders} renders during load` : ''}`,
      target: `>= ${TARGETS.cachedRatio.toFixed(2)}x req/s`,
      status: atLeast(ratio, TARGETS.cachedRatio),
      data: { ratio, cpuRatio },
    },
  ];
}

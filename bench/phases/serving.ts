/**
 * (1) Cached image serving: Marquee's /i/signature.png, warm in the render cache, against a bare
 * node:http server answering with the same bytes and headers from memory; then the same for a 304
 * revalidation; and a Marquee of two servers (issue 20) serving the network's /i/network.png
 * against the bare server answering with those bytes. The servers take turns on one core, the load
 * generator has the other.
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
/** The network's own image (issue 20), from a Marquee with several servers. */
const NETWORK_PATH = '/i/network.png';
const WARMUP_S = 1;

interface Sample extends LoadResult {
  /** Server CPU time per response, µs: what the req/s ratio means once the load generator is not the limit. */
  cpuUsPerReq: number;
}

type Who = 'marquee' | 'bare' | 'network' | 'bare-network';
type CaseName = `${Who}-${200 | 304}`;

/** Marquee's first answer to `url` (a render that fills the cache) and its 304 to that ETag. */
async function warm(url: string): Promise<{ png: Buffer; etag: string; headers200: [string, string][]; headers304: [string, string][] }> {
  const first = await fetch(url);
  const png = Buffer.from(await first.arrayBuffer());
  const etag = first.headers.get('etag');
  if (first.status !== 200 || !etag) throw new Error(`serving: ${url} answered ${first.status} without an ETag`);
  const revalidated = await fetch(url, { headers: { 'if-none-match': etag } });
  if (revalidated.status !== 304) throw new Error(`serving: revalidating ${url} answered ${revalidated.status}`);
  return { png, etag, headers200: wireHeaders(first.headers), headers304: wireHeaders(revalidated.headers) };
}

/** The demo profile's servers 0 and 1 (Home and 4K, as `npm start`'s demo network). */
function networkYaml(): string {
  const entries = [
    { id: 'home', name: 'Home', fx: ensureFixtures('demo', 0) },
    { id: '4k', name: '4K', fx: ensureFixtures('demo', 1) },
  ].map(
    ({ id, name, fx }) =>
      `  - id: ${id}\n    name: ${name}\n    plex: { db: ${JSON.stringify(fx.plexDb)} }\n    tautulli: { db: ${JSON.stringify(fx.tautulliDb)} }\n`,
  );
  return `servers:\n${entries.join('')}`;
}

export async function servingPhase(ctx: BenchContext): Promise<Row[]> {
  const demo = ensureFixtures('demo');
  ctx.progress('serving: demo fixtures of a second server (for the network image)');
  const yaml = networkYaml();
  ctx.progress('serving: starting Marquee, a Marquee of two servers and the bare node:http reference');
  const [marquee, several] = await Promise.all([
    startChild<ServerReady>(
      'server',
      { kind: 'marquee', plexDb: demo.plexDb, tautulliDb: demo.tautulliDb, clock: { baseMs: BENCH_NOW_MS, rate: 0 }, collect: true },
      { cpu: ctx.pin.server },
    ),
    startChild<ServerReady>(
      'server',
      { kind: 'marquee', yaml, clock: { baseMs: BENCH_NOW_MS, rate: 0 }, collect: true },
      { cpu: ctx.pin.server },
    ),
  ]);
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-bench-bytes-'));
  let bare: Child<ServerReady> | undefined;
  try {
    // The first request renders and fills the render cache; every measured request is a hit.
    const one = await warm(marquee.ready.url + PATH);
    const net = await warm(several.ready.url + NETWORK_PATH);
    writeFileSync(path.join(dir, 'signature.png'), one.png);
    writeFileSync(path.join(dir, 'network.png'), net.png);
    bare = await startChild<ServerReady>(
      'server',
      {
        kind: 'bare',
        routes: [
          { path: PATH, file: path.join(dir, 'signature.png'), etag: one.etag, headers200: one.headers200, headers304: one.headers304 },
          {
            path: NETWORK_PATH,
            file: path.join(dir, 'network.png'),
            etag: net.etag,
            headers200: net.headers200,
            headers304: net.headers304,
          },
        ],
      },
      { cpu: ctx.pin.server },
    );
    for (const [p, bytes] of [
      [PATH, one.png],
      [NETWORK_PATH, net.png],
    ] as const) {
      const same = Buffer.from(await (await fetch(bare.ready.url + p)).arrayBuffer());
      if (!same.equals(bytes)) throw new Error(`serving: the reference does not serve the same bytes for ${p}`);
    }
    const renderCount = async () =>
      ((await marquee.call<ServerStats>('stats')).renderCount ?? 0) + ((await several.call<ServerStats>('stats')).renderCount ?? 0);
    const rendersBefore = await renderCount();

    const target = (who: Who) =>
      who === 'marquee'
        ? { child: marquee, path: PATH, etag: one.etag, png: one.png }
        : who === 'bare'
          ? { child: bare!, path: PATH, etag: one.etag, png: one.png }
          : who === 'network'
            ? { child: several, path: NETWORK_PATH, etag: net.etag, png: net.png }
            : { child: bare!, path: NETWORK_PATH, etag: net.etag, png: net.png };
    const job = (who: Who, status: 200 | 304): LoadJob => ({
      url: target(who).child.ready.url + target(who).path,
      connections: ctx.args.connections,
      durationS: ctx.args.durationS,
      expect: status,
      ...(status === 304 ? { headers: { 'if-none-match': target(who).etag } } : {}),
    });
    // The network image is judged on cached hits only: its 304 is the same code path as any image's.
    const cases: Array<[Who, 200 | 304]> = [
      ['marquee', 200],
      ['bare', 200],
      ['marquee', 304],
      ['bare', 304],
      ['network', 200],
      ['bare-network', 200],
    ];
    const samples = new Map<CaseName, Sample[]>();
    // Rounds interleave the cases, so a noisy minute hurts both sides of a ratio alike.
    for (let round = 1; round <= ctx.args.rounds; round++) {
      for (const [who, status] of cases) {
        ctx.progress(`serving: round ${round}/${ctx.args.rounds}, ${who} ${status}`);
        const j = job(who, status);
        const { child, png } = target(who);
        await ctx.load({ ...j, durationS: WARMUP_S });
        const cpu0 = cpuMsOf(child.pid);
        const r = await ctx.load(j);
        const cpuUsPerReq = ((cpuMsOf(child.pid) - cpu0) * 1000) / Math.max(1, r.ok);
        // The generator no longer keeps bodies (load.ts), so check that each one arrived whole.
        if (status === 200 && r.ok && r.bytesPerResponse < png.length) {
          throw new Error(`serving: ${who} sent ${Math.round(r.bytesPerResponse)} B per response, less than the ${png.length} B PNG`);
        }
        const name: CaseName = `${who}-${status}`;
        samples.set(name, [...(samples.get(name) ?? []), { ...r, cpuUsPerReq }]);
      }
    }
    const rendersDuring = (await renderCount()) - rendersBefore;
    // Profiles come from an extra run each, so the profiler's overhead never touches the figures.
    if (ctx.args.profileDir) {
      for (const [who, status] of cases) {
        const file = path.join(ctx.args.profileDir, `serving-${who}-${status}.cpuprofile`);
        ctx.progress(`serving: profiling ${who} ${status} -> ${file}`);
        const { child } = target(who);
        await child.call('profileStart');
        await ctx.load(job(who, status));
        await child.call('profileStop', file);
      }
    }
    const signature = rowsFor(
      ctx,
      samples,
      { marquee: 'marquee-200', bare: 'bare-200' },
      '1 cached hit',
      'Marquee',
      one.png.length,
      rendersDuring,
    );
    const network = rowsFor(
      ctx,
      samples,
      { marquee: 'network-200', bare: 'bare-network-200' },
      '1 cached hit',
      `Marquee, 2 servers, ${NETWORK_PATH}`,
      net.png.length,
      rendersDuring,
    );
    // "At the same ratio as any cached image": the network's ratio beside the signature's.
    const last = network[network.length - 1]!;
    const oneRatio = (signature[signature.length - 1]!.data as { ratio: number }).ratio;
    last.result += `; ${NETWORK_PATH.slice(3)} / signature.png ratio ${((last.data as { ratio: number }).ratio / oneRatio).toFixed(2)}`;
    return [
      ...signature,
      ...network,
      ...rowsFor(ctx, samples, { marquee: 'marquee-304', bare: 'bare-304' }, '1 revalidate 304', 'Marquee', one.png.length, rendersDuring),
    ];
  } finally {
    await Promise.all([marquee.stop(), several.stop(), bare?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Response headers to replay, minus those node:http writes itself for every response. */
export function wireHeaders(headers: Headers): [string, string][] {
  const own = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);
  return [...headers].filter(([name]) => !own.has(name));
}

function rowsFor(
  ctx: BenchContext,
  samples: Map<CaseName, Sample[]>,
  names: { marquee: CaseName; bare: CaseName },
  phase: string,
  label: string,
  bytes: number,
  renders: number,
): Row[] {
  const status = names.marquee.endsWith('304') ? 304 : 200;
  const m = samples.get(names.marquee) ?? [];
  const b = samples.get(names.bare) ?? [];
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
  const line = (s: ReturnType<typeof summary>) =>
    // Server core busy = req/s x CPU per request: well under 100% means the rest of the latency
    // was made elsewhere (the load generator's core, or the machine), not by the server.
    `${fmtInt(s.rps)} req/s, p50 ${fmtMs(s.p50)} ms, p99 ${fmtMs(s.p99)} ms, ${fmtInt(s.cpuUs)} µs CPU/req (server core ${Math.round((s.rps * s.cpuUs) / 10_000)}% busy, load generator's ${Math.round(s.generatorBusy * 100)}%)${s.bad ? `, ${s.bad} bad` : ''}`;
  const c = ctx.args.connections;
  return [
    {
      phase,
      case: `${label}, c=${c}`,
      result: line(ms),
      target: `p99 <= ${TARGETS.cachedP99Ms} ms, none failed`,
      status: worst(atMost(ms.p99, TARGETS.cachedP99Ms), ms.bad ? 'MISS' : 'pass'),
      data: { ...ms, rounds: m, rendersDuringLoad: renders },
    },
    {
      phase,
      case: `bare node:http${label === 'Marquee' ? '' : ` (the same ${bytes.toLocaleString('en')} B)`}, c=${c}`,
      result: line(bs),
      target: '',
      status: 'info',
      data: { ...bs, rounds: b },
    },
    {
      phase,
      case: `${label} / bare`,
      result: `${ratio.toFixed(2)}x req/s (CPU per request: ${cpuRatio.toFixed(2)}x); ${status === 200 ? `${fmtInt(bytes)} B bodies` : 'empty bodies'}${renders ? `; ${renders} renders during load` : ''}`,
      target: `>= ${TARGETS.cachedRatio.toFixed(2)}x req/s`,
      status: atLeast(ratio, TARGETS.cachedRatio),
      data: { ratio, cpuRatio },
    },
  ];
}

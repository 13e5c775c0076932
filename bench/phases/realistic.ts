/**
 * (1b) Realistic serving (issue 15): what a busy forum thread and a Discord channel look like to
 * the server, rather than one URL on a frozen clock. The clock runs in real time with its minutes
 * turning with the wall clock's; a collection cycle runs at every :00 and :30, as the default
 * schedule does, so each ETag changes with each snapshot and each render-minute and every variant
 * is drawn again. Most requests are for one signature, the rest spread over 31 variants (themes,
 * @2x, size presets, colour overrides, other templates, .json); a quarter of image requests
 * revalidate with the ETag last seen for their URL (a 304 while it is current, the new image once
 * it is not). Three servers take turns on one core: Marquee with its one-second replay, Marquee
 * without it, and a bare node:http server answering every URL with the bytes Marquee sent once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LoadJob, LoadResult } from '../children/load.js';
import type { BareRoute, ServerReady, ServerStats } from '../children/server.js';
import { cpuMsOf, startChild, type Child } from '../lib/child.js';
import type { BenchContext } from '../lib/context.js';
import { BENCH_NOW_MS, ensureFixtures } from '../lib/fixtures.js';
import { atLeast, atMost, TARGETS, worst, type Row } from '../lib/report.js';
import { fmtInt, fmtMs, median } from '../lib/stats.js';
import { wireHeaders } from './serving.js';

const HOT = '/i/signature.png';
/** 31 variants: the long tail a thread of different users and embeds asks for. */
export const VARIANTS = [
  ...['light', 'nord', 'dracula', 'gruvbox', 'ocean', 'plex', 'solarized_dark', 'sunset', 'catppuccin_mocha'].map(
    (t) => `/i/signature-${t}.png`,
  ),
  '/i/signature@2x.png',
  '/i/signature-light@2x.png',
  ...['banner', 'card', 'userbar', 'status'].map((size) => `/i/signature.png?size=${size}`),
  '/i/signature.png?bg_color=101418',
  '/i/signature.png?hide_border=true',
  ...['banner', 'card', 'userbar', 'status', 'nowplaying', 'health', 'og'].map((t) => `/i/${t}.png`),
  '/i/banner-light.png',
  '/i/card-nord.png',
  '/i/userbar@2x.png',
  '/i/nowplaying-light.png',
  '/i/signature.json',
  '/i/status.json',
  '/i/status.shields.json',
];
const HOT_SHARE = 0.7;
const REVALIDATE_SHARE = 0.25;
const WARMUP_S = 1;
const SNAPSHOT_EVERY_MS = 30_000;

type Who = 'replay' | 'no-replay' | 'bare';
const CASES: Who[] = ['replay', 'no-replay', 'bare'];

interface Sample extends LoadResult {
  cpuUsPerReq: number;
  renders: number;
  replayed: number;
  snapshots: number;
}

/** A deterministic request sequence with the issue's proportions (mulberry32, seed 15). */
export function buildMix(): { path: string; revalidate: boolean }[] {
  const perVariant = 3;
  const hot = Math.round((VARIANTS.length * perVariant * HOT_SHARE) / (1 - HOT_SHARE));
  const paths = [...Array<string>(hot).fill(HOT), ...VARIANTS.flatMap((v) => Array<string>(perVariant).fill(v))];
  let seed = 15;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  for (let i = paths.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [paths[i], paths[j]] = [paths[j]!, paths[i]!];
  }
  return paths.map((p) => ({ path: p, revalidate: /\.png/.test(p) && random() < REVALIDATE_SHARE }));
}

/** Calls `fn` at every wall-clock :00 and :30 until stopped: the collector's default schedule. */
function everySnapshot(fn: () => void): () => void {
  let interval: NodeJS.Timeout | undefined;
  const first = setTimeout(
    () => {
      fn();
      interval = setInterval(fn, SNAPSHOT_EVERY_MS);
    },
    SNAPSHOT_EVERY_MS - (Date.now() % SNAPSHOT_EVERY_MS),
  );
  return () => {
    clearTimeout(first);
    clearInterval(interval);
  };
}

export async function realisticPhase(ctx: BenchContext): Promise<Row[]> {
  const demo = ensureFixtures('demo');
  // Real time, shifted to the fixtures' moment by whole minutes: render-minutes turn at :00.
  const offsetMs = BENCH_NOW_MS - (BENCH_NOW_MS % 60_000) - (Date.now() - (Date.now() % 60_000));
  const mix = buildMix();
  ctx.progress(`realistic: ${mix.length} requests per cycle, ${VARIANTS.length} variants besides ${HOT}; starting the servers`);
  const marquee = (replay: boolean) =>
    startChild<ServerReady>(
      'server',
      { kind: 'marquee', plexDb: demo.plexDb, tautulliDb: demo.tautulliDb, clock: { offsetMs }, collect: true, replay },
      { cpu: ctx.pin.server },
    );
  const servers: Partial<Record<Who, Child<ServerReady>>> = {};
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-bench-mix-'));
  try {
    servers.replay = await marquee(true);
    servers['no-replay'] = await marquee(false);
    servers.bare = await startChild<ServerReady>(
      'server',
      { kind: 'bare', routes: await snapshotRoutes(servers.replay, dir) },
      { cpu: ctx.pin.server },
    );
    const samples = new Map<Who, Sample[]>();
    for (let round = 1; round <= ctx.args.realisticRounds; round++) {
      for (const who of CASES) {
        ctx.progress(`realistic: round ${round}/${ctx.args.realisticRounds}, ${who}, ${ctx.args.realisticS} s`);
        const sample = await measure(ctx, servers[who]!, who !== 'bare', mix);
        samples.set(who, [...(samples.get(who) ?? []), sample]);
      }
    }
    return rows(ctx, samples);
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every URL of the mix as Marquee answers it now: the bare reference's table. */
async function snapshotRoutes(marquee: Child<ServerReady>, dir: string): Promise<BareRoute[]> {
  const routes: BareRoute[] = [];
  for (const [i, p] of [HOT, ...VARIANTS].entries()) {
    const res = await fetch(marquee.ready.url + p);
    if (res.status !== 200) throw new Error(`realistic: ${p} answered ${res.status}`);
    const file = path.join(dir, `${i}.body`);
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const etag = res.headers.get('etag') ?? undefined;
    const route: BareRoute = { path: p, file, headers200: wireHeaders(res.headers) };
    if (etag) {
      const again = await fetch(marquee.ready.url + p, { headers: { 'if-none-match': etag } });
      if (again.status === 304) Object.assign(route, { etag, headers304: wireHeaders(again.headers) });
    }
    routes.push(route);
  }
  return routes;
}

async function measure(ctx: BenchContext, server: Child<ServerReady>, isMarquee: boolean, mix: LoadJob['mix']): Promise<Sample> {
  const job: LoadJob = {
    url: server.ready.url,
    connections: ctx.args.connections,
    durationS: ctx.args.realisticS,
    expect: [200, 304],
    ...(mix ? { mix } : {}),
  };
  const stats = async () => (isMarquee ? await server.call<ServerStats>('stats') : ({} as ServerStats));
  let snapshots = 0;
  // The bare server has no snapshots: it is the ceiling, every answer already in memory.
  const stop = isMarquee
    ? everySnapshot(() => {
        snapshots++;
        void server.call('collect').catch(() => undefined);
      })
    : () => undefined;
  try {
    await ctx.load({ ...job, durationS: WARMUP_S });
    const before = await stats();
    const cpu0 = cpuMsOf(server.pid);
    snapshots = 0;
    const r = await ctx.load(job);
    const cpuUsPerReq = ((cpuMsOf(server.pid) - cpu0) * 1000) / Math.max(1, r.ok);
    const after = await stats();
    return {
      ...r,
      cpuUsPerReq,
      renders: (after.renderCount ?? 0) - (before.renderCount ?? 0),
      replayed: (after.replayed ?? 0) - (before.replayed ?? 0),
      snapshots,
    };
  } finally {
    stop();
  }
}

function rows(ctx: BenchContext, samples: Map<Who, Sample[]>): Row[] {
  const bare = samples.get('bare') ?? [];
  const summary = (s: Sample[]) => ({
    rps: median(s.map((x) => x.rps)),
    p50: median(s.map((x) => x.p50)),
    p99: median(s.map((x) => x.p99)),
    worstP99: Math.max(...s.map((x) => x.p99)),
    cpuUs: median(s.map((x) => x.cpuUsPerReq)),
    generatorBusy: median(s.map((x) => x.generatorBusy)),
    share304: median(s.map((x) => (x.statusCodes['304'] ?? 0) / Math.max(1, x.ok))),
    renders: median(s.map((x) => x.renders)),
    replayedShare: median(s.map((x) => x.replayed / Math.max(1, x.ok))),
    snapshots: median(s.map((x) => x.snapshots)),
    bad: s.reduce((n, x) => n + x.bad + x.errors + x.timeouts, 0),
  });
  const c = ctx.args.connections;
  const phase = '1b realistic mix';
  const line = (s: ReturnType<typeof summary>, isMarquee: boolean) =>
    `${fmtInt(s.rps)} req/s, p50 ${fmtMs(s.p50)} ms, p99 ${fmtMs(s.p99)} ms (worst round ${fmtMs(s.worstP99)}), ${fmtInt(s.cpuUs)} µs CPU/req ` +
    `(server core ${Math.round((s.rps * s.cpuUs) / 10_000)}% busy, load generator's ${Math.round(s.generatorBusy * 100)}%${s.generatorBusy >= 0.9 ? ': the generator is the bottleneck' : ''}); ` +
    `${Math.round(s.share304 * 100)}% 304` +
    (isMarquee
      ? `, ${fmtInt(s.renders)} renders and ${s.snapshots} snapshot(s) per run${s.replayedShare ? `, ${Math.round(s.replayedShare * 100)}% replayed` : ''}`
      : '') +
    (s.bad ? `, ${s.bad} bad` : '');
  const out: Row[] = [];
  for (const who of ['replay', 'no-replay'] as const) {
    const m = samples.get(who) ?? [];
    const s = summary(m);
    const ratio = median(m.map((x, i) => x.rps / (bare[i]?.rps ?? Number.NaN)));
    const name = who === 'replay' ? 'Marquee with the 1 s replay' : 'Marquee without the replay';
    out.push(
      {
        phase,
        case: `${name}, c=${c}`,
        result: line(s, true),
        target: `p99 <= ${TARGETS.realisticP99Ms} ms, none failed`,
        status: worst(atMost(s.p99, TARGETS.realisticP99Ms), s.bad ? 'MISS' : 'pass'),
        data: { ...s, rounds: m },
      },
      {
        phase,
        case: `${name} / bare`,
        result: `${ratio.toFixed(2)}x req/s`,
        target: `>= ${TARGETS.cachedRatio.toFixed(2)}x req/s`,
        status: atLeast(ratio, TARGETS.cachedRatio),
        data: { ratio },
      },
    );
  }
  const b = summary(bare);
  out.push({ phase, case: `bare node:http, c=${c}`, result: line(b, false), target: '', status: 'info', data: { ...b, rounds: bare } });
  return out;
}

/**
 * (5) Server RSS before, during and after a sustained load. The load mixes every built-in template
 * in several themes and both scales (64 images); a collection cycle runs every 30 s of server
 * time, as the default schedule does, so every image is re-rendered at each new snapshot and each
 * render-minute, the render cache filling and evicting. The judged run is the issue's: 60 s of
 * load on a real-time clock. A stress run follows (informational): the server's clock at
 * `memoryStressClockRate` times real time, so every image is redrawn every few seconds, a render
 * rate no production server sees. RSS is read from /proc, so sampling costs the server nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerReady, ServerStats } from '../children/server.js';
import { rssOf, rssSplitOf, startChild } from '../lib/child.js';
import type { BenchContext } from '../lib/context.js';
import { BENCH_NOW_MS, ensureFixtures } from '../lib/fixtures.js';
import { atMost, TARGETS, worst, type Row } from '../lib/report.js';
import { fmtInt, MB, max, median } from '../lib/stats.js';

const TEMPLATES = ['signature', 'banner', 'card', 'health', 'nowplaying', 'og', 'status', 'userbar'];
const THEMES = ['dark', 'light', 'nord', 'dracula'];
const SETTLE_S = 5;
/** Quiet time before "after" is read: V8 and the caches give memory back over seconds, not at once. */
const AFTER_S = 30;
const SAMPLE_MS = 250;

/** Samples the server's RSS until stopped. */
function sampler(pid: number) {
  const samples: number[] = [];
  const timer = setInterval(() => samples.push(rssOf(pid)), SAMPLE_MS);
  return { samples, stop: () => clearInterval(timer) };
}

export async function memoryPhase(ctx: BenchContext): Promise<Row[]> {
  const judged = await memoryRun(ctx, ctx.args.memoryS, ctx.args.memoryClockRate, true);
  if (!ctx.args.memoryStressS) return [judged];
  return [judged, await memoryRun(ctx, ctx.args.memoryStressS, ctx.args.memoryStressClockRate, false)];
}

async function memoryRun(ctx: BenchContext, seconds: number, rate: number, judged: boolean): Promise<Row> {
  const demo = ensureFixtures('demo');
  ctx.progress(`memory: starting Marquee (clock x${rate})`);
  const server = await startChild<ServerReady>(
    'server',
    {
      kind: 'marquee',
      plexDb: demo.plexDb,
      tautulliDb: demo.tautulliDb,
      clock: { baseMs: BENCH_NOW_MS, rate },
      collect: true,
      // One client address (loopback) makes every request; the per-client render budget would
      // turn the churn into 429s and measure the limiter instead of the renderer.
      yaml: 'server:\n  rateLimitPerMinute: 1000000\n',
    },
    { cpu: ctx.pin.server },
  );
  try {
    const paths = TEMPLATES.flatMap((t) => THEMES.flatMap((theme) => [`/i/${t}-${theme}.png`, `/i/${t}-${theme}@2x.png`]));
    // Warm-up: every variant the load asks for, once, so "before" is a server that has drawn its
    // images (fonts, glyph caches, decoded posters, sharp's threads, one render-minute cached) and
    // the load measures what serving adds, not what a first render of each size costs.
    for (const p of paths) await (await fetch(`${server.ready.url}${p}`)).arrayBuffer();
    ctx.progress(`memory: idle plateau (${SETTLE_S} s)`);
    const pre = sampler(server.pid);
    await sleep(SETTLE_S * 1000);
    pre.stop();
    const before = median(pre.samples);
    const splitBefore = rssSplitOf(server.pid);
    const statsBefore = await server.call<ServerStats>('stats');

    ctx.progress(`memory: ${seconds} s of load (clock x${rate}), ${paths.length} image variants, c=${ctx.args.connections}`);
    const during = sampler(server.pid);
    const cycleEveryMs = 30_000 / Math.max(1, rate);
    let cycles = 0;
    const collector = setInterval(() => {
      cycles++;
      void server.call('collect').catch(() => undefined);
    }, cycleEveryMs);
    const load = await ctx
      .load({ url: server.ready.url, paths, connections: ctx.args.connections, durationS: seconds, expect: 200 })
      .finally(() => {
        clearInterval(collector);
        during.stop();
      });
    const peak = max(during.samples);

    ctx.progress(`memory: after the load (${AFTER_S} s)`);
    const post = sampler(server.pid);
    await sleep(AFTER_S * 1000);
    post.stop();
    // The last half of the quiet period: the plateau it settles on, not the tail of the load.
    const after = median(post.samples.slice(Math.floor(post.samples.length / 2)));
    const splitAfter = rssSplitOf(server.pid);
    const statsAfter = await server.call<ServerStats>('stats');
    const renders = (statsAfter.renderCount ?? 0) - (statsBefore.renderCount ?? 0);
    const ratio = after / before;
    const mb = (n: number) => `${(n / MB).toFixed(0)} MB`;
    // Where it is: the JS heap V8 holds from the OS, and the buffers it knows of (the render cache
    // is external); the rest of RSS is native (Skia, libvips, malloc) plus mapped code.
    const split = (m: ServerStats, r: { anon: number; file: number }) =>
      `anon ${mb(r.anon)}, file ${mb(r.file)}, heap ${mb(m.heapTotal)}, external ${mb(m.external)}`;
    return {
      phase: '5 memory',
      case: `${judged ? '' : 'stress: '}${seconds} s load, c=${ctx.args.connections}, clock x${rate}`,
      result: `RSS before ${mb(before)}, peak ${mb(peak)} (median ${mb(median(during.samples))}), after ${mb(after)} = ${ratio.toFixed(2)}x before (${split(statsBefore, splitBefore)} -> ${split(statsAfter, splitAfter)}); ${fmtInt(load.ok)} images (${fmtInt(load.rps)}/s, p99 ${fmtInt(load.p99)} ms), ${renders} renders, ${cycles} cycles${load.bad ? `, ${load.bad} non-200` : ''}`,
      target: judged ? `peak <= ${TARGETS.memoryPeakRss / MB} MB, after <= ${TARGETS.memoryReturnRatio.toFixed(2)}x before` : '',
      status: judged ? worst(atMost(peak, TARGETS.memoryPeakRss), atMost(ratio, TARGETS.memoryReturnRatio)) : 'info',
      data: {
        before,
        peak,
        after,
        ratio,
        renders,
        cycles,
        load,
        statsBefore,
        statsAfter,
        splitBefore,
        splitAfter,
        samples: { before: pre.samples, during: during.samples, after: post.samples },
      },
    };
  } finally {
    await server.stop();
  }
}

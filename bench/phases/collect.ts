/**
 * (3) Collection cycles on the large and demo fixture profiles, each in a process that does
 * nothing else, so its VmHWM is the collector's peak RSS.
 */
import path from 'node:path';
import type { CollectJob, CollectResult } from '../children/collect.js';
import { startChild } from '../lib/child.js';
import type { BenchContext } from '../lib/context.js';
import { BENCH_NOW_MS, ensureFixtures } from '../lib/fixtures.js';
import { atMost, TARGETS, worst, type Row } from '../lib/report.js';
import { fmtMs, MB, median } from '../lib/stats.js';

async function cycles(
  profile: 'large' | 'demo',
  warmup: number,
  count: number,
  ctx: BenchContext,
): Promise<CollectResult & { builtInS: number }> {
  ctx.progress(`collect: ${profile} fixtures`);
  const fx = ensureFixtures(profile);
  if (fx.builtInS)
    ctx.progress(`collect: generated the ${profile} fixtures in ${fx.builtInS.toFixed(0)} s (cached in bench/.cache for later runs)`);
  const job: CollectJob = {
    plexDb: fx.plexDb,
    tautulliDb: fx.tautulliDb,
    nowMs: BENCH_NOW_MS,
    warmup,
    cycles: count,
    ...(ctx.args.profileDir ? { profileFile: path.join(ctx.args.profileDir, `collect-${profile}.cpuprofile`) } : {}),
  };
  ctx.progress(`collect: ${warmup} + ${count} cycles on ${profile}`);
  const child = await startChild('collect', job);
  try {
    return { ...(await child.call<CollectResult>('run')), builtInS: fx.builtInS };
  } finally {
    await child.stop();
  }
}

export async function collectPhase(ctx: BenchContext): Promise<Row[]> {
  const large = await cycles('large', 1, ctx.args.largeCycles, ctx);
  const demo = await cycles('demo', 2, Math.max(5, ctx.args.largeCycles * 2), ctx);
  const largeMedian = median(large.cyclesMs);
  const demoMedian = median(demo.cyclesMs);
  const sources = (r: CollectResult) =>
    Object.entries(r.sources)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const range = (xs: number[]) => `[${fmtMs(Math.min(...xs))}..${fmtMs(Math.max(...xs))}]`;
  return [
    {
      phase: '3 collection',
      case: `large (n=${large.cyclesMs.length}, after ${large.warmupMs.length} warm-up)`,
      result: `median ${fmtMs(largeMedian)} ms ${range(large.cyclesMs)}, peak RSS ${(large.peakRss / MB).toFixed(0)} MB (${(large.startRss / MB).toFixed(0)} MB before the first cycle); ${sources(large)}`,
      target: `median <= ${TARGETS.collectLargeMedianMs} ms, RSS <= ${TARGETS.collectLargePeakRss / MB} MB`,
      status: worst(atMost(largeMedian, TARGETS.collectLargeMedianMs), atMost(large.peakRss, TARGETS.collectLargePeakRss)),
      data: { ...large, medianMs: largeMedian },
    },
    {
      phase: '3 collection',
      case: `demo (n=${demo.cyclesMs.length}, after ${demo.warmupMs.length} warm-up)`,
      result: `median ${fmtMs(demoMedian)} ms ${range(demo.cyclesMs)}, peak RSS ${(demo.peakRss / MB).toFixed(0)} MB; ${sources(demo)}`,
      target: `median <= ${TARGETS.collectDemoMedianMs} ms`,
      status: atMost(demoMedian, TARGETS.collectDemoMedianMs),
      data: { ...demo, medianMs: demoMedian },
    },
  ];
}

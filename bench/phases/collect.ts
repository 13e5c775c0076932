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
import { fmtMs, MB, median, percentile } from '../lib/stats.js';
import { startFakePlex } from '../../test/support/fake-plex.js';
import { startFakeTautulli } from '../../test/support/fake-tautulli.js';

async function cycles(
  profile: 'large' | 'demo',
  warmup: number,
  count: number,
  ctx: BenchContext,
  api?: (fx: { plexDb: string; tautulliDb: string }) => Promise<{ yaml: string; stop: () => Promise<void> }>,
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
  const remote = api ? await api(fx) : null;
  if (remote) Object.assign(job, { yaml: remote.yaml, overApi: true });
  ctx.progress(`collect: ${warmup} + ${count} cycles on ${profile}${remote ? ' over the APIs' : ''}`);
  const child = await startChild('collect', job);
  try {
    return { ...(await child.call<CollectResult>('run')), builtInS: fx.builtInS };
  } finally {
    await child.stop();
    await remote?.stop();
  }
}

/**
 * Tautulli's and Plex's APIs answered by the test fakes from the same files (Tautulli's SQL, Plex's
 * answer shapes), on this machine: the cycle's own cost over HTTP, not a network's.
 */
async function localApis(fx: { plexDb: string; tautulliDb: string }) {
  const apiKey = 'b'.repeat(32);
  const tautulli = await startFakeTautulli({ dbPath: fx.tautulliDb, now: Math.floor(BENCH_NOW_MS / 1000), timeZone: 'UTC', apiKey });
  const plex = await startFakePlex({ plexDb: fx.plexDb, token: 'bench-token' });
  return {
    yaml: `plex:\n  url: ${plex.url}\n  token: bench-token\ntautulli:\n  url: ${tautulli.url}\n  apiKey: ${apiKey}\n`,
    stop: async () => {
      await Promise.all([tautulli.close(), plex.close()]);
    },
  };
}

export async function collectPhase(ctx: BenchContext): Promise<Row[]> {
  const large = await cycles('large', 1, ctx.args.largeCycles, ctx);
  const demo = await cycles('demo', 2, Math.max(5, ctx.args.largeCycles * 2), ctx);
  const api = await cycles('demo', 2, Math.max(10, ctx.args.largeCycles * 2), ctx, localApis);
  const largeMedian = median(large.cyclesMs);
  const demoMedian = median(demo.cyclesMs);
  const apiMedian = median(api.cyclesMs);
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
      data: { ...demo, medianMs: demoMedian, p99Ms: percentile(demo.cyclesMs, 99) },
    },
    {
      phase: '3 collection',
      case: `demo over the APIs (n=${api.cyclesMs.length}, local fakes)`,
      result: `median ${fmtMs(apiMedian)} ms, p99 ${fmtMs(percentile(api.cyclesMs, 99))} ms ${range(api.cyclesMs)} (database mode: median ${fmtMs(demoMedian)} ms, p99 ${fmtMs(percentile(demo.cyclesMs, 99))} ms); ${sources(api)}`,
      target: 'informational',
      status: 'info',
      data: { ...api, medianMs: apiMedian, p99Ms: percentile(api.cyclesMs, 99) },
    },
  ];
}

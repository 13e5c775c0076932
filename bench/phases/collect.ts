/**
 * (3) Collection cycles on the large and demo fixture profiles, and on a network of three large
 * servers (issue 20), each in a process that does nothing else, so its VmHWM is the collector's
 * peak RSS. Every child runs the real wiring (createCollecting).
 */
import path from 'node:path';
import type { CollectJob, CollectResult, CollectServer } from '../children/collect.js';
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
  return run(profile, profile, warmup, count, ctx, { api });
}

/** The generator's three servers of one network (fixtures/generator/network.ts: Home, 4K, Legacy). */
const NETWORK = [
  { id: 'home', name: 'Home' },
  { id: '4k', name: '4K' },
  { id: 'legacy', name: 'Legacy' },
] as const;

/** Cycles over a network of three `profile` servers, each cycle the network's (all three at once). */
async function networkCycles(profile: 'large', warmup: number, count: number, ctx: BenchContext) {
  return run(profile, `network-${profile}`, warmup, count, ctx, { servers: NETWORK.length });
}

async function run(
  profile: 'large' | 'demo',
  label: string,
  warmup: number,
  count: number,
  ctx: BenchContext,
  opts: {
    api?: ((fx: { plexDb: string; tautulliDb: string }) => Promise<{ yaml: string; stop: () => Promise<void> }>) | undefined;
    servers?: number;
  },
): Promise<CollectResult & { builtInS: number }> {
  const { api } = opts;
  let builtInS = 0;
  const servers: CollectServer[] = [];
  for (let n = 1; n < (opts.servers ?? 0); n++) {
    ctx.progress(`collect: ${profile} fixtures of server ${n}`);
    const other = ensureFixtures(profile, n);
    if (other.builtInS)
      ctx.progress(`collect: generated server ${n}'s ${profile} fixtures in ${other.builtInS.toFixed(0)} s (cached in bench/.cache)`);
    builtInS += other.builtInS;
    servers.push({ ...NETWORK[n]!, plexDb: other.plexDb, tautulliDb: other.tautulliDb });
  }
  ctx.progress(`collect: ${profile} fixtures`);
  const fx = ensureFixtures(profile);
  if (fx.builtInS)
    ctx.progress(`collect: generated the ${profile} fixtures in ${fx.builtInS.toFixed(0)} s (cached in bench/.cache for later runs)`);
  if (servers.length) servers.unshift({ ...NETWORK[0], plexDb: fx.plexDb, tautulliDb: fx.tautulliDb });
  const job: CollectJob = {
    plexDb: fx.plexDb,
    tautulliDb: fx.tautulliDb,
    ...(servers.length ? { servers } : {}),
    nowMs: BENCH_NOW_MS,
    warmup,
    cycles: count,
    ...(ctx.args.profileDir
      ? {
          profileFile: path.join(ctx.args.profileDir, `collect-${label}.cpuprofile`),
          // Where the memory is, right after the measured cycles (open in Chrome DevTools' Memory tab).
          heapSnapshotFile: path.join(ctx.args.profileDir, `collect-${label}.heapsnapshot`),
        }
      : {}),
  };
  const remote = api ? await api(fx) : null;
  if (remote) Object.assign(job, { yaml: remote.yaml, overApi: true });
  ctx.progress(`collect: ${warmup} + ${count} cycles on ${label}${remote ? ' over the APIs' : ''}`);
  const child = await startChild('collect', job);
  try {
    return { ...(await child.call<CollectResult>('run')), builtInS: builtInS + fx.builtInS };
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
  // Right after the one-server run, so both see the same machine: the ratio is the target.
  const network = await networkCycles('large', 1, ctx.args.largeCycles, ctx);
  const networkMedian = median(network.cyclesMs);
  const ratio = networkMedian / median(large.cyclesMs);
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
      case: `3 large servers (n=${network.cyclesMs.length}, after ${network.warmupMs.length} warm-up)`,
      result:
        `median ${fmtMs(networkMedian)} ms ${range(network.cyclesMs)}, p99 ${fmtMs(percentile(network.cyclesMs, 99))} ms = ` +
        `${ratio.toFixed(2)}x one large server's; each server's own cycle median ${Object.entries(network.serverCyclesMs ?? {})
          .map(([id, ms]) => `${id} ${fmtMs(median(ms))}`)
          .join(
            ', ',
          )} ms; peak RSS ${(network.peakRss / MB).toFixed(0)} MB (${(network.startRss / MB).toFixed(0)} MB before the first cycle); ${sources(network)}`,
      target: `<= ${TARGETS.networkCycleRatio}x one server's median, RSS <= ${TARGETS.networkPeakRss / MB} MB`,
      status: worst(atMost(ratio, TARGETS.networkCycleRatio), atMost(network.peakRss, TARGETS.networkPeakRss)),
      data: { ...network, medianMs: networkMedian, p99Ms: percentile(network.cyclesMs, 99), ratio },
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

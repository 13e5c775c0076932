/**
 * (3) Collection cycles on the large and demo fixture profiles, and on a network of three large
 * servers (issue 20), each in a process that does nothing else, so its VmHWM is the collector's
 * peak RSS. Every child runs the real wiring (createCollecting).
 */
import path from 'node:path';
import type { CollectJob, CollectResult, CollectServer, CycleOptions } from '../children/collect.js';
import { startChild } from '../lib/child.js';
import type { BenchContext } from '../lib/context.js';
import { BENCH_NOW_MS, BENCH_NOW_S, ensureFixtures, writableCopy } from '../lib/fixtures.js';
import { writeStoppedPlays } from '../../test/support/tautulli-writes.js';
import { atMost, TARGETS, worst, type Row } from '../lib/report.js';
import { fmtMs, MB, median, percentile } from '../lib/stats.js';
import { startFakePlex } from '../../test/support/fake-plex.js';
import { startFakeTautulli } from '../../test/support/fake-tautulli.js';

type Api = (fx: { plexDb: string; tautulliDb: string }) => Promise<{ yaml: string; stop: () => Promise<void> }>;

/** The generator's three servers of one network (fixtures/generator/network.ts: Home, 4K, Legacy). */
const NETWORK = [
  { id: 'home', name: 'Home' },
  { id: '4k', name: '4K' },
  { id: 'legacy', name: 'Legacy' },
] as const;

/** The job for one collection child: `servers` > 1 is a network of the generator's servers 0..n-1. */
async function prepare(
  profile: 'large' | 'demo',
  label: string,
  warmup: number,
  count: number,
  ctx: BenchContext,
  opts: { api?: Api; servers?: number; writable?: boolean } = {},
): Promise<{ job: CollectJob; builtInS: number; stop: () => Promise<void> }> {
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
  // The paired runs read copies of their Tautulli files, which the "data changed" cycles write plays into.
  const copies = opts.writable ? writableCopy(servers.length ? servers.map((s) => s.tautulliDb) : [fx.tautulliDb]) : null;
  servers.forEach((server, i) => (server.tautulliDb = copies?.paths[i] ?? server.tautulliDb));
  const job: CollectJob = {
    plexDb: fx.plexDb,
    tautulliDb: copies && !servers.length ? copies.paths[0]! : fx.tautulliDb,
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
  const remote = opts.api ? await opts.api(fx) : null;
  if (remote) Object.assign(job, { yaml: remote.yaml, overApi: true });
  return {
    job,
    builtInS: builtInS + fx.builtInS,
    stop: async () => {
      await remote?.stop();
      copies?.remove();
    },
  };
}

/** Warm-up and measured cycles of one collection, in a child that does nothing else. */
async function cycles(profile: 'large' | 'demo', warmup: number, count: number, ctx: BenchContext, api?: Api) {
  const { job, builtInS, stop } = await prepare(profile, profile, warmup, count, ctx, api ? { api } : {});
  ctx.progress(`collect: ${warmup} + ${count} cycles on ${profile}${api ? ' over the APIs' : ''}`);
  const child = await startChild('collect', job);
  try {
    return { ...(await child.call<CollectResult>('run')), builtInS };
  } finally {
    await child.stop();
    await stop();
  }
}

/**
 * One large server and a network of three, each in its own child, their measured cycles taken
 * in turn (one server, then the network, `count` times), so each pair meets the same minute of a
 * shared machine: the target is the median of the pairs' ratios. Each child is idle while the
 * other runs a cycle. Then `changedCount` pairs of cycles in which the data moved on: before each,
 * a new play is written into every server's Tautulli, the one server's and the network's (copies
 * of the fixtures, see prepare), so both sides read their history whole.
 */
async function pairedCycles(warmup: number, count: number, changedCount: number, ctx: BenchContext) {
  const one = await prepare('large', 'large', warmup, count, ctx, { writable: true });
  const net = await prepare('large', 'network-large', warmup, count, ctx, { servers: NETWORK.length, writable: true });
  ctx.progress(`collect: ${warmup} warm-up cycle(s) on large, then on a network of ${NETWORK.length} large servers`);
  const children = [await startChild('collect', one.job), await startChild('collect', net.job)] as const;
  try {
    for (const child of children) await child.call('open');
    ctx.progress(`collect: ${count} cycles on each, in turn`);
    const turns = async (n: number, options: CycleOptions) => {
      for (let i = 0; i < n; i++) {
        for (const child of children) {
          await child.call<number>('cycle', options);
          // What a cycle leaves running (reader threads giving their heap back) is not the next one's.
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    };
    await turns(count, {});
    ctx.progress(`collect: ${changedCount} cycles on each, a new play on every server's Tautulli before each`);
    for (let i = 0; i < changedCount; i++) {
      for (const file of [one.job.tautulliDb, ...(net.job.servers ?? []).map((s) => s.tautulliDb)])
        writeStoppedPlays(file, { startedS: BENCH_NOW_S - 600, stoppedS: BENCH_NOW_S });
      await turns(1, { changed: true });
    }
    const [large, network] = [await children[0].call<CollectResult>('finish'), await children[1].call<CollectResult>('finish')];
    return { large: { ...large, builtInS: one.builtInS }, network: { ...network, builtInS: net.builtInS } };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await Promise.all([one.stop(), net.stop()]);
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
  // At least 10 pairs: on a shared machine a single pair can be off by 2x either way.
  const { large, network } = await pairedCycles(1, Math.max(10, ctx.args.largeCycles * 2), Math.max(6, ctx.args.largeCycles), ctx);
  const networkMedian = median(network.cyclesMs);
  // Paired per turn (the same minute of machine noise), then the median of the pairs.
  const ratio = median(network.cyclesMs.map((ms, i) => ms / large.cyclesMs[i]!));
  // CPU per cycle barely depends on what else the machine runs: with 2 cores the wall-clock ratio
  // cannot go below half of it.
  const cpuRatio = median(network.cpuMs.map((ms, i) => ms / large.cpuMs[i]!));
  const changedOne = large.changed!;
  const changedNet = network.changed!;
  const changedRatio = median(changedNet.cyclesMs.map((ms, i) => ms / changedOne.cyclesMs[i]!));
  const changedCpuRatio = median(changedNet.cpuMs.map((ms, i) => ms / changedOne.cpuMs[i]!));
  const extrasRead = changedNet.extrasRead.reduce((a, b) => a + b, 0);
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
        `median ${fmtMs(networkMedian)} ms ${range(network.cyclesMs)}, p99 ${fmtMs(percentile(network.cyclesMs, 99))} ms; ` +
        `${ratio.toFixed(2)}x one large server's cycle (median of ${network.cyclesMs.length} pairs, taken in turn; CPU ${fmtMs(median(network.cpuMs))} ms a cycle = ${cpuRatio.toFixed(2)}x); each server's own cycle median ${Object.entries(
          network.serverCyclesMs ?? {},
        )
          .map(([id, ms]) => `${id} ${fmtMs(median(ms))}`)
          .join(
            ', ',
          )} ms; peak RSS ${(network.peakRss / MB).toFixed(0)} MB (${(network.startRss / MB).toFixed(0)} MB before the first cycle); ${sources(network)}`,
      target: `<= ${TARGETS.networkCycleRatio}x one server's cycle, RSS <= ${TARGETS.networkPeakRss / MB} MB`,
      status: worst(atMost(ratio, TARGETS.networkCycleRatio), atMost(network.peakRss, TARGETS.networkPeakRss)),
      data: { ...network, medianMs: networkMedian, p99Ms: percentile(network.cyclesMs, 99), ratio, cpuRatio },
    },
    {
      phase: '3 collection',
      case: `3 large servers, data changed (n=${changedNet.cyclesMs.length})`,
      result:
        `a new play on every server, the one server's too, before each cycle: Tautulli's extras read again on ${extrasRead} of ${changedNet.extrasRead.length * NETWORK.length} server-cycles (Plex libraries unchanged); ` +
        `median ${fmtMs(median(changedNet.cyclesMs))} ms ${range(changedNet.cyclesMs)}, ${changedRatio.toFixed(2)}x one large server's cycle (median of ${changedNet.cyclesMs.length} pairs; ` +
        `one server ${fmtMs(median(changedOne.cyclesMs))} ms; CPU ${fmtMs(median(changedNet.cpuMs))} ms a cycle = ${changedCpuRatio.toFixed(2)}x)`,
      target: 'informational (the 2x target is the row above)',
      status: 'info',
      data: { ...changedNet, medianMs: median(changedNet.cyclesMs), ratio: changedRatio, cpuRatio: changedCpuRatio, oneServer: changedOne },
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

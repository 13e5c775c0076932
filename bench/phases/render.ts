/**
 * (2) Fresh renders per built-in template, and PHP GD drawing the same 600x200 signature in the
 * same run: GD paints Marquee's own draw list for the benchmark's snapshot (the same texts, bars
 * and sparkline points; layout stays Marquee's cost alone). Both are pinned to the same single
 * core when pinning is on, so neither gets more CPU than the other; GD runs before and after
 * Marquee so drift over the run hits both. Medians and p99s are both judged against GD's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RenderJob, TemplateTiming } from '../children/render.js';
import { BENCH_DIR, startChild } from '../lib/child.js';
import type { BenchContext } from '../lib/context.js';
import { BENCH_NOW_MS, ensureFixtures } from '../lib/fixtures.js';
import { atMost, TARGETS, worst, type Row } from '../lib/report.js';
import { fmtInt, fmtMs, median, percentile } from '../lib/stats.js';

const GD_SCRIPT = path.join(BENCH_DIR, 'reference', 'gd-signature.php');
const FONTS = path.resolve(BENCH_DIR, '..', 'fonts');

interface GdRun {
  width: number;
  height: number;
  bytes: number;
  sparklinePoints: number;
  samplesMs: number[];
}

/** null with a reason when PHP or its GD extension is not installed. */
function runGd(ctx: BenchContext, iterations: number, drawList: string): GdRun | { missing: string } {
  const php = [GD_SCRIPT, FONTS, String(iterations), '10', '-', drawList];
  const cmd = ctx.pin.server === undefined ? ['php', php] : ['taskset', ['-c', String(ctx.pin.server), 'php', ...php]];
  const r = spawnSync(cmd[0] as string, cmd[1] as string[], { encoding: 'utf8', timeout: 120_000 });
  if (r.error || r.status !== 0) {
    const why =
      (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' || /not found|No such file/.test(r.stderr ?? '')
        ? 'php not found'
        : (r.stderr || String(r.error)).trim().split('\n')[0];
    return { missing: `${why}; install it with: apt-get install -y php-cli php-gd` };
  }
  if (/Call to undefined function image/.test(r.stdout + r.stderr))
    return { missing: 'php has no GD; install it with: apt-get install -y php-gd' };
  return JSON.parse(r.stdout) as GdRun;
}

export async function renderPhase(ctx: BenchContext): Promise<Row[]> {
  const demo = ensureFixtures('demo');
  const half = Math.max(10, Math.ceil(ctx.args.renders / 2));
  const job: RenderJob = {
    plexDb: demo.plexDb,
    tautulliDb: demo.tautulliDb,
    nowMs: BENCH_NOW_MS,
    warmup: 10,
    iterations: ctx.args.renders,
    ogIterations: ctx.args.ogRenders,
    ...(ctx.args.profileDir ? { profileDir: ctx.args.profileDir } : {}),
  };
  const child = await startChild('render', job, { cpu: ctx.pin.server });
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-bench-gd-'));
  const drawList = path.join(dir, 'signature.json');
  let timings: TemplateTiming[];
  let gdBefore: GdRun | { missing: string };
  let gdAfter: GdRun | { missing: string };
  let marqueePoints: number;
  try {
    ({ sparklinePoints: marqueePoints } = await child.call<{ sparklinePoints: number }>('layout', {
      template: 'signature',
      out: drawList,
    }));
    ctx.progress(`render: PHP GD painting Marquee's signature draw list (${marqueePoints} sparkline points), first half`);
    gdBefore = runGd(ctx, half, drawList);
    ctx.progress('render: Marquee, every built-in template');
    timings = await child.call<TemplateTiming[]>('run');
    ctx.progress('render: PHP GD reference (second half)');
    gdAfter = 'missing' in gdBefore ? gdBefore : runGd(ctx, half, drawList);
  } finally {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  let gd: { median: number; p99: number; bytes: number; n: number; sparklinePoints: number } | null = null;
  if (!('missing' in gdBefore) && !('missing' in gdAfter)) {
    const all = [...gdBefore.samplesMs, ...gdAfter.samplesMs];
    gd = { median: median(all), p99: percentile(all, 99), bytes: gdAfter.bytes, n: all.length, sparklinePoints: gdAfter.sparklinePoints };
    if (gd.sparklinePoints !== marqueePoints)
      throw new Error(`render: GD drew ${gd.sparklinePoints} sparkline points, Marquee ${marqueePoints}`);
  }
  const rows: Row[] = timings.map((t) => templateRow(t, gd));
  rows.push(
    gd
      ? {
          phase: '2 fresh render',
          case: 'PHP GD reference 600x200',
          result: `median ${fmtMs(gd.median)} ms, p99 ${fmtMs(gd.p99)} ms (n=${gd.n}), ${fmtInt(gd.bytes)} B; Marquee's signature draw list, ${gd.sparklinePoints} sparkline points`,
          target: '',
          status: 'info',
          data: gd,
        }
      : {
          phase: '2 fresh render',
          case: 'PHP GD reference 600x200',
          result: `skipped: ${(gdBefore as { missing: string }).missing}`,
          target: '',
          status: 'skip',
        },
  );
  return rows;
}

function templateRow(t: TemplateTiming, gd: { median: number; p99: number } | null): Row {
  const base = {
    phase: '2 fresh render',
    case: `${t.template} ${t.width}x${t.height}`,
    result: `median ${fmtMs(t.medianMs)} ms, p99 ${fmtMs(t.p99Ms)} ms (n=${t.n}), ${fmtInt(t.bytes)} B`,
    data: { ...t },
  };
  if (t.template === 'signature') {
    const bytes = atMost(t.bytes, TARGETS.signatureMaxBytes);
    const target = `<= GD median and p99, <= ${TARGETS.signatureMaxBytes / 1024} KiB`;
    if (!gd) return { ...base, target, status: worst(bytes, 'skip') };
    const ratio = t.medianMs / gd.median;
    const p99Ratio = t.p99Ms / gd.p99;
    return {
      ...base,
      result: `${base.result}; ${ratio.toFixed(2)}x GD's median, ${p99Ratio.toFixed(2)}x GD's p99`,
      target,
      status: worst(atMost(t.medianMs, gd.median), atMost(t.p99Ms, gd.p99), bytes),
      data: { ...t, gdRatio: ratio, gdP99Ratio: p99Ratio },
    };
  }
  if (t.template === 'og') return { ...base, target: `median <= ${TARGETS.ogMedianMs} ms`, status: atMost(t.medianMs, TARGETS.ogMedianMs) };
  return { ...base, target: '', status: 'info' };
}

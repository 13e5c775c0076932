/**
 * (2) Fresh renders per built-in template, and PHP GD drawing a comparable 600x200 signature in
 * the same run. Both are pinned to the same single core when pinning is on, so neither gets more
 * CPU than the other; GD runs before and after Marquee so drift over the run hits both.
 */
import { spawnSync } from 'node:child_process';
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
  samplesMs: number[];
}

/** null with a reason when PHP or its GD extension is not installed. */
function runGd(ctx: BenchContext, iterations: number): GdRun | { missing: string } {
  const php = [GD_SCRIPT, FONTS, String(iterations), '10'];
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
  ctx.progress('render: PHP GD reference (first half)');
  const gdBefore = runGd(ctx, half);
  ctx.progress('render: Marquee, every built-in template');
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
  let timings: TemplateTiming[];
  try {
    timings = await child.call<TemplateTiming[]>('run');
  } finally {
    await child.stop();
  }
  ctx.progress('render: PHP GD reference (second half)');
  const gdAfter = 'missing' in gdBefore ? gdBefore : runGd(ctx, half);

  let gd: { median: number; p99: number; bytes: number; n: number } | null = null;
  if (!('missing' in gdBefore) && !('missing' in gdAfter)) {
    const all = [...gdBefore.samplesMs, ...gdAfter.samplesMs];
    gd = { median: median(all), p99: percentile(all, 99), bytes: gdAfter.bytes, n: all.length };
  }
  const rows: Row[] = timings.map((t) => templateRow(t, gd));
  rows.push(
    gd
      ? {
          phase: '2 fresh render',
          case: 'PHP GD reference 600x200',
          result: `median ${fmtMs(gd.median)} ms, p99 ${fmtMs(gd.p99)} ms (n=${gd.n}), ${fmtInt(gd.bytes)} B`,
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

function templateRow(t: TemplateTiming, gd: { median: number } | null): Row {
  const base = {
    phase: '2 fresh render',
    case: `${t.template} ${t.width}x${t.height}`,
    result: `median ${fmtMs(t.medianMs)} ms, p99 ${fmtMs(t.p99Ms)} ms (n=${t.n}), ${fmtInt(t.bytes)} B`,
    data: { ...t },
  };
  if (t.template === 'signature') {
    const bytes = atMost(t.bytes, TARGETS.signatureMaxBytes);
    if (!gd) return { ...base, target: `<= GD median, <= ${TARGETS.signatureMaxBytes / 1024} KiB`, status: worst(bytes, 'skip') };
    const ratio = t.medianMs / gd.median;
    return {
      ...base,
      result: `${base.result}; ${ratio.toFixed(2)}x GD's median`,
      target: `<= GD median, <= ${TARGETS.signatureMaxBytes / 1024} KiB`,
      status: worst(atMost(t.medianMs, gd.median), bytes),
      data: { ...t, gdRatio: ratio },
    };
  }
  if (t.template === 'og') return { ...base, target: `median <= ${TARGETS.ogMedianMs} ms`, status: atMost(t.medianMs, TARGETS.ogMedianMs) };
  return { ...base, target: '', status: 'info' };
}

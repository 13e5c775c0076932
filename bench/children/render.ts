/**
 * Fresh renders, snapshot -> PNG bytes, through the renderer itself: the server's render cache is
 * never consulted, so every iteration does layout, paint and encode.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging/logger.js';
import { createMarquee } from '../../src/main.js';
import type { RenderInput } from '../../src/render/index.js';
import { childOptions, failStart, serveParent } from '../lib/child.js';
import { startProfile } from '../lib/profiler.js';
import { median, percentile } from '../lib/stats.js';

export interface RenderJob {
  plexDb: string;
  tautulliDb: string;
  nowMs: number;
  warmup: number;
  iterations: number;
  /** Renders of the 1200x630 template are ~5x dearer: fewer of them keep the phase short. */
  ogIterations: number;
  /** When set, one extra (unmeasured) loop per template runs under the CPU profiler, written here. */
  profileDir?: string;
}

export interface TemplateTiming {
  template: string;
  width: number;
  height: number;
  bytes: number;
  n: number;
  medianMs: number;
  p99Ms: number;
}

/** One Marquee over the job's fixtures, one collected snapshot: every render and layout draws from it. */
async function prepare(job: RenderJob) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-bench-render-'));
  writeFileSync(path.join(dataDir, 'marquee.yaml'), '');
  const config = loadConfig(
    {
      MARQUEE_CONFIG: path.join(dataDir, 'marquee.yaml'),
      MARQUEE_PLEX_DB: job.plexDb,
      MARQUEE_TAUTULLI_DB: job.tautulliDb,
      MARQUEE_DATA_DIR: dataDir,
    },
    dataDir,
  );
  const m = await createMarquee(config, createLogger('warn'), { clock: () => job.nowMs });
  const snapshot = await m.collector.collect();
  const history = await m.stores.read.history(job.nowMs - 86_400_000);
  const input = (template: string): RenderInput => ({
    snapshot,
    history,
    template,
    theme: 'dark',
    params: { scale: 1 as const, locale: config.render.locale, timeZone: config.render.timeZone },
    now: job.nowMs,
    staleAfterMs: config.render.staleAfterS * 1000,
  });
  const close = async () => {
    await m.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { m, input, close };
}

/** Writes the draw list of a template (dark, 1x) for the GD reference to paint; returns its sparkline's point count. */
async function layoutOf(prepared: ReturnType<typeof prepare>, template: string, out: string): Promise<{ sparklinePoints: number }> {
  const { m, input } = await prepared;
  const list = m.renderer.layout(input(template));
  writeFileSync(out, JSON.stringify(list));
  const line = list.ops.find((op) => op.op === 'poly' && op.tag === 'sparkline:series.streams');
  return { sparklinePoints: line && line.op === 'poly' ? line.points.length / 2 : 0 };
}

async function main(job: RenderJob, prepared: ReturnType<typeof prepare>): Promise<TemplateTiming[]> {
  const { m, close } = await prepared;
  try {
    const out: TemplateTiming[] = [];
    for (const template of [...m.renderer.templates.keys()].sort()) {
      const input = (await prepared).input(template);
      const n = template === 'og' ? job.ogIterations : job.iterations;
      let last = await m.renderer.render(input);
      for (let i = 1; i < job.warmup; i++) await m.renderer.render(input);
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        last = await m.renderer.render(input);
        times.push(performance.now() - t0);
      }
      if (job.profileDir) {
        const stop = await startProfile();
        for (let i = 0; i < n; i++) await m.renderer.render(input);
        await stop(path.join(job.profileDir, `render-${template}.cpuprofile`));
      }
      out.push({
        template,
        width: last.width,
        height: last.height,
        bytes: last.png.length,
        n,
        medianMs: median(times),
        p99Ms: percentile(times, 99),
      });
    }
    return out;
  } finally {
    await close();
  }
}

try {
  const job = childOptions<RenderJob>();
  let prepared: ReturnType<typeof prepare> | undefined;
  const ready = () => (prepared ??= prepare(job));
  serveParent(
    { pid: process.pid },
    {
      run: () => main(job, ready()),
      layout: (payload) => {
        const { template, out } = payload as { template: string; out: string };
        return layoutOf(ready(), template, out);
      },
    },
  );
} catch (err) {
  failStart(err);
}

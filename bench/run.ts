/**
 * `npm run bench [-- --json] [-- --check]`: issue 8's benchmark harness. Runs each phase in its
 * own child processes on 127.0.0.1, prints one table (or JSON) and, under --check, exits 1 when
 * a target is missed. Progress goes to stderr so stdout stays the table or the JSON alone.
 */
import { mkdirSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { LoadJob, LoadResult } from './children/load.js';
import { buildChildren } from './lib/build.js';
import { BENCH_DIR, canPin, startChild, type Child } from './lib/child.js';
import type { BenchArgs, BenchContext, Phase } from './lib/context.js';
import { formatTable, misses, type Row } from './lib/report.js';
import { collectPhase } from './phases/collect.js';
import { memoryPhase } from './phases/memory.js';
import { renderPhase } from './phases/render.js';
import { realisticPhase } from './phases/realistic.js';
import { servingPhase } from './phases/serving.js';
import { sheetsPhase } from './phases/sheets.js';

const PHASES: Record<string, Phase> = {
  serving: servingPhase,
  realistic: realisticPhase,
  render: renderPhase,
  collect: collectPhase,
  sheets: sheetsPhase,
  memory: memoryPhase,
};

const USAGE = `usage: npm run bench -- [options]
  --json                 print the results as JSON instead of the table
  --check                exit 1 when any target is missed
  --only <a,b>           phases to run: ${Object.keys(PHASES).join(', ')} (default: all)
  --duration <s>         seconds per measured serving run (default 5; each after a 1 s warm-up)
  --rounds <n>           serving rounds, cases interleaved (default 3)
  --realistic-seconds <s> seconds per measured run of the realistic mix (default 30: one snapshot each)
  --realistic-rounds <n> its rounds, the three servers interleaved (default 3)
  --connections <n>      autocannon connections (default 50)
  --renders <n>          fresh renders per template (default 100)
  --og-renders <n>       fresh renders of the 1200x630 og template (default 50)
  --large-cycles <n>     collection cycles on the large profile (default 5)
  --sheets-seconds <s>   load per request rate in the Sheets phase (default 10)
  --sheets-ttl <s>       reader-cache TTL of the remote renderer (default 5)
  --memory-seconds <s>   sustained load in the judged memory run (default 60, as the issue asks)
  --memory-clock-rate <x> server clock speed-up in the judged memory run (default 1: real time)
  --memory-stress-seconds <s> the informational stress run after it (default 20; 0 skips it)
  --memory-stress-clock-rate <x> its clock speed-up (default 12: every image redrawn every 5 s)
  --unpinned             do not pin server and load generator to separate cores
  --skip-build           reuse the last compiled children in bench/.cache/dist as they are
  --cpu-prof             also profile each measured window (extra, unmeasured runs) into
                         bench/.cache/profiles/<date>/; summarise with tsx bench/profile-top.ts`;

function parse(): BenchArgs {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      only: { type: 'string', default: Object.keys(PHASES).join(',') },
      duration: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '3' },
      'realistic-seconds': { type: 'string', default: '30' },
      'realistic-rounds': { type: 'string', default: '3' },
      connections: { type: 'string', default: '50' },
      renders: { type: 'string', default: '100' },
      'og-renders': { type: 'string', default: '50' },
      'large-cycles': { type: 'string', default: '5' },
      'sheets-seconds': { type: 'string', default: '10' },
      'sheets-ttl': { type: 'string', default: '5' },
      'memory-seconds': { type: 'string', default: '60' },
      'memory-clock-rate': { type: 'string', default: '1' },
      'memory-stress-seconds': { type: 'string', default: '20' },
      'memory-stress-clock-rate': { type: 'string', default: '12' },
      unpinned: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      'skip-build': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const num = (key: keyof typeof values, min: number): number => {
    const n = Number(values[key]);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${key} must be a number >= ${min}, got "${String(values[key])}"\n${USAGE}`);
    return n;
  };
  const only = values.only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = only.filter((p) => !PHASES[p]);
  if (unknown.length) throw new Error(`unknown phase(s): ${unknown.join(', ')}\n${USAGE}`);
  return {
    json: values.json,
    check: values.check,
    only,
    durationS: num('duration', 1),
    rounds: Math.round(num('rounds', 1)),
    realisticS: num('realistic-seconds', 5),
    realisticRounds: Math.round(num('realistic-rounds', 1)),
    connections: Math.round(num('connections', 1)),
    renders: Math.round(num('renders', 10)),
    ogRenders: Math.round(num('og-renders', 10)),
    largeCycles: Math.round(num('large-cycles', 1)),
    sheetsS: num('sheets-seconds', 2),
    sheetsTtlS: num('sheets-ttl', 1),
    memoryS: num('memory-seconds', 5),
    memoryClockRate: num('memory-clock-rate', 0),
    memoryStressS: num('memory-stress-seconds', 0),
    memoryStressClockRate: num('memory-stress-clock-rate', 0),
    pinned: !values.unpinned,
    skipBuild: values['skip-build'],
    ...(values['cpu-prof']
      ? { profileDir: path.join(BENCH_DIR, '.cache', 'profiles', new Date().toISOString().replace(/[:.]/g, '-')) }
      : {}),
  };
}

async function main(): Promise<void> {
  const args = parse();
  if (args.profileDir) mkdirSync(args.profileDir, { recursive: true });
  const started = performance.now();
  const progress = (m: string) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${m}\n`);
  // Server on CPU 0 (with its libuv threadpool), load generator on CPU 1: neither steals the other's core.
  const pin = args.pinned && canPin(availableParallelism()) ? { server: 0, load: 1 } : {};
  let loadChild: Promise<Child> | undefined;
  const ctx: BenchContext = {
    args,
    pin,
    load: async (job: LoadJob) => {
      // Pinned to one core, V8's parallel GC helpers would only queue behind the thread they help.
      loadChild ??= startChild(
        'load',
        {},
        { cpu: pin.load, asDeployed: false, ...(pin.load === undefined ? {} : { nodeArgs: ['--single-threaded-gc'] }) },
      );
      return (await loadChild).call<LoadResult>('run', job);
    },
    progress,
  };
  const environment = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: `${cpus().length} x ${cpus()[0]?.model ?? '?'}`,
    pinning: pin.server === undefined ? 'off' : 'server + reference on CPU 0, load generator on CPU 1',
    loadavgBefore: loadavg()[0]!,
  };
  progress(
    `phases: ${args.only.join(', ')}; ${environment.cpu}; pinning ${environment.pinning}; load average ${environment.loadavgBefore.toFixed(2)}`,
  );
  if (args.profileDir) progress(`CPU profiles go to ${args.profileDir}`);
  if (!args.skipBuild) {
    const build = buildChildren();
    progress(`compiled the measured processes in ${build.seconds.toFixed(1)} s${build.warning ? `; ${build.warning}` : ''}`);
  }
  const rows: Row[] = [];
  const failures: { phase: string; error: string }[] = [];
  try {
    for (const name of args.only) {
      try {
        rows.push(...(await PHASES[name]!(ctx)));
      } catch (err) {
        // One broken phase must not hide the others' figures; it still fails --check.
        failures.push({ phase: name, error: (err as Error).message });
        rows.push({ phase: name, case: 'phase failed', result: (err as Error).message.split('\n')[0]!, target: '', status: 'MISS' });
      }
    }
  } finally {
    await (await loadChild)?.stop();
  }
  const totalS = (performance.now() - started) / 1000;
  const summary = { ...environment, loadavgAfter: loadavg()[0]!, totalS, args, rows, failures, misses: misses(rows).length };
  if (args.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else {
    process.stdout.write(`${formatTable(rows)}\n\n`);
    process.stdout.write(
      `${environment.date}, Node ${environment.node}, ${environment.cpu}, pinning ${environment.pinning}; ` +
        `load average ${environment.loadavgBefore.toFixed(2)} -> ${summary.loadavgAfter.toFixed(2)}; ${totalS.toFixed(0)} s in all; ` +
        `${summary.misses} target(s) missed\n`,
    );
  }
  if (args.check && summary.misses > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exitCode = 2;
});

/**
 * `tsx bench/profile-top.ts <file.cpuprofile> [--top N]`: what a V8 CPU profile (from
 * `npm run bench -- --cpu-prof` or `node --cpu-prof`) spent its time on, as text: self time by
 * function, and self + total time by source (src/ file or npm package). For the flame graph, open
 * the same file in Chrome DevTools (Performance > Load profile) or https://www.speedscope.app.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** src/server/app.ts, express (npm), node:internal/..., or (native) for V8 and addons. */
export function sourceOf(url: string): string {
  if (!url) return '(native)';
  // Compiled children run from bench/.cache/dist/<same tree>: name them by their source path.
  url = url.replace(/^.*\/bench\/\.cache\/dist\//, '/');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/(src|bench|test|fixtures)\/(.*)$/.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  return url.replace(/^file:\/\//, '');
}

export function summarise(profile: Profile): {
  totalMs: number;
  byFunction: [string, number][];
  bySource: [string, { self: number; total: number }][];
} {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const fn = new Map<string, number>();
  const src = new Map<string, { self: number; total: number }>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const f = node.callFrame;
    if (f.functionName === '(idle)' || f.functionName === '(program)') continue;
    total += us;
    const key = `${f.functionName || '(anonymous)'} ${sourceOf(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const s = sourceOf(f.url);
    src.set(s, { self: (src.get(s)?.self ?? 0) + us, total: src.get(s)?.total ?? 0 });
    // Total time: each source on this sample's stack counts once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const s2 = sourceOf(byId.get(cur)!.callFrame.url);
      if (seen.has(s2)) continue;
      seen.add(s2);
      const e = src.get(s2) ?? { self: 0, total: 0 };
      e.total += us;
      src.set(s2, e);
    }
  }
  const ms = (us: number) => us / 1000;
  return {
    totalMs: ms(total),
    byFunction: [...fn].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, ms(v)]),
    bySource: [...src].sort((a, b) => b[1].total - a[1].total).map(([k, v]) => [k, { self: ms(v.self), total: ms(v.total) }]),
  };
}

function main(): void {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true });
  const top = Number(values.top);
  for (const file of positionals) {
    const s = summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile);
    const pct = (v: number) => `${((100 * v) / s.totalMs).toFixed(1).padStart(5)}%`;
    console.log(`${file}: ${s.totalMs.toFixed(0)} ms on CPU (idle excluded)\n\nself time by function:`);
    for (const [k, v] of s.byFunction.slice(0, top)) console.log(`  ${pct(v)}  ${k}`);
    console.log('\nby source (self / total, total counts each source once per stack):');
    for (const [k, v] of s.bySource.slice(0, top)) console.log(`  ${pct(v.self)} / ${pct(v.total)}  ${k}`);
    console.log();
  }
}

// Run as a script, not when imported (the harness's tests import summarise).
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();

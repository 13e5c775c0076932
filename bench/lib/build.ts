import { spawnSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import { BENCH_DIR, DIST_CHILDREN } from './child.js';

/**
 * Measured processes run compiled JavaScript, as `npm start` does: under tsx every process would
 * carry its loader-hooks worker thread, about 38 MB of RSS that production never has (a bare
 * node:http server measured 79 MB under tsx against 41 MB for plain node). tsc compiles the
 * children and everything they import into bench/.cache/dist, incrementally.
 */
export function buildChildren(): { seconds: number; warning?: string } {
  const t0 = performance.now();
  const root = path.dirname(BENCH_DIR);
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(BENCH_DIR, 'tsconfig.json')], { cwd: root, encoding: 'utf8' });
  // Data files next to the code (SQL migrations, worker scripts) are found relative to the module.
  cpSync(path.join(root, 'src'), path.join(BENCH_DIR, '.cache', 'dist', 'src'), {
    recursive: true,
    filter: (src) => !src.endsWith('.ts'),
  });
  if (!existsSync(path.join(DIST_CHILDREN, 'server.js'))) throw new Error(`tsc produced no bench children:\n${r.stdout}${r.stderr}`);
  const seconds = (performance.now() - t0) / 1000;
  // Type errors still emit JavaScript (others may be mid-edit); say so rather than stop.
  return r.status === 0
    ? { seconds }
    : { seconds, warning: `tsc reported errors; measuring the emitted JS anyway:\n${r.stdout.split('\n').slice(0, 5).join('\n')}` };
}

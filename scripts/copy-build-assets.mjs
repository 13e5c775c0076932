// Copies into dist/ the files the compiled code reads beside itself that tsc does not emit: the
// store's SQL migrations, the metrics query process (plain .mjs), the demo generator's schemas.
// The built package then reads nothing from src/ or fixtures/ (the Docker image ships neither).
// Run by `npm run build` after tsc; `node scripts/copy-build-assets.mjs [distDir]`.
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import process from 'node:process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.resolve(process.argv[2] ?? path.join(root, 'dist'));

/** [source folder, file pattern], copied to the same path under dist/. */
const ASSETS = [
  ['src/stores/sqlite/migrations', /\.sql$/],
  ['src/metrics', /^worker\.mjs$/],
  ['fixtures/generator', /\.sql$/],
];

for (const [dir, pattern] of ASSETS) {
  const files = readdirSync(path.join(root, dir)).filter((f) => pattern.test(f));
  if (!files.length) throw new Error(`copy-build-assets: nothing matches ${pattern} in ${dir}`);
  mkdirSync(path.join(dist, dir), { recursive: true });
  for (const f of files) cpSync(path.join(root, dir, f), path.join(dist, dir, f));
}

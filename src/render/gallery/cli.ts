import { fileURLToPath } from 'node:url';
import { createRenderer } from '../index.js';
import { generateGallery } from './gallery.js';

/** npx tsx src/render/gallery/cli.ts [outDir] — regenerates docs/gallery from the repo's data. */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const out = process.argv[2] ?? `${root}docs/gallery`;
const renderer = createRenderer({ templateDirs: [`${root}templates`], themeDirs: [`${root}themes`], fontsDir: `${root}fonts` });
const entries = await generateGallery(renderer, out, `${root}assets/demo-posters`);
for (const e of entries) console.log(`${e.template.padEnd(11)} ${e.theme.padEnd(20)} ${String(e.bytes).padStart(7)} B`);
console.log(`wrote ${entries.length} images to ${out}`);

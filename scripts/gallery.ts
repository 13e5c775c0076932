import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRenderer } from '../src/render/index.js';
import { fieldsMarkdown, templateJsonSchema, themeJsonSchema } from '../src/render/gallery/docs.js';
import { generateGallery } from '../src/render/gallery/gallery.js';

/**
 * npm run gallery [-- outDir]   (tsx scripts/gallery.ts): a doc generator, not part of Marquee.
 * Regenerates docs/gallery (images, index, field reference) and the template/theme JSON Schemas.
 */
const root = fileURLToPath(new URL('../', import.meta.url));
const out = process.argv[2] ?? `${root}docs/gallery`;
const renderer = createRenderer({ templateDirs: [`${root}templates`], themeDirs: [`${root}themes`], fontsDir: `${root}fonts` });
const entries = await generateGallery(renderer, out, `${root}assets/demo-posters`);
writeFileSync(`${out}/FIELDS.md`, fieldsMarkdown(renderer.catalogue));
writeFileSync(`${root}templates/template.schema.json`, templateJsonSchema());
writeFileSync(`${root}themes/theme.schema.json`, themeJsonSchema());
for (const e of entries) console.log(`${e.template.padEnd(11)} ${e.theme.padEnd(20)} ${String(e.bytes).padStart(7)} B`);
console.log(`wrote ${entries.length} images to ${out}`);

/** Writes docs/cookbook.md from src/metrics/cookbook.ts: `npm run cookbook`. A doc generator, not part of Marquee. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cookbookMarkdown } from '../src/metrics/cookbook-doc.js';

const out = fileURLToPath(new URL('../docs/cookbook.md', import.meta.url));
writeFileSync(out, cookbookMarkdown());
console.log(`wrote ${out}`);

/** Writes docs/cookbook.md from cookbook.ts: `npx tsx src/metrics/cookbook-cli.ts`. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cookbookMarkdown } from './cookbook-doc.js';

const out = fileURLToPath(new URL('../../docs/cookbook.md', import.meta.url));
writeFileSync(out, cookbookMarkdown());
console.log(`wrote ${out}`);

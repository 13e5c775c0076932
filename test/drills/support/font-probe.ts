// Child process for the font drill: Skia's font registry is process-wide (registerFonts skips once
// the primary family exists), so each broken fonts folder is tried in a fresh process.
import { createRenderer } from '../../../src/render/index.js';
import { BUILTIN_TEMPLATES_DIR, BUILTIN_THEMES_DIR } from '../../../src/paths.js';

try {
  createRenderer({ templateDirs: [BUILTIN_TEMPLATES_DIR], themeDirs: [BUILTIN_THEMES_DIR], fontsDir: process.argv[2]! });
  process.stdout.write('loaded\n');
} catch (err) {
  process.stdout.write(`${(err as Error).message}\n`);
}

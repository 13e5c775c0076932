import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed package's root (holds templates/, themes/, fonts/), whether run from src or dist. */
function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the Marquee package root');
    dir = parent;
  }
  return dir;
}

export const PACKAGE_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));
export const BUILTIN_TEMPLATES_DIR = path.join(PACKAGE_ROOT, 'templates');
export const BUILTIN_THEMES_DIR = path.join(PACKAGE_ROOT, 'themes');
export const FONTS_DIR = path.join(PACKAGE_ROOT, 'fonts');
export const DEMO_POSTERS_DIR = path.join(PACKAGE_ROOT, 'assets', 'demo-posters');
export const PUBLIC_DIR = path.join(PACKAGE_ROOT, 'public');

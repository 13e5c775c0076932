import { readJsonDir, TemplateError } from '../template/load.js';
import { themeFileSchema, toTheme, type Theme } from './schema.js';

/** Loads all themes; checks that every declared dark/light pair names a theme that exists. */
export function loadThemes(dirs: readonly string[]): Map<string, Theme> {
  const out = new Map<string, Theme>();
  const files = new Map<string, string>();
  for (const { file, data } of readJsonDir(dirs, themeFileSchema)) {
    out.set(data.name, toTheme(data));
    files.set(data.name, file);
  }
  for (const t of out.values()) {
    if (t.pair !== null && !out.has(t.pair)) {
      throw new TemplateError(files.get(t.name) ?? t.name, 'pair', `no theme named "${t.pair}"`);
    }
  }
  return out;
}

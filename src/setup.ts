import path from 'node:path';
import { ConfigError, ONLY_SERVER_LABEL, serverView, type Config } from './config/load.js';
import { formatProblem, metricFields, STORE_SCHEMA, validateMetrics } from './metrics/index.js';
import { BUILTIN_TEMPLATES_DIR, BUILTIN_THEMES_DIR, FONTS_DIR } from './paths.js';
import { buildInventory, type Inventory } from './privacy/inventory.js';
import { codePoint } from './render/coverage.js';
import { createRenderer, type Renderer } from './render/index.js';
import type { ImageDefinition } from './server/routes/images.js';
import { builtinFields, extendCatalogue, type FieldCatalogue } from './snapshot/fields.js';
import { checkPrivateSections } from './sources/private-sections.js';
import { STORE_FILE } from './stores/sqlite/sqlite-store.js';

/**
 * What a configuration draws, resolved from files that ship with Marquee or that the user points
 * at (templates, themes, fonts): read-only, no data directory, no database. `serve`, `render`,
 * `check-config` and `privacy` all start here; only `serve` and `collect` go on to build a runtime.
 */
export interface Drawing {
  catalogue: FieldCatalogue;
  renderer: Renderer;
  images: Map<string, ImageDefinition>;
  inventory: Inventory;
}

/** Built-in templates each get a same-named image unless the config defines its own list. */
export function defaultImages(templates: Iterable<string>): Map<string, ImageDefinition> {
  return new Map(
    [...templates].map((t) => [t, { template: t, theme: 'dark', maxAgeS: 60, minMaxAgeS: 30, cacheMode: 'max-age' as const }]),
  );
}

/** Templates, themes and fonts loaded and checked, every image's template and theme resolved. */
export function loadDrawing(config: Config): Drawing {
  const catalogue = extendCatalogue(builtinFields(), metricFields(config.metrics));
  const renderer = createRenderer({
    templateDirs: [BUILTIN_TEMPLATES_DIR, ...(config.render.templatesDir ? [config.render.templatesDir] : [])],
    themeDirs: [BUILTIN_THEMES_DIR, ...(config.render.themesDir ? [config.render.themesDir] : [])],
    fontsDir: FONTS_DIR,
    fieldCatalogue: catalogue,
  });
  const images = config.images ? new Map(Object.entries(config.images)) : defaultImages(renderer.templates.keys());
  for (const [name, image] of images) {
    if (!renderer.templates.has(image.template)) throw new Error(`images.${name}.template: unknown template "${image.template}"`);
    if (!renderer.themes.has(image.theme)) throw new Error(`images.${name}.theme: unknown theme "${image.theme}"`);
  }
  const inventory = buildInventory({ catalogue, templates: renderer.templates, images, sheets: config.store.write !== 'sqlite' });
  return { catalogue, renderer, images, inventory };
}

/**
 * Custom metrics and privacy.privateSections checked against the databases they name, opened
 * read-only (Plex's and Tautulli's as the sources open them). Throws a ConfigError naming every
 * problem; returns what could not be checked now (a database that cannot be read yet).
 *
 * `storeSchemaOnly`: check `source: marquee` metrics against the store's migrations in memory
 * instead of opening marquee.db (check-config: opening it read-only would leave -wal/-shm files).
 */
export function checkDatabases(config: Config, options: { storeSchemaOnly?: boolean } = {}): string[] {
  if (config.servers.length === 1 && config.servers[0]!.label === ONLY_SERVER_LABEL) return checkServerDatabases(config, options);
  // A `servers:` list (issue 20): each server against its own databases and policy, every message
  // naming it. A private section of the global policy need only exist on some server (a 4K server
  // has no "Kids" section); it is an error only when no server that could be read has it.
  const notes: string[] = [];
  const global = new Set<string | number>(config.privacy.privateSections);
  // A global entry: where it matches, and what each readable server says of it. A server's own entry
  // (its privacy override) must match on that server.
  const entries = new Map<string | number, { matched: boolean; problems: string[] }>();
  const own: string[] = [];
  for (const server of config.servers) {
    const view = serverView(config, server);
    try {
      const checked = checkServerDatabases({ ...view, privacy: { ...view.privacy, privateSections: [] } }, options);
      notes.push(...checked.map((n) => `${server.label}: ${n}`));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      throw new ConfigError(
        `${server.label}: ${err.message}`,
        err.issues.map((issue) => `${server.label}: ${issue}`),
      );
    }
    for (const entry of view.privacy.privateSections) {
      const unmatched = checkPrivateSections(view.plex.db, [entry]);
      if (!unmatched) {
        notes.push(`${server.label}: privacy.privateSections not checked: the Plex database cannot be read now`);
        continue;
      }
      const problems = unmatched.map((p) => `${server.label}.privacy.privateSections: ${p}`);
      if (!global.has(entry)) {
        own.push(...problems);
        continue;
      }
      const seen = entries.get(entry) ?? { matched: false, problems: [] };
      entries.set(entry, seen);
      if (unmatched.length === 0) seen.matched = true;
      else seen.problems.push(...problems);
    }
  }
  const nowhere = [...entries.values()].filter((e) => !e.matched).flatMap((e) => e.problems);
  const problems = [...own, ...nowhere];
  if (problems.length) throw new ConfigError(`invalid privacy.privateSections:\n  - ${problems.join('\n  - ')}`, problems);
  return [...new Set(notes)];
}

function checkServerDatabases(config: Config, options: { storeSchemaOnly?: boolean }): string[] {
  const notChecked: string[] = [];
  const metricDbs = {
    plex: config.plex.db,
    tautulli: config.tautulli.db,
    marquee: options.storeSchemaOnly ? STORE_SCHEMA : path.join(config.dataDir, STORE_FILE),
  };
  const problems = validateMetrics(config.metrics, metricDbs, { privateSections: config.privacy.privateSections }).map(formatProblem);
  if (problems.length) throw new ConfigError(`invalid metrics:\n  - ${problems.join('\n  - ')}`, problems);
  const unmatched = checkPrivateSections(config.plex.db, config.privacy.privateSections);
  if (unmatched?.length) throw new ConfigError(`invalid privacy.privateSections:\n  - ${unmatched.join('\n  - ')}`, unmatched);
  if (!unmatched) notChecked.push('privacy.privateSections not checked: the Plex database cannot be read now');
  return notChecked;
}

/** Code points named per warning; the rest are counted. */
const NAMED_CHARACTERS = 8;

/**
 * check-config's warnings for configured locales no configured font can draw (their words,
 * numbers and dates as every template draws them): one line per locale, empty when all draw.
 * A warning, not an error: the image still renders, with boxes where those characters go.
 */
export function fontWarnings(renderer: Renderer, locales: readonly string[]): string[] {
  return renderer
    .fontCoverage(locales, null)
    .locales.filter((l) => l.missing.length > 0)
    .map(({ locale, missing }) => {
      const named = missing.slice(0, NAMED_CHARACTERS).map(codePoint).join(' ');
      const more = missing.length > NAMED_CHARACTERS ? ` and ${missing.length - NAMED_CHARACTERS} more` : '';
      return `render.locale ${locale}: no configured font draws ${missing.length} of its character(s): ${named}${more}; they would be drawn as empty boxes`;
    });
}

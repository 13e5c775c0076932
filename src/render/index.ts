import { join } from 'node:path';
import sharp from 'sharp';
import { PACKAGE_ROOT } from '../paths.js';
import { builtinFields, type FieldCatalogue } from '../snapshot/fields.js';
import type { HistoryPoint, Snapshot } from '../snapshot/schema.js';
import { createGlyphCheck } from './coverage.js';
import type { DrawList, TextOp } from './drawlist.js';
import { createMeasurer, registerFonts } from './fonts.js';
import { NOW as DEMO_NOW, typeOnlySnapshot } from './gallery/demo-data.js';
import { Formatter } from './format.js';
import { loadCatalogues, matchCatalogue, Messages, REFERENCE_LOCALE } from './i18n/catalogue.js';
import { layoutError } from './layout/error.js';
import { layout as layoutPure } from './layout/index.js';
import { posterRef } from './layout/poster.js';
import { encodePng } from './paint/encode.js';
import { buildIconPaths, decodeImages, paint, paintSvg, takePixels, type ImageMemo } from './paint/paint.js';
import { TextStamps } from './paint/stamps.js';
import { PixelPool } from './paint/pool.js';
import { PixelReclaimer } from './paint/reclaim.js';
import { loadTemplates, type Template } from './template/load.js';
import { loadThemes } from './theme/load.js';
import { applyOverrides, type ColourOverrides } from './theme/overrides.js';
import type { Theme } from './theme/schema.js';

export type { DrawList, DrawOp } from './drawlist.js';
export type { Formatter } from './format.js';
export type { Template } from './template/load.js';
export type { Theme } from './theme/schema.js';
export { TemplateError } from './template/load.js';
export { colourOverridesSchema, type ColourOverrides } from './theme/overrides.js';

export interface RenderParams {
  scale: 1 | 2;
  /**
   * BCP 47 tag: numbers, dates and lists follow it (Intl); words come from the closest message
   * catalogue (fr-CA -> fr, anything unknown -> en). Invalid tags fall back to 'en'.
   */
  locale?: string;
  /** IANA zone for absolute times; default 'UTC' (never the host's zone). */
  timeZone?: string;
  overrides?: ColourOverrides;
  /** Replaces the template's {title} (github-readme-stats custom_title). */
  title?: string;
  /** 'svg': the same draw list as vectors (svg.ts); absent: PNG. Part of the ETag, as every param. */
  format?: 'svg';
}

export interface RenderInput {
  snapshot: Snapshot | null;
  history: HistoryPoint[];
  template: string;
  theme: string;
  params: RenderParams;
  /** Epoch ms: the only clock the renderer sees. */
  now: number;
  /** Thumb path -> already-processed (blurred) image bytes, from the poster cache. */
  posters?: ReadonlyMap<string, Buffer>;
  staleAfterMs: number;
}

export interface RenderedImage {
  /** The encoded image: PNG, or SVG when the params asked for format 'svg'. */
  png: Buffer;
  width: number;
  height: number;
}

/** Characters no font draws (they would be tofu), from Renderer.fontCoverage. */
export interface FontCoverage {
  /** Per locale asked about: characters its words, numbers and dates need. */
  locales: { locale: string; missing: string[] }[];
  /** Characters of the snapshot's drawn text (titles, names, metric values) beyond the locales'. */
  drawn: string[];
}

export interface RenderErrorOptions {
  template?: string;
  width?: number;
  height?: number;
  theme?: string;
  scale?: 1 | 2;
  locale?: string;
  message: string;
}

export interface Renderer {
  templates: ReadonlyMap<string, Template>;
  themes: ReadonlyMap<string, Theme>;
  catalogue: FieldCatalogue;
  /** Locales with a message catalogue (en, fr, pt-BR, ...), reference first. */
  locales: string[];
  /** Pure: the draw list for an input. Throws RenderInputError for an unknown template/theme. */
  layout(input: RenderInput): DrawList;
  render(input: RenderInput): Promise<RenderedImage>;
  /** An error image in the requested theme and size; never throws. */
  renderError(opts: RenderErrorOptions): Promise<RenderedImage>;
  /** Thumb paths a template would draw for this snapshot: fetch these from the poster cache. */
  postersFor(template: string, snapshot: Snapshot | null): string[];
  /**
   * Which characters of these locales (their catalogue's words and Intl's numbers, units and
   * times, as every template draws them) and of the snapshot's drawn text no configured font
   * draws. For /health and check-config: a locale or a title that would be drawn as tofu is
   * reported, never drawn silently. Remembered per locale and per snapshot, so a monitor polling
   * /health costs a lookup, not a layout.
   */
  fontCoverage(locales: readonly string[], snapshot: Snapshot | null): FontCoverage;
  /** The words and numbers an image in this locale and zone draws (for what is said beside it: shields badges). */
  formatter(locale?: string, timeZone?: string): Formatter;
}

export interface RendererOptions {
  templateDirs: string[];
  themeDirs: string[];
  fontsDir: string;
  /** Message catalogues (locales/*.json); default: the package's own. */
  localesDir?: string;
  /** Defaults to the built-in catalogue; pass an extended one to allow metrics.* fields. */
  fieldCatalogue?: FieldCatalogue;
}

export class RenderInputError extends Error {
  constructor(
    readonly code: 'unknown-template' | 'unknown-theme',
    message: string,
  ) {
    super(message);
    this.name = 'RenderInputError';
  }
}

const DEFAULT_THEME = 'dark';

/**
 * Idle pixel buffers kept for reuse, up to 2 MB each (the signature at 2x; not og, nor stats and
 * nowplaying at 2x). Held for good, so they count in idle RSS (`npm run bench`, phase 5).
 */
const PIXEL_POOL_BYTES = 4 * 1024 * 1024;
const PIXEL_POOL_BUFFER_BYTES = 2 * 1024 * 1024;
/** Pixel bytes the pool let die between requested collections: two og renders at 2x. */
const PIXEL_GARBAGE_BYTES = 24 * 1024 * 1024;

/** Loads and validates templates, themes and fonts once; throws TemplateError on a bad file. */
export function createRenderer(opts: RendererOptions): Renderer {
  // libvips' operation cache (process-wide, 50 MB by default) never hits here: every input is a
  // fresh pixel buffer, and decoded posters are kept by the poster cache. It only held ~13 MB of
  // dead images at idle (`npm run bench`, phase 5).
  sharp.cache(false);
  const catalogue = opts.fieldCatalogue ?? builtinFields();
  const catalogues = loadCatalogues([opts.localesDir ?? join(PACKAGE_ROOT, 'locales')]);
  const messages = new Map([...catalogues].map(([k, c]) => [k, new Messages(c)]));
  const templates = loadTemplates(opts.templateDirs, catalogue, catalogues.get(REFERENCE_LOCALE)!);
  const themes = loadThemes(opts.themeDirs);
  if (themes.size === 0) throw new RenderInputError('unknown-theme', `no themes found in ${opts.themeDirs.join(', ')}`);
  registerFonts(opts.fontsDir);
  const measure = createMeasurer();
  const reclaimer = new PixelReclaimer(PIXEL_GARBAGE_BYTES);
  const pixelPool = new PixelPool(PIXEL_POOL_BYTES, PIXEL_POOL_BUFFER_BYTES, (bytes) => reclaimer.released(bytes));
  const iconPaths = buildIconPaths();
  const textStamps = new TextStamps({ measure });
  const formatters = new Map<string, Formatter>();
  const decoded: ImageMemo = new Map();

  const formatter = (locale?: string, tz?: string): Formatter => {
    const key = `${locale ?? ''}|${tz ?? ''}`;
    let f = formatters.get(key);
    if (!f) {
      if (formatters.size > 64) formatters.clear();
      f = new Formatter(locale, tz, messages.get(matchCatalogue(catalogues, locale).locale)!);
      formatters.set(key, f);
    }
    return f;
  };

  const layout = (input: RenderInput): DrawList => {
    const template = templates.get(input.template);
    if (!template) throw new RenderInputError('unknown-template', `no template named "${input.template}"`);
    const base = themes.get(input.theme);
    if (!base) throw new RenderInputError('unknown-theme', `no theme named "${input.theme}"`);
    const p = input.params;
    return layoutPure({
      snapshot: input.snapshot,
      history: input.history,
      template,
      theme: applyOverrides(base, p.overrides),
      scale: p.scale === 2 ? 2 : 1,
      title: p.title ?? template.title,
      fmt: formatter(p.locale, p.timeZone),
      now: input.now,
      staleAfterMs: input.staleAfterMs,
      measure,
      catalogue,
      posters: new Set(input.posters?.keys() ?? []),
    });
  };

  const draw = async (list: DrawList, posters?: ReadonlyMap<string, Buffer>): Promise<RenderedImage> => {
    const pixels = takePixels(paint(list, iconPaths, await decodeImages(list, posters, decoded), textStamps), pixelPool);
    try {
      return { png: await encodePng(pixels, list.encode, list.maxBytes, pixelPool), width: pixels.width, height: pixels.height };
    } finally {
      // Only now: sharp reads the buffer until the encode settles.
      pixelPool.release(pixels.data);
    }
  };

  const renderError = async (o: RenderErrorOptions): Promise<RenderedImage> => {
    const t = o.template === undefined ? undefined : templates.get(o.template);
    const width = clampSize(o.width ?? t?.width ?? 500);
    const height = clampSize(o.height ?? t?.height ?? 100);
    const scale = o.scale === 2 ? 2 : 1;
    try {
      const theme = themes.get(o.theme ?? '') ?? themes.get(DEFAULT_THEME) ?? [...themes.values()][0];
      if (!theme) throw new Error('no theme');
      return await draw(layoutError(theme, width, height, scale, o.message, measure, formatter(o.locale)));
    } catch {
      return plainError(width * scale, height * scale);
    }
  };

  const postersFor = (name: string, snapshot: Snapshot | null): string[] => {
    const specs = templates.get(name)?.widgets.map((w) => w.spec) ?? [];
    const thumbs = [
      ...(specs.some((s) => s.type === 'nowplaying' && s.posters) ? (snapshot?.activity?.streams.map(posterRef) ?? []) : []),
      ...(specs.some((s) => s.type === 'recent' && s.posters) ? (snapshot?.library?.recentlyAdded.map(posterRef) ?? []) : []),
    ];
    return [...new Set(thumbs.filter((x): x is string => x !== null))];
  };

  const glyphs = createGlyphCheck();
  const textsOf = (snapshot: Snapshot | null, locale: string, now: number): string[] => {
    const theme = themes.has(DEFAULT_THEME) ? DEFAULT_THEME : [...themes.keys()][0]!;
    return [...templates.keys()].flatMap((template) =>
      layout({ snapshot, history: [], template, theme, params: { scale: 1, locale }, now, staleAfterMs: Infinity }).ops.flatMap((o) =>
        o.op === 'text' ? [(o as TextOp).text] : [],
      ),
    );
  };
  const localeMissing = new Map<string, string[]>();
  const missingFor = (locale: string): string[] => {
    let missing = localeMissing.get(locale);
    if (!missing) {
      const words = [...matchCatalogue(catalogues, locale).messages.values()].flatMap((m) =>
        (m.kind === 'text' ? [m.segments] : Object.values(m.forms)).flatMap((segs) =>
          segs.flatMap((s) => (s.kind === 'lit' ? [s.text] : [])),
        ),
      );
      missing = glyphs.missing([...words, ...textsOf(typeOnlySnapshot(), locale, DEMO_NOW)]);
      if (localeMissing.size > 64) localeMissing.clear();
      localeMissing.set(locale, missing);
    }
    return missing;
  };
  // Keyed by when the snapshot was taken: a store may hand out a fresh copy of the same one.
  let drawnMemo: { takenAt: number | null; locale: string; missing: string[] } | null = null;
  const fontCoverage = (locales: readonly string[], snapshot: Snapshot | null): FontCoverage => {
    const report = locales.map((locale) => ({ locale, missing: missingFor(locale) }));
    const first = locales[0] ?? REFERENCE_LOCALE;
    const takenAt = snapshot?.takenAt ?? null;
    if (drawnMemo?.takenAt !== takenAt || drawnMemo.locale !== first) {
      const known = new Set(report.flatMap((r) => r.missing));
      const missing = snapshot ? glyphs.missing(textsOf(snapshot, first, snapshot.takenAt)).filter((ch) => !known.has(ch)) : [];
      drawnMemo = { takenAt, locale: first, missing };
    }
    return { locales: report, drawn: drawnMemo.missing };
  };

  return {
    templates,
    themes,
    catalogue,
    locales: [...catalogues.keys()].sort((a, b) => (a === REFERENCE_LOCALE ? -1 : b === REFERENCE_LOCALE ? 1 : a.localeCompare(b))),
    layout,
    render: async (input) => {
      const list = layout(input);
      if (input.params.format !== 'svg') return draw(list, input.posters);
      const svg = paintSvg(list, iconPaths, await decodeImages(list, input.posters, decoded));
      return { png: svg, width: Math.round(list.width * list.scale), height: Math.round(list.height * list.scale) };
    },
    renderError,
    postersFor,
    fontCoverage,
    formatter,
  };
}

function clampSize(n: number): number {
  return Number.isFinite(n) ? Math.min(Math.max(Math.round(n), 8), 2000) : 100;
}

/** Last resort when even the themed error image fails: a flat grey PNG of the right size. */
async function plainError(width: number, height: number): Promise<RenderedImage> {
  const png = await sharp({ create: { width, height, channels: 3, background: { r: 110, g: 110, b: 110 } } })
    .png()
    .toBuffer();
  return { png, width, height };
}

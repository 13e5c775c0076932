import { z } from 'zod';
import type { RenderParams } from '../render/index.js';
import { colourOverridesSchema } from '../render/theme/overrides.js';
import { isServerId } from '../snapshot/server-key.js';
import { InvalidParameter, NotFound, type ErrorLook, type ImageError } from './errors.js';

/**
 * Parses an image path into (name, suffix, scale, format). Forum software often strips or refuses
 * query strings, so theme, size preset and scale also have query-free spellings:
 *
 *   /i/<name>[-<suffix>][@2x].<format>     format: png | svg | json | shields.json
 *
 * The suffix is resolved against the catalogue by resolveSuffix: image names have no `-`, so the
 * first `-` always starts the suffix.
 */
const pathPattern =
  /^(?<name>[a-z0-9][a-z0-9_]{0,63})(?:-(?<suffix>[a-z0-9][a-z0-9_-]{0,128}?))?(?:@(?<scale>[12])x)?\.(?<format>png|svg|json|shields\.json)$/;

export type ImageFormat = 'png' | 'svg' | 'json' | 'shields.json';

export interface ImagePath {
  name: string;
  /** Everything between the name's `-` and `@2x` / the extension: a theme, a preset, or both. */
  suffix?: string;
  scale?: 1 | 2;
  format: ImageFormat;
}

export function parseImagePath(file: string): ImagePath | null {
  const m = pathPattern.exec(file);
  if (!m?.groups) return null;
  const { name, suffix, scale, format } = m.groups;
  return {
    name: name!,
    ...(suffix ? { suffix } : {}),
    ...(scale ? { scale: Number(scale) as 1 | 2 } : {}),
    format: format as ImageFormat,
  };
}

const PRESET = /^[a-z0-9][a-z0-9_]{0,63}$/;

/**
 * The path suffix's one reading, in this order:
 *   1. the whole suffix names a theme: `signature-nord` (as before size presets had paths);
 *   2. else it is `<preset>` or `<preset>-<theme>`, split at the first `-` (a preset is a template
 *      name, which in URLs has no `-`): `signature-banner`, `signature-banner-nord_light`.
 * A theme therefore wins over a template of the same name, so an existing themed URL never changes
 * meaning when a template is added. `undefined` when the suffix reads neither way.
 */
export function resolveSuffix(
  suffix: string,
  catalogue: Pick<ImageCatalogue, 'templates' | 'themes'>,
): { theme?: string; preset?: string } | undefined {
  if (catalogue.themes.has(suffix)) return { theme: suffix };
  const dash = suffix.indexOf('-');
  const preset = dash < 0 ? suffix : suffix.slice(0, dash);
  const theme = dash < 0 ? undefined : suffix.slice(dash + 1);
  if (!PRESET.test(preset) || !catalogue.templates.has(preset)) return undefined;
  if (theme !== undefined && !catalogue.themes.has(theme)) return undefined;
  return { preset, ...(theme !== undefined ? { theme } : {}) };
}

/** Query overrides; unknown keys are ignored (zod strips them), bad values are a 400. */
export const imageQuerySchema = colourOverridesSchema.extend({
  theme: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/)
    .optional(),
  scale: z.coerce.number().int().min(1).max(2).optional(),
  /**
   * Size preset: draw the image with another template, by name (`banner` 468x60, `card` 500x100,
   * `userbar` 350x19...), keeping its theme and colours: one image definition, every size.
   */
  size: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_]{0,63}$/)
    .optional(),
  locale: z
    .string()
    .max(35)
    .refine((l) => {
      try {
        return Intl.getCanonicalLocales(l).length === 1;
      } catch {
        return false;
      }
    }, 'not a BCP 47 locale tag')
    .optional(),
  /** Ask for longer caching than the owner's default; never shorter than the floor. */
  cache_seconds: z.coerce
    .number()
    .int()
    .min(0)
    .max(86_400 * 7)
    .optional(),
});
export type ImageQuery = z.infer<typeof imageQuerySchema>;

/** Express parses repeated keys into arrays; the last value wins, as browsers and proxies expect. */
export function lastValues(query: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? v.at(-1) : v]));
}

/** A named image from the config: what to draw and how long caches may keep it. */
export interface ImageDefinition {
  template: string;
  theme: string;
  maxAgeS: number;
  minMaxAgeS: number;
  cacheMode: 'max-age' | 'no-cache';
  alt?: string;
}

/** What a request may name: the configured images and the loaded templates and themes. */
export interface ImageCatalogue {
  images: ReadonlyMap<string, ImageDefinition>;
  templates: { has(name: string): boolean };
  themes: { has(name: string): boolean };
  /** The owner's defaults, used when the request names none. */
  locale: string;
  timeZone: string;
  /**
   * The Plex servers a URL may name (`/i/<server>/<name>.png`). Absent: any well-formed id, for
   * callers that check the server themselves.
   */
  servers?: { has(id: string): boolean };
}

/** One image request, fully resolved: everything the route needs to answer it. */
export interface ImageRequest {
  /**
   * Which Plex server the image is of: '' for `/i/<name>.png` (the network with several servers,
   * else the only one), a server id for `/i/<server>/<name>.png`. Part of every ETag and pin key.
   */
  server: string;
  name: string;
  format: ImageFormat;
  image: ImageDefinition;
  template: string;
  theme: string;
  params: RenderParams;
  /** Longer caching asked for by the request, if any. */
  cacheSeconds?: number;
  /** How an error answering this request looks. */
  look: ErrorLook;
}

export type ParsedImageRequest = { ok: true; request: ImageRequest } | { ok: false; error: ImageError };

/**
 * Route parameters and query -> an image request, or the typed error that answers it. Pure: no
 * request object, no clock, no I/O, so every route (`/i/`, `/v/`, with or without a server) resolves
 * a URL the same way, and tests table it.
 */
export function parseImageRequest(
  params: { file: string; server?: string },
  rawQuery: Record<string, unknown>,
  catalogue: ImageCatalogue,
): ParsedImageRequest {
  const path = parseImagePath(params.file);
  const image = path ? catalogue.images.get(path.name) : undefined;
  const server = params.server ?? '';
  if (!path || !image) {
    return { ok: false, error: new NotFound('unknown image', { format: path?.format ?? 'png', scale: path?.scale ?? 1 }) };
  }
  const query = imageQuerySchema.safeParse(lastValues(rawQuery));
  const fromPath = path.suffix === undefined ? {} : resolveSuffix(path.suffix, catalogue);
  const theme = fromPath?.theme ?? (query.success ? query.data.theme : undefined) ?? image.theme;
  const scale = path.scale ?? (query.success ? (query.data.scale as 1 | 2 | undefined) : undefined) ?? 1;
  const look: ErrorLook = {
    format: path.format,
    template: image.template,
    theme: catalogue.themes.has(theme) ? theme : image.theme,
    scale,
  };
  const invalid = (message: string): ParsedImageRequest => ({ ok: false, error: new InvalidParameter(message, look) });
  // Drawn as the image it stands in for (a forum signature keeps its size), from the error cache:
  // the look is (template, theme) of the catalogue, so a stranger's ids never become cache keys.
  if (server !== '' && (!isServerId(server) || (catalogue.servers && !catalogue.servers.has(server)))) {
    return { ok: false, error: new NotFound('unknown server', look) };
  }
  // An unreadable suffix was, before presets had paths, always an unknown theme: keep that answer.
  if (!fromPath) return invalid('unknown theme or size');
  if (!query.success) return invalid(`bad ${query.error.issues[0]?.path.join('.') || 'parameter'}`);
  if (!catalogue.themes.has(theme)) return invalid('unknown theme');
  // The path's spelling wins over the query's, for the preset as for the theme.
  const template = fromPath.preset ?? query.data.size ?? image.template;
  if (!catalogue.templates.has(template)) return invalid('unknown size');
  const { theme: _t, scale: _s, size: _z, locale, cache_seconds: cacheSeconds, ...overrides } = query.data;
  return {
    ok: true,
    request: {
      server,
      name: path.name,
      format: path.format,
      image,
      template,
      theme,
      params: {
        scale,
        ...(path.format === 'svg' ? { format: 'svg' as const } : {}),
        locale: locale ?? catalogue.locale,
        timeZone: catalogue.timeZone,
        ...(Object.keys(overrides).length ? { overrides } : {}),
      },
      ...(cacheSeconds !== undefined ? { cacheSeconds } : {}),
      look,
    },
  };
}

/** The ETag part of a versioned URL: what RenderService.etagFor writes between the quotes. */
export const VERSION_PATTERN = /^[A-Za-z0-9_-]{27}$/;

import { z } from 'zod';
import { colourOverridesSchema } from '../render/theme/overrides.js';

/**
 * Parses an image path into (name, theme variant, scale, format). Forum software often strips or
 * refuses query strings, so theme and scale also have query-free spellings:
 * `/i/<name>.png`, `/i/<name>-<theme>.png`, `/i/<name>@2x.png`, `/i/<name>-<theme>@2x.png`,
 * and `.json` / `.shields.json` for the data behind the image.
 */
const pathPattern =
  /^(?<name>[a-z0-9][a-z0-9_]{0,63})(?:-(?<theme>[a-z0-9][a-z0-9_-]{0,63}?))?(?:@(?<scale>[12])x)?\.(?<format>png|json|shields\.json)$/;

export type ImageFormat = 'png' | 'json' | 'shields.json';

export interface ImagePath {
  name: string;
  theme?: string;
  scale?: 1 | 2;
  format: ImageFormat;
}

export function parseImagePath(file: string): ImagePath | null {
  const m = pathPattern.exec(file);
  if (!m?.groups) return null;
  const { name, theme, scale, format } = m.groups;
  return {
    name: name!,
    ...(theme ? { theme } : {}),
    ...(scale ? { scale: Number(scale) as 1 | 2 } : {}),
    format: format as ImageFormat,
  };
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

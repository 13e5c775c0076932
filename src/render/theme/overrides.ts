import { z } from 'zod';
import { parseFill, parseHex, type Fill, type Rgba } from '../colour.js';
import type { Theme } from './schema.js';

const hex = z
  .string()
  .max(16)
  .refine((s) => parseHex(s) !== null, { message: 'expected a hex colour' });

/**
 * Per-request colour overrides with github-readme-stats names, so users can copy their habits.
 * The server validates query strings with this schema; the renderer re-checks nothing and simply
 * applies what parses, so a bad value can never break an image.
 */
export const colourOverridesSchema = z.object({
  /** Hex (3/4/6/8 digits, alpha allowed) or 'angle,hex1,hex2[,...hex10]'. */
  bg_color: z
    .string()
    .max(120)
    .refine((s) => parseFill(s) !== null, { message: "expected a hex colour or 'angle,hex1,hex2'" })
    .optional(),
  text_color: hex.optional(),
  title_color: hex.optional(),
  icon_color: hex.optional(),
  accent_color: hex.optional(),
  border_color: hex.optional(),
  border_radius: z.coerce.number().min(0).max(40).optional(),
  hide_border: z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]).optional(),
});
export type ColourOverrides = z.input<typeof colourOverridesSchema>;

function hexOr(v: string | undefined, fallback: Rgba): Rgba {
  return (v === undefined ? null : parseHex(v)) ?? fallback;
}

/** The theme with the caller's overrides applied; values that do not parse are ignored. */
export function applyOverrides(theme: Theme, o: ColourOverrides | undefined): Theme {
  if (!o) return theme;
  const c = theme.colours;
  const accent = hexOr(o.icon_color ?? o.accent_color, c.accent);
  const bg: Fill = (o.bg_color === undefined ? null : parseFill(o.bg_color)) ?? theme.background;
  const radius = Number(o.border_radius);
  const hide = o.hide_border === true || o.hide_border === 'true';
  return {
    ...theme,
    background: bg,
    colours: {
      ...c,
      text: hexOr(o.text_color, c.text),
      title: hexOr(o.title_color, c.title),
      accent,
      border: hexOr(o.border_color, c.border),
    },
    borderRadius: o.border_radius !== undefined && Number.isFinite(radius) ? Math.min(Math.max(radius, 0), 40) : theme.borderRadius,
    hideBorder: o.hide_border === undefined ? theme.hideBorder : hide,
  };
}

import { z } from 'zod';
import { parseFill, parseHex, type Fill, type Rgba } from '../colour.js';

/** Every colour a widget may ask for. Layout resolves these names; paint only sees RGBA. */
export const colourRoles = [
  'title',
  'text',
  'muted',
  'accent',
  'border',
  'track',
  'panel',
  'ok',
  'warn',
  'bad',
  'offline',
  'stale',
] as const;
export type ColourRole = (typeof colourRoles)[number];

const hex = z.string().refine((s) => parseHex(s) !== null, { message: 'expected a hex colour like #1e2127' });
const fill = z.string().refine((s) => parseFill(s) !== null, { message: "expected a hex colour or 'angle,#hex1,#hex2'" });

export const themeFileSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().regex(/^[a-z0-9_-]+$/, 'lower-case letters, digits, - and _ only'),
  description: z.string(),
  mode: z.enum(['dark', 'light']),
  /** The other half of a dark/light pair, for <picture> and #gh-dark-mode-only snippets. */
  pair: z.string().optional(),
  background: fill,
  colours: z.strictObject(Object.fromEntries(colourRoles.map((r) => [r, hex])) as Record<ColourRole, typeof hex>),
  borderRadius: z.number().min(0).max(40).default(8),
  hideBorder: z.boolean().default(false),
});
export type ThemeFile = z.infer<typeof themeFileSchema>;

export interface Theme {
  name: string;
  description: string;
  mode: 'dark' | 'light';
  pair: string | null;
  background: Fill;
  colours: Record<ColourRole, Rgba>;
  borderRadius: number;
  hideBorder: boolean;
}

export function toTheme(f: ThemeFile): Theme {
  const colours = Object.fromEntries(colourRoles.map((r) => [r, parseHex(f.colours[r]) as Rgba]));
  return {
    name: f.name,
    description: f.description,
    mode: f.mode,
    pair: f.pair ?? null,
    background: parseFill(f.background) as Fill,
    colours: colours as Record<ColourRole, Rgba>,
    borderRadius: f.borderRadius,
    hideBorder: f.hideBorder,
  };
}

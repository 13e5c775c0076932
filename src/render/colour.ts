/**
 * Colours as plain numbers. Layout resolves every theme reference to an RGBA value so paint never
 * has to know about themes; gradients stay symbolic so paint can draw them as bands (Skia dithers
 * real gradients, which triples PNG size and encode time; see render-baseline.md).
 */

export interface Rgba {
  r: number;
  g: number;
  b: number;
  /** 0..1 */
  a: number;
}

export interface Gradient {
  /** Degrees, github-readme-stats convention: 0 runs left to right, 90 top to bottom. */
  angle: number;
  stops: Rgba[];
}

export type Fill = Rgba | Gradient;

export function isGradient(f: Fill): f is Gradient {
  return 'stops' in f;
}

const HEX = /^#?([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;

/** Parses 3/4/6/8-digit hex with or without '#', or 'transparent'. Returns null when invalid. */
export function parseHex(input: string): Rgba | null {
  const s = input.trim();
  if (s.toLowerCase() === 'transparent') return { r: 0, g: 0, b: 0, a: 0 };
  const m = HEX.exec(s);
  if (!m?.[1]) return null;
  let h = m[1];
  if (h.length <= 4) h = [...h].map((c) => c + c).join('');
  const n = (i: number): number => parseInt(h.slice(i, i + 2), 16);
  return { r: n(0), g: n(2), b: n(4), a: h.length === 8 ? Math.round((n(6) / 255) * 1000) / 1000 : 1 };
}

/** 'angle,hex1,hex2[,...]' (github-readme-stats bg_color) or a single hex. */
export function parseFill(input: string): Fill | null {
  const parts = input.split(',').map((p) => p.trim());
  if (parts.length === 1) return parseHex(input);
  const angle = Number(parts[0]);
  const stops = parts.slice(1).map(parseHex);
  if (!Number.isFinite(angle) || stops.length < 2 || stops.length > 10) return null;
  if (stops.some((c) => c === null)) return null;
  return { angle, stops: stops as Rgba[] };
}

export function css(c: Rgba): string {
  return c.a >= 1 ? `rgb(${c.r},${c.g},${c.b})` : `rgba(${c.r},${c.g},${c.b},${c.a})`;
}

export function withAlpha(c: Rgba, a: number): Rgba {
  return { ...c, a: c.a * a };
}

export function mix(x: Rgba, y: Rgba, t: number): Rgba {
  const l = (p: number, q: number): number => p + (q - p) * t;
  return { r: Math.round(l(x.r, y.r)), g: Math.round(l(x.g, y.g)), b: Math.round(l(x.b, y.b)), a: l(x.a, y.a) };
}

/** Colour at position t (0..1) along a gradient's stops, evenly spaced. */
export function sampleGradient(g: Gradient, t: number): Rgba {
  const n = g.stops.length - 1;
  const pos = Math.min(Math.max(t, 0), 1) * n;
  const i = Math.min(Math.floor(pos), n - 1);
  return mix(g.stops[i] as Rgba, g.stops[i + 1] as Rgba, pos - i);
}

/** Relative luminance (WCAG) for picking readable text on a coloured pill. */
export function luminance(c: Rgba): number {
  const ch = (v: number): number => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * ch(c.r) + 0.7152 * ch(c.g) + 0.0722 * ch(c.b);
}

/** WCAG contrast ratio of two opaque colours, 1..21. */
export function contrastRatio(a: Rgba, b: Rgba): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** `top` painted over `under` (source-over); the result is as opaque as the two together. */
export function over(top: Rgba, under: Rgba): Rgba {
  const a = top.a + under.a * (1 - top.a);
  if (a === 0) return { r: 0, g: 0, b: 0, a: 0 };
  const ch = (t: number, u: number): number => Math.round((t * top.a + u * under.a * (1 - top.a)) / a);
  return { r: ch(top.r, under.r), g: ch(top.g, under.g), b: ch(top.b, under.b), a };
}

const INK_DARK: Rgba = { r: 0, g: 0, b: 0, a: 1 };
const INK_LIGHT: Rgba = { r: 255, g: 255, b: 255, a: 1 };

/**
 * Black or white, whichever reads better on `bg`. One of the two always reaches 4.58:1 (the worst
 * case is a background of luminance 0.18, where both tie); a near-black ink would fall to 4.35:1.
 */
export function readableInk(bg: Rgba): Rgba {
  return contrastRatio(INK_DARK, bg) >= contrastRatio(INK_LIGHT, bg) ? INK_DARK : INK_LIGHT;
}

/** A representative solid colour of a fill (for contrast decisions). */
export function solidOf(f: Fill): Rgba {
  return isGradient(f) ? sampleGradient(f, 0.5) : f;
}

import type { SKRSContext2D } from '@napi-rs/canvas';
import { css, sampleGradient, type Gradient } from '../colour.js';

/**
 * Fills the current clip with a linear gradient drawn as flat bands, one per distinct colour.
 * Skia's own gradients are dithered; the noise makes PNGs about 2-4x bigger and slower to encode
 * (render-baseline.md §3a). Bands one device pixel wide with distinct colours look the same.
 *
 * Angle follows github-readme-stats: 0 runs left to right, 90 top to bottom.
 */
export function fillBands(ctx: SKRSContext2D, g: Gradient, x: number, y: number, w: number, h: number, step: number): void {
  const a = (g.angle * Math.PI) / 180;
  const dx = Math.cos(a);
  const dy = Math.sin(a);
  const corners = [
    [x, y],
    [x + w, y],
    [x, y + h],
    [x + w, y + h],
  ].map(([px = 0, py = 0]) => px * dx + py * dy);
  const t0 = Math.min(...corners);
  const t1 = Math.max(...corners);
  const span = t1 - t0 || 1;
  // A long enough half-length for a band to cover the rect whatever the angle.
  const L = 2 * (Math.abs(x) + Math.abs(y) + w + h);
  let start = t0;
  let prev = css(sampleGradient(g, 0));
  const flush = (end: number, colour: string): void => {
    ctx.fillStyle = colour;
    // Overlap by one step so anti-aliased band edges never leave a seam.
    const e = Math.min(end + step, t1);
    ctx.beginPath();
    ctx.moveTo(start * dx - L * dy, start * dy + L * dx);
    ctx.lineTo(e * dx - L * dy, e * dy + L * dx);
    ctx.lineTo(e * dx + L * dy, e * dy - L * dx);
    ctx.lineTo(start * dx + L * dy, start * dy - L * dx);
    ctx.closePath();
    ctx.fill();
  };
  for (let t = t0 + step; t < t1; t += step) {
    const c = css(sampleGradient(g, (t - t0) / span));
    if (c !== prev) {
      flush(t, prev);
      start = t;
      prev = c;
    }
  }
  flush(t1, prev);
}

/**
 * The same gradient as a real one, for the SVG backend: there it is a <linearGradient> (no
 * dithering noise to compress), and bands would be hundreds of rects whose anti-aliased edges an
 * SVG rasteriser draws as faint seams.
 */
export function linearGradient(ctx: SKRSContext2D, g: Gradient, x: number, y: number, w: number, h: number) {
  const a = (g.angle * Math.PI) / 180;
  const dx = Math.cos(a);
  const dy = Math.sin(a);
  const t = [x * dx + y * dy, (x + w) * dx + y * dy, x * dx + (y + h) * dy, (x + w) * dx + (y + h) * dy];
  const t0 = Math.min(...t);
  const t1 = Math.max(...t);
  // Points along the gradient's direction whose projections are the rect's extremes.
  const grad = ctx.createLinearGradient(t0 * dx, t0 * dy, t1 * dx, t1 * dy);
  const n = g.stops.length - 1;
  g.stops.forEach((stop, i) => grad.addColorStop(n === 0 ? 0 : i / n, css(stop)));
  return grad;
}

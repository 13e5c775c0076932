import type { Image } from '@napi-rs/canvas';
import type { DrawList } from './drawlist.js';
import { paintSvg, type IconPaths } from './paint/paint.js';

/**
 * /i/<name>.svg: the PNG's draw list painted by Skia's SVG backend (paintSvg), text as outlines.
 *
 * One thing is moved, so the vector image is the raster one: Skia draws a horizontal run of
 * raster text with its baseline rounded to a whole device pixel (a run asked at y = 13.96 sits on
 * row 14; at 13.4, on row 13), while the SVG backend writes outlines at the exact y. Layout puts
 * baselines at fractions of a pixel (centred in their box), so every run of the SVG sat up to half
 * a pixel off the PNG's. Rounding them the same way brought the SVG closer to the PNG in 77 of
 * the 90 template x theme x scale cases of test/render/svg.test.ts (pixels differing by more
 * than 40 in a channel, rasterised by librsvg: 2.09% on average before, 1.79% after).
 *
 * What still differs is the glyphs themselves, and no SVG can carry it: the PNG's text is drawn
 * by Skia's font scaler, which autohints (snaps x-height and cap height to the pixel grid) and
 * boosts the contrast of glyph coverage, while an SVG carries unhinted outlines that every viewer
 * fills as plain shapes (@napi-rs/canvas has no switch for either: textRendering is accepted
 * and changes no pixel). Measured: runs at 9-16 px filled by Skia's own path filler from the
 * SVG's outlines and librsvg's rendering of the SVG differ on 0.03% of pixels; the same runs as
 * Skia's raster text, on 6.7%. Everything but text differs on under 0.01% (svg.test.ts).
 */
export function renderSvg(list: DrawList, icons: IconPaths, images: ReadonlyMap<string, Image>): Buffer {
  return paintSvg(snapBaselines(list), icons, images);
}

/** Each text run's baseline on the device-pixel row Skia's raster text would put it on. */
export function snapBaselines(list: DrawList): DrawList {
  const s = list.scale;
  return { ...list, ops: list.ops.map((op) => (op.op === 'text' ? { ...op, y: Math.round(op.y * s) / s } : op)) };
}

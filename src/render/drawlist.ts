import type { Fill, Rgba } from './colour.js';
import type { IconName } from './icons.js';
import type { EncodeOptions } from './template/schema.js';

/**
 * The draw list: the plain-data boundary between layout (pure, testable structurally) and paint.
 * Coordinates are logical pixels; paint multiplies by `scale`, so scale=2 is the same layout.
 * Every op may carry a `tag` (which widget part drew it) and bars a `value`, so tests can assert
 * "a bar for CPU at 0.42" without looking at pixels.
 */

export type FontWeight = 400 | 600 | 700;

export interface FontSpec {
  size: number;
  weight: FontWeight;
}

interface Tagged {
  tag?: string;
}

export interface RectOp extends Tagged {
  op: 'rect';
  x: number;
  y: number;
  w: number;
  h: number;
  /** One radius, or per corner: top-left, top-right, bottom-right, bottom-left. */
  radius: number | [number, number, number, number];
  fill: Fill | null;
  stroke: Rgba | null;
  strokeWidth: number;
  /** For bars: the fraction 0..1 the rect shows. */
  value?: number;
}

export interface TextOp extends Tagged {
  op: 'text';
  x: number;
  /** Alphabetic baseline. */
  y: number;
  text: string;
  font: FontSpec;
  colour: Rgba;
  align: 'left' | 'center' | 'right';
  /** True when layout cut the text to fit (the original is in `full`). */
  truncated: boolean;
  full: string;
}

export interface PolyOp extends Tagged {
  op: 'poly';
  /** x0, y0, x1, y1, ... */
  points: number[];
  closed: boolean;
  fill: Rgba | null;
  stroke: Rgba | null;
  lineWidth: number;
}

export interface ArcOp extends Tagged {
  op: 'arc';
  cx: number;
  cy: number;
  r: number;
  /** Radians, canvas convention (0 = 3 o'clock, clockwise). */
  start: number;
  end: number;
  lineWidth: number;
  colour: Rgba;
  value?: number;
}

export interface CircleOp extends Tagged {
  op: 'circle';
  cx: number;
  cy: number;
  r: number;
  fill: Rgba;
}

export interface ImageOp extends Tagged {
  op: 'image';
  x: number;
  y: number;
  w: number;
  h: number;
  radius: number;
  /** Key into RenderInput.posters (a Plex thumb path). */
  ref: string;
}

export interface IconOp extends Tagged {
  op: 'icon';
  name: IconName;
  x: number;
  y: number;
  size: number;
  colour: Rgba;
}

export interface ClipOp extends Tagged {
  op: 'clip';
  x: number;
  y: number;
  w: number;
  h: number;
  radius: number;
}

export interface RestoreOp extends Tagged {
  op: 'restore';
}

export type DrawOp = RectOp | TextOp | PolyOp | ArcOp | CircleOp | ImageOp | IconOp | ClipOp | RestoreOp;

export interface DrawList {
  width: number;
  height: number;
  scale: 1 | 2;
  stale: boolean;
  encode: EncodeOptions;
  /** Byte budget at scale 1 (forum limits); the encoder falls back to a palette to meet it. */
  maxBytes?: number;
  ops: DrawOp[];
}

import { PNG } from 'pngjs';

export interface DecodedPng {
  width: number;
  height: number;
  data: Buffer;
  /** Number of distinct RGBA colours, a cheap "is anything drawn here" measure. */
  colours: number;
}

/** Decodes with pngjs, an independent decoder (not the sharp/skia that produced the bytes). */
export function decodePng(bytes: Buffer): DecodedPng {
  const png = PNG.sync.read(bytes);
  const seen = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4) seen.add(png.data.readUInt32BE(i));
  return { width: png.width, height: png.height, data: png.data, colours: seen.size };
}

/** PNG chunk types in file order. */
export function pngChunks(bytes: Buffer): string[] {
  const types: string[] = [];
  for (let offset = 8; offset < bytes.length;) {
    const length = bytes.readUInt32BE(offset);
    types.push(bytes.toString('latin1', offset + 4, offset + 8));
    offset += 12 + length;
  }
  return types;
}

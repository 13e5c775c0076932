import sharp from 'sharp';
import { PNG } from 'pngjs';

/**
 * The golden tests' tolerance (test/golden), and their measure for every other test that compares
 * two renderings: a pixel differs when a colour channel moves more than CHANNEL_TOLERANCE, and at
 * most GOLDEN_SHARE of the pixels may differ.
 */
export const CHANNEL_TOLERANCE = 40;
export const GOLDEN_SHARE = 0.0015;

/** An image decoded by pngjs over an opaque page: invisible (alpha 0) pixels carry no colour to compare. */
export async function onPage(image: Buffer, page: string): Promise<PNG> {
  return PNG.sync.read(await sharp(image).flatten({ background: page }).ensureAlpha().png().toBuffer());
}

/** The share of pixels whose colour channels differ by more than CHANNEL_TOLERANCE. */
export function differingShare(a: PNG, b: PNG): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`sizes differ: ${a.width}x${a.height} and ${b.width}x${b.height}`);
  let bad = 0;
  for (let k = 0; k < a.data.length; k += 4) {
    let m = 0;
    for (let c = 0; c < 3; c++) m = Math.max(m, Math.abs(a.data[k + c]! - b.data[k + c]!));
    if (m > CHANNEL_TOLERANCE) bad++;
  }
  return bad / (a.width * a.height);
}

import sharp from 'sharp';

export type PosterMode = 'blur' | 'hide' | 'show';

/** Stored size: enough for the largest slot (og at scale 2 is about 130x195 device pixels). */
export const POSTER_WIDTH = 140;
export const POSTER_HEIGHT = 210;

/**
 * Resizes to the stored poster size and, in blur mode, blurs with the configured sigma so a
 * title can't be recognised from its artwork. JPEG because blurred art compresses badly as PNG
 * and the renderer decodes either; metadata is never copied (no withMetadata).
 */
export async function processPoster(input: Buffer, mode: Exclude<PosterMode, 'hide'>, blurSigma: number): Promise<Buffer> {
  let img = sharp(input, { failOn: 'error', limitInputPixels: 40_000_000 })
    .rotate()
    .resize(POSTER_WIDTH, POSTER_HEIGHT, { fit: 'cover', position: 'centre' });
  if (mode === 'blur' && blurSigma >= 0.3) img = img.blur(blurSigma);
  return img.flatten({ background: '#000000' }).jpeg({ quality: 80, chromaSubsampling: '4:2:0' }).toBuffer();
}

/**
 * Forum signature limits: the sizes boards most often cap a signature image at. The gallery says
 * which of them each image fits and, where it does not, which size preset path would.
 */

export interface Size {
  width: number;
  height: number;
}

export const SIGNATURE_LIMITS: readonly Size[] = [
  { width: 468, height: 60 },
  { width: 500, height: 100 },
  { width: 500, height: 150 },
];

export interface LimitFit {
  limit: Size;
  fits: boolean;
  /** Where the image does not fit: the largest preset (template) that does, if any. */
  preset?: string;
}

const fitsIn = (s: Size, limit: Size) => s.width <= limit.width && s.height <= limit.height;

/** One answer per limit, in SIGNATURE_LIMITS' order; presets are templates with their 1x size. */
export function signatureFits(image: Size, presets: ReadonlyMap<string, Size>): LimitFit[] {
  return SIGNATURE_LIMITS.map((limit) => {
    if (fitsIn(image, limit)) return { limit, fits: true };
    const best = [...presets]
      .filter(([, s]) => fitsIn(s, limit))
      .sort(([an, a], [bn, b]) => b.width * b.height - a.width * a.height || an.localeCompare(bn))[0];
    return { limit, fits: false, ...(best ? { preset: best[0] } : {}) };
  });
}

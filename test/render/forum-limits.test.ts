import { describe, expect, it } from 'vitest';
import { signatureFits } from '../../src/render/gallery/forum-limits.js';

/** The built-in templates' 1x sizes, written out from templates/*.json. */
const builtIn = new Map([
  ['banner', { width: 468, height: 60 }],
  ['card', { width: 500, height: 100 }],
  ['health', { width: 500, height: 160 }],
  ['signature', { width: 600, height: 200 }],
  ['status', { width: 120, height: 20 }],
  ['userbar', { width: 350, height: 19 }],
]);

describe('forum signature limits (468x60, 500x100, 500x150)', () => {
  it('names, for an image too large, the largest preset within each limit', () => {
    expect(signatureFits({ width: 600, height: 200 }, builtIn)).toEqual([
      { limit: { width: 468, height: 60 }, fits: false, preset: 'banner' },
      { limit: { width: 500, height: 100 }, fits: false, preset: 'card' },
      // health is 500x160: ten pixels too tall for 500x150.
      { limit: { width: 500, height: 150 }, fits: false, preset: 'card' },
    ]);
  });

  it('counts an image exactly at a limit as fitting it', () => {
    expect(signatureFits({ width: 500, height: 100 }, builtIn).map((f) => f.fits)).toEqual([false, true, true]);
    expect(signatureFits({ width: 468, height: 60 }, builtIn).map((f) => f.fits)).toEqual([true, true, true]);
  });

  it('names no preset when none is small enough', () => {
    expect(signatureFits({ width: 600, height: 200 }, new Map([['og', { width: 1200, height: 630 }]]))[0]).toEqual({
      limit: { width: 468, height: 60 },
      fits: false,
    });
  });
});

import { describe, expect, it } from 'vitest';
import { buildMix, VARIANTS } from '../../bench/phases/realistic.js';

/** The realistic serving mix has the proportions issue 15 asks for; counted here from the sequence itself. */
describe('realistic serving mix', () => {
  const mix = buildMix();
  const count = (p: (m: (typeof mix)[number]) => boolean) => mix.filter(p).length;

  it('sends most requests for one signature and the rest over 30+ variants', () => {
    const hot = count((m) => m.path === '/i/signature.png');
    expect(hot / mix.length).toBeGreaterThan(0.65);
    expect(hot / mix.length).toBeLessThan(0.75);
    const others = new Set(mix.map((m) => m.path).filter((p) => p !== '/i/signature.png'));
    expect(others.size).toBeGreaterThanOrEqual(30);
    expect(others).toEqual(new Set(VARIANTS));
  });

  it('covers themes, @2x, size presets and .json', () => {
    expect(VARIANTS.some((p) => /-[a-z_]+\.png$/.test(p))).toBe(true);
    expect(VARIANTS.some((p) => p.includes('@2x'))).toBe(true);
    expect(VARIANTS.some((p) => p.includes('?size='))).toBe(true);
    expect(VARIANTS.some((p) => p.endsWith('.json'))).toBe(true);
  });

  it('revalidates about a quarter of image requests and never a .json one', () => {
    const images = count((m) => m.path.includes('.png'));
    const revalidating = count((m) => m.revalidate);
    expect(revalidating / images).toBeGreaterThan(0.15);
    expect(revalidating / images).toBeLessThan(0.35);
    expect(count((m) => m.revalidate && m.path.endsWith('.json'))).toBe(0);
  });

  it('is the same sequence every run', () => {
    expect(buildMix()).toEqual(mix);
  });
});

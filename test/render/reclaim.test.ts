import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PixelReclaimer } from '../../src/render/paint/reclaim.js';

describe('PixelReclaimer', () => {
  it('asks for a collection each time the threshold of dead pixel bytes is crossed', () => {
    let collections = 0;
    const reclaimer = new PixelReclaimer(10, () => collections++);
    reclaimer.released(4);
    reclaimer.released(4);
    expect(collections).toBe(0);
    reclaimer.released(4);
    expect(collections).toBe(1);
    reclaimer.released(9);
    expect(collections).toBe(1);
    reclaimer.released(1);
    expect(collections).toBe(2);
  });

  it('does nothing when the process cannot collect on request (no --expose-gc)', () => {
    const reclaimer = new PixelReclaimer(1, undefined);
    expect(() => reclaimer.released(1_000)).not.toThrow();
  });

  it('uses the global gc of a process started with --expose-gc, as a major, asynchronous collection', () => {
    const script = `
      const calls = [];
      const real = globalThis.gc;
      globalThis.gc = (options) => { calls.push(options ?? null); return real?.(options); };
      if (!real) delete globalThis.gc;
      const { PixelReclaimer } = await import(${JSON.stringify(new URL('../../src/render/paint/reclaim.ts', import.meta.url).href)});
      const r = new PixelReclaimer(10);
      for (let i = 0; i < 5; i++) r.released(6);
      console.log(JSON.stringify(calls));
    `;
    const run = (flags: string[]) =>
      JSON.parse(
        execFileSync(process.execPath, [...flags, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' }).trim(),
      ) as unknown[];
    expect(run(['--expose-gc'])).toEqual([
      { type: 'major', execution: 'async' },
      { type: 'major', execution: 'async' },
    ]);
    expect(run([])).toEqual([]);
  });
});

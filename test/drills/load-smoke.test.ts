import { describe, expect, it } from 'vitest';
import { runLoadDrill } from './load-drill.js';

/**
 * Drill 4 in `npm test`: the load drill's own code for a few seconds, so `npm run drill:load` (the
 * 60 s run, which prints the figures the issue asks for) cannot rot unnoticed.
 */
describe('drill 4: load (smoke)', () => {
  it('serves mixed traffic over 100 connections with the collector running, without a failed request', async () => {
    const figures = await runLoadDrill(
      { durationS: 6, baselineS: 3, connections: 100, rate: 100, profile: 'tiny', schedule: '*/2 * * * * *' },
      console.info,
    );
    expect(figures.failed).toBe(0);
    expect(figures.requests).toBeGreaterThan(300);
    expect(figures.statuses['304']).toBeGreaterThan(0);
  }, 90_000);
});

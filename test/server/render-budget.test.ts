import { describe, expect, it } from 'vitest';
import { budgetKey, RenderBudget } from '../../src/server/render-budget.js';

describe('who pays for a render', () => {
  it.each([
    ['203.0.113.9', '203.0.113.9'],
    // What a dual-stack socket reports for an IPv4 client.
    ['::ffff:203.0.113.9', '203.0.113.9'],
    ['2001:db8:a:b::1', '2001:db8:a:b::/64'],
    ['2001:db8:a:b:ffff:ffff:ffff:ffff', '2001:db8:a:b::/64'],
    ['2001:0DB8:000A:000B:0:0:0:7', '2001:db8:a:b::/64'],
    ['2001:db8:a:c::1', '2001:db8:a:c::/64'],
    ['2001:db8::1', '2001:db8::/64'],
    ['::1', '::/64'],
    ['fe80::1%eth0', 'fe80::/64'],
  ])('%s is charged as %s', (ip, key) => {
    expect(budgetKey(ip)).toBe(key);
  });

  it('names a request without an address (its socket already gone) "unknown"', () => {
    expect(budgetKey(undefined)).toBe('unknown');
  });
});

describe('RenderBudget', () => {
  // One unit is a 1x signature: 600 x 200 pixels.
  const signature = 600 * 200;

  it('allows a minute of renders worth the budget, then refuses with the seconds until it refills', async () => {
    const budget = new RenderBudget(10);
    for (let i = 0; i < 10; i++) expect((await budget.charge('2001:db8:a:b::1', signature)).allowed).toBe(true);
    const refused = await budget.charge('2001:db8:a:b::99', signature);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterS).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterS).toBeLessThanOrEqual(60);
    expect((await budget.charge('2001:db8:a:c::1', signature)).allowed).toBe(true);
  });

  it('charges pixels: a render of four signatures costs four', async () => {
    const budget = new RenderBudget(10);
    expect((await budget.charge('198.51.100.1', 4 * signature)).allowed).toBe(true);
    expect((await budget.charge('198.51.100.1', 4 * signature)).allowed).toBe(true);
    expect((await budget.charge('198.51.100.1', 4 * signature)).allowed).toBe(false);
  });

  it('lets a render larger than the whole budget through once a minute, not never', async () => {
    const budget = new RenderBudget(10);
    const og2x = 2400 * 1260;
    expect((await budget.charge('198.51.100.2', og2x)).allowed).toBe(true);
    expect((await budget.charge('198.51.100.2', signature)).allowed).toBe(false);
  });
});

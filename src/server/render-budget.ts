import ipaddr from 'ipaddr.js';
import { RateLimiterMemory } from 'rate-limiter-flexible';

/**
 * One unit of `server.rateLimitPerMinute`: the pixels of a 1x signature (600x200). A render is
 * charged what it draws, so an og@2x (2400x1260) costs about 25 units: counting requests let one
 * client force 600 of those a minute, the CPU and memory of 25 times as many signatures.
 */
export const BUDGET_UNIT_PIXELS = 600 * 200;

/**
 * Who pays for a render. One IPv4 address is one client; an IPv6 client is its /64, since that is
 * what one subscriber gets (RFC 6177) and any address in it is theirs to use. IPv4-mapped IPv6
 * (`::ffff:1.2.3.4`, what a dual-stack socket reports) is the IPv4 client it maps.
 */
export function budgetKey(ip: string | undefined): string {
  if (!ip || !ipaddr.isValid(ip)) return ip ?? 'unknown';
  const address = ipaddr.process(ip);
  if (address.kind() === 'ipv4') return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/64`;
}

/** A per-client budget of rendered pixels over a fixed one-minute window. */
export class RenderBudget {
  private readonly limiter: RateLimiterMemory;
  private readonly pixelsPerMinute: number;

  /** Renders refused so far (answered 429), for /metrics. */
  refused = 0;

  constructor(unitsPerMinute: number) {
    this.pixelsPerMinute = unitsPerMinute * BUDGET_UNIT_PIXELS;
    this.limiter = new RateLimiterMemory({ points: this.pixelsPerMinute, duration: 60 });
  }

  /**
   * Charges `pixels` to the client behind `ip`. Refused once the minute's budget is spent, with the
   * seconds until it refills. A refused render is still counted (an insistent client stays refused
   * until the window ends), and a render larger than a whole budget costs the whole budget, so a
   * small budget still allows one render a minute rather than none.
   */
  charge(ip: string | undefined, pixels: number): Promise<{ allowed: boolean; retryAfterS: number }> {
    const cost = Math.max(1, Math.min(Math.ceil(pixels), this.pixelsPerMinute));
    return this.limiter.consume(budgetKey(ip), cost).then(
      () => ({ allowed: true, retryAfterS: 0 }),
      (res: { msBeforeNext?: number }) => {
        this.refused++;
        return { allowed: false, retryAfterS: Math.max(1, Math.ceil((res.msBeforeNext ?? 60_000) / 1000)) };
      },
    );
  }
}

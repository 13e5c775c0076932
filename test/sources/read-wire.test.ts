import { describe, expect, it } from 'vitest';
import { pack, unpack } from '../../src/sources/read-wire.js';
import { readTautulli } from '../../src/sources/tautulli/tautulli-source.js';
import type { SourceResult } from '../../src/sources/result.js';
import { fixtureDbs, FIXTURE_NOW_MS } from '../support/fixtures.js';

/**
 * The reader thread's wire format: what arrives on the main thread must equal what the source
 * returned. Oracle: the source's own result, and a structured clone of it (what postMessage made of
 * it before), compared after the same trip through a MessageChannel that moves the packed buffer.
 */
async function trip(result: SourceResult<unknown>): Promise<SourceResult<unknown>> {
  const { port1, port2 } = new MessageChannel();
  const arrived = new Promise<SourceResult<unknown>>((resolve) => port2.once('message', resolve));
  const { message, transfer } = pack(result);
  port1.postMessage(message, transfer);
  const got = unpack(await arrived);
  port1.close();
  port2.close();
  return got;
}

describe('reader thread wire format', () => {
  it('hands over a Tautulli read with its network extras exactly as the source returned it', async () => {
    const { tautulliDb } = fixtureDbs('demo');
    const result = await readTautulli({ dbPath: tautulliDb, now: FIXTURE_NOW_MS, timeZone: 'UTC', networkExtras: true });
    expect(result.ok && result.extras && 'segments' in result.extras && result.extras.segments.length).toBeGreaterThan(100);
    const expected = structuredClone(result);
    expect(await trip(result)).toEqual(expected);
  });

  it('moves the segments as one buffer, leaving nothing of them to copy', () => {
    const result = { ok: true as const, data: {}, durationMs: 1, extras: { segments: [[1, 2] as const, [3, 4] as const], users: [] } };
    const { message, transfer } = pack(result);
    expect(transfer).toHaveLength(1);
    expect(JSON.stringify(message)).not.toContain('"segments"');
  });

  it('leaves results it cannot pack as they are: no extras, an error, a time that is not a number', async () => {
    const odd = { ok: true as const, data: {}, durationMs: 1, extras: { segments: [[1, '2'] as unknown as [number, number]] } };
    const failed = { ok: false as const, error: { code: 'locked' as const, message: 'x' }, durationMs: 1 };
    const plain = { ok: true as const, data: { a: 1 }, durationMs: 1 };
    for (const r of [odd, failed, plain]) {
      expect(pack(r).transfer).toHaveLength(0);
      expect(await trip(r)).toEqual(r);
    }
  });
});

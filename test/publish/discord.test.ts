import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_NOW_MS } from '../support/fixtures.js';
import { startTestMarquee } from '../support/marquee-instance.js';

/** A stand-in for Discord's webhook API on 127.0.0.1: records calls, answers like Discord. */
interface Call {
  method: string;
  url: string;
  body: { embeds: { image: { url: string } }[] };
}
let discord: Server;
let webhookUrl: string;
const calls: Call[] = [];
let nextStatus = 200;

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let data = '';
    req.on('data', (c) => (data += c)).on('end', () => resolve(data));
  });

beforeAll(async () => {
  discord = createServer(async (req, res) => {
    calls.push({ method: req.method!, url: req.url!, body: JSON.parse(await read(req)) as Call['body'] });
    res.statusCode = nextStatus;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ id: '1234567890' }));
  });
  await new Promise<void>((resolve) => discord.listen(0, '127.0.0.1', resolve));
  webhookUrl = `http://127.0.0.1:${(discord.address() as AddressInfo).port}/api/webhooks/42/secret-token`;
});
afterAll(() => new Promise<void>((resolve) => discord.close(() => resolve())));

describe('Discord webhook poster', () => {
  it('posts one message, then edits it with a new versioned image when the data changes', async () => {
    let now = FIXTURE_NOW_MS;
    const logs: string[] = [];
    const marquee = await startTestMarquee({
      clock: () => now,
      logTo: { write: (l) => void logs.push(l) },
      env: { MARQUEE_PUBLIC_URL: 'https://status.example.org' },
      yaml: `discord:\n  webhookUrl: ${webhookUrl}\n  image: og\n  intervalS: 3600\n`,
    });
    try {
      await expect.poll(() => calls.length).toBe(1);
      expect(calls[0]!.method).toBe('POST');
      expect(calls[0]!.url).toBe('/api/webhooks/42/secret-token?wait=true');
      const first = calls[0]!.body.embeds[0]!.image.url;
      expect(first).toMatch(/^https:\/\/status\.example\.org\/v\/[\w-]+\/og\.png$/);

      await marquee.discord!.run(now); // joins the start-up run if it is still under way
      expect(await marquee.discord!.run(now)).toBe('unchanged');
      expect(calls).toHaveLength(1);
      now += 60_000;
      await marquee.collector.collect();
      expect(await marquee.discord!.run(now)).toBe('edited');
      const edit = calls.at(-1)!;
      expect(edit.method).toBe('PATCH');
      expect(edit.url).toBe('/api/webhooks/42/secret-token/messages/1234567890');
      expect(edit.body.embeds[0]!.image.url).not.toBe(first);

      nextStatus = 500;
      now += 60_000;
      await marquee.collector.collect();
      expect(await marquee.discord!.run(now)).toBe('failed');
      expect(logs.join('\n')).not.toContain('secret-token');
    } finally {
      nextStatus = 200;
      await marquee.stop();
    }
  });
});

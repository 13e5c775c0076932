import express from 'express';
import type { Server } from 'node:http';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { publicBase } from '../../src/server/public-url.js';
import { pageRoutes } from '../../src/server/routes/pages.js';
import { startTestMarquee, type TestMarquee } from '../support/marquee-instance.js';

/**
 * Issue 15, bug 6 (server half): behind a reverse proxy. Absolute URLs (og:image, the gallery's
 * snippets) come from `server.publicUrl`, else the listen address, never from the Host header or
 * X-Forwarded-Host; they turn https when a trusted proxy says the visitor used https; /embed
 * refuses when neither names an address the world uses. Real servers on 127.0.0.1, raw requests
 * so the Host header is exactly what a hostile client sends. HSTS is the proxy's business.
 */

const EVIL = 'evil.example';

function rawGet(
  url: string,
  p: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port: Number(port), path: p, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    })
      .on('error', reject)
      .end();
  });
}

const ogImage = (html: string) => /<meta property="og:image" content="([^"]+)"/.exec(html)?.[1];
const hostile = { Host: EVIL, 'X-Forwarded-Host': EVIL };

const running: TestMarquee[] = [];
afterEach(async () => {
  for (const m of running.splice(0)) await m.stop();
});
async function start(yaml: string): Promise<TestMarquee> {
  const m = await startTestMarquee({ yaml });
  running.push(m);
  return m;
}

describe('without server.publicUrl, on one listen address', () => {
  it('links the listen address whatever Host and X-Forwarded-* say, and sends no HSTS', async () => {
    const m = await start('');
    const port = new URL(m.url).port;
    const res = await rawGet(m.url, '/embed/og', { ...hostile, 'X-Forwarded-Proto': 'https' });
    expect(res.status).toBe(200);
    expect(ogImage(res.body)).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/v/[\\w-]+/og\\.png$`));
    expect(res.body).not.toContain(EVIL);
    expect(res.headers['strict-transport-security']).toBeUndefined();
    const gallery = await rawGet(m.url, '/', hostile);
    expect(gallery.body).toContain(`http://127.0.0.1:${port}/i/signature.png`);
    expect(gallery.body).not.toContain(EVIL);
  });
});

describe('with server.publicUrl', () => {
  it('links publicUrl, upgraded to https when a trusted proxy says the visitor used https', async () => {
    const m = await start('server:\n  publicUrl: http://status.example.org\n  trustProxy: loopback\n');
    const viaProxy = { ...hostile, 'X-Forwarded-For': '198.51.100.7', 'X-Forwarded-Proto': 'https' };
    const secure = await rawGet(m.url, '/embed/og', viaProxy);
    expect(ogImage(secure.body)).toMatch(/^https:\/\/status\.example\.org\/v\/[\w-]+\/og\.png$/);
    expect(secure.body).not.toContain(EVIL);
    expect(secure.headers['strict-transport-security']).toBeUndefined();
    const gallery = await rawGet(m.url, '/', viaProxy);
    expect(gallery.body).toContain('[img]https://status.example.org/i/signature.png[/img]');
    // Plain http through the proxy (or straight to Marquee): publicUrl as written.
    const plain = await rawGet(m.url, '/embed/og', { ...viaProxy, 'X-Forwarded-Proto': 'http' });
    expect(ogImage(plain.body)).toMatch(/^http:\/\/status\.example\.org\/v\//);
  });

  it('ignores X-Forwarded-Proto from a proxy nobody trusts', async () => {
    const m = await start('server:\n  publicUrl: http://status.example.org\n');
    const res = await rawGet(m.url, '/embed/og', { ...hostile, 'X-Forwarded-Proto': 'https' });
    expect(ogImage(res.body)).toMatch(/^http:\/\/status\.example\.org\/v\//);
  });
});

describe('behind a trusted proxy without server.publicUrl', () => {
  it('refuses /embed with a page naming server.publicUrl, before drawing or pinning anything', async () => {
    const m = await start('server:\n  trustProxy: loopback\n');
    const renders = m.renders.renderCount;
    const res = await rawGet(m.url, '/embed/og', { ...hostile, 'X-Forwarded-For': '198.51.100.7', 'X-Forwarded-Proto': 'https' });
    expect(res.status).toBe(503);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('server.publicUrl');
    expect(res.body).toContain('reverse proxy');
    expect(res.body).not.toContain(EVIL);
    expect(m.renders.renderCount).toBe(renders);
    // The same server reached directly (no forwarding headers) is at its listen address.
    expect((await rawGet(m.url, '/embed/og', { Host: EVIL })).status).toBe(200);
  });
});

describe('listening on every address without server.publicUrl', () => {
  let server: Server;
  let url = '';
  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('refuses /embed, and shows the owner the address the connection reached, never the Host header', async () => {
    // The resolver is told Marquee listens on 0.0.0.0; the test itself listens on 127.0.0.1 only.
    const app = express();
    app.use(
      pageRoutes({
        images: () => [{ name: 'og', template: 'og', theme: 'dark', alt: 'status', width: 1200, height: 630 }],
        themes: ['dark', 'light'],
        publicBase: (req) => publicBase({ host: '0.0.0.0' }, req),
        versionedPath: () => Promise.reject(new Error('must not be asked')),
        staticDir: path.resolve(import.meta.dirname, '../../public'),
      }),
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const embed = await rawGet(url, '/embed/og', hostile);
    expect(embed.status).toBe(503);
    expect(embed.body).toContain('server.publicUrl');
    expect(embed.body).not.toContain(EVIL);
    const gallery = await rawGet(url, '/', hostile);
    expect(gallery.body).toContain(`${url}/i/og.png`);
    expect(gallery.body).not.toContain(EVIL);
  });
});

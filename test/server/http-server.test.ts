import { connect, type Socket } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, type ConnectionLimits } from '../../src/server/http-server.js';

const limits: ConnectionLimits = {
  maxConnections: 4,
  idleTimeoutMs: 400,
  headersTimeoutMs: 2000,
  requestTimeoutMs: 3000,
  keepAliveTimeoutMs: 2000,
};
const BIG = Buffer.alloc(32 * 1024 * 1024, 1);

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
});

/** A server whose `/slow` answers after 1 s (a render waiting its turn) and `/big` sends 32 MB. */
async function listen(): Promise<number> {
  server = createHttpServer((req, res) => {
    if (req.url === '/slow') setTimeout(() => res.end('slow'), 1_000);
    else if (req.url === '/big') res.end(BIG);
    else res.end('ok');
  }, limits);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server!.address() as { port: number }).port;
}

const connections = () => new Promise<number>((resolve) => server!.getConnections((_err, n) => resolve(n)));

/** A raw socket; resolves its text and how long after connecting the server closed it. */
function raw(port: number, send?: string, read = true): { socket: Socket; closed: Promise<{ text: string; afterMs: number }> } {
  const socket = connect({ host: '127.0.0.1', port });
  const started = performance.now();
  let text = '';
  if (read) socket.on('data', (c: Buffer) => (text += c.toString('latin1').slice(0, 200)));
  socket.on('error', () => undefined);
  if (send) socket.write(send);
  const closed = new Promise<{ text: string; afterMs: number }>((resolve) =>
    socket.on('close', () => resolve({ text, afterMs: performance.now() - started })),
  );
  return { socket, closed };
}

describe('createHttpServer', () => {
  it('closes a connection that never sends a byte after the idle timeout', async () => {
    const port = await listen();
    const { afterMs } = await raw(port).closed;
    expect(afterMs).toBeGreaterThanOrEqual(limits.idleTimeoutMs - 50);
    expect(afterMs).toBeLessThan(limits.headersTimeoutMs);
  });

  it('keeps a connection whose response is still being prepared, however long it stays silent', async () => {
    const port = await listen();
    const c = raw(port, 'GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const { text } = await c.closed;
    expect(text).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(text).toMatch(/slow$/);
  });

  it('closes a connection that stops reading its response', async () => {
    const port = await listen();
    const c = raw(port, 'GET /big HTTP/1.1\r\nHost: x\r\n\r\n', false);
    c.socket.pause();
    const started = performance.now();
    // The client reads nothing, so the close is seen on the server's side.
    await new Promise((r) => setTimeout(r, 100));
    while ((await connections()) > 0 && performance.now() - started < limits.headersTimeoutMs) await new Promise((r) => setTimeout(r, 50));
    expect(await connections()).toBe(0);
    c.socket.destroy();
  });

  it(`holds at most maxConnections (${limits.maxConnections}) and closes the rest as they arrive`, async () => {
    const port = await listen();
    const sockets = Array.from({ length: limits.maxConnections + 3 }, () => raw(port));
    const early = await Promise.all(
      sockets.map((s) =>
        Promise.race([
          s.closed.then(({ afterMs }) => afterMs < limits.idleTimeoutMs / 2),
          new Promise((r) => setTimeout(() => r(false), limits.idleTimeoutMs / 2)),
        ]),
      ),
    );
    expect(early.filter(Boolean).length).toBe(3);
    for (const s of sockets) s.socket.destroy();
  });
});

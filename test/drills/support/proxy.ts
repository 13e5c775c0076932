import { connect, createServer, type Socket } from 'node:net';

export interface Proxy {
  /** Origin of the proxy (http://127.0.0.1:port). */
  readonly url: string;
  /** Stop listening and cut every open connection: the next connect is refused. */
  down(): Promise<void>;
  /** Listen again on the same port. */
  up(): Promise<void>;
}

/**
 * A TCP relay on 127.0.0.1 in front of a local server. "Unreachable" must be a refused or reset
 * connection (what a dead network does), not an HTTP error the emulator could fake.
 */
export async function startProxy(targetPort: number): Promise<Proxy> {
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  const port = await listen(0);
  return {
    url: `http://127.0.0.1:${port}`,
    down: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of open) s.destroy();
      }),
    up: async () => {
      await listen(port);
    },
  };
}

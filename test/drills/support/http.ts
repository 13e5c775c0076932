import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * A keep-alive client on node:http rather than fetch: it sends the path bytes as given (fetch would
 * normalise `..` and re-encode), so the server sees exactly the hostile URL the drill generated.
 */
export function httpClient(baseUrl: string, maxSockets = 8) {
  const { hostname, port } = new URL(baseUrl);
  if (hostname !== '127.0.0.1') throw new Error('drills talk to 127.0.0.1 only');
  const agent = new Agent({ keepAlive: true, maxSockets });
  const get = (path: string, headers: Record<string, string> = {}, timeoutMs = 15_000): Promise<RawResponse> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: Number(port), path, method: 'GET', headers, agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${path.slice(0, 120)}`)));
      req.on('error', reject);
      req.end();
    });
  return { get, close: () => agent.destroy() };
}

/** A port that was free a moment ago on 127.0.0.1, for child processes that cannot report theirs. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Hashes of a database and its -wal ("never written" means equal). An absent and an empty -wal count
 * the same: any reader of a WAL database may create the empty file, which holds no data. -shm is
 * left out on purpose: it is shared memory that every reader, read-only ones included, updates.
 */
export function hashDb(file: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const suffix of ['', '-wal']) {
    const f = `${file}${suffix}`;
    out[suffix || 'db'] = existsSync(f) && statSync(f).size > 0 ? sha256(readFileSync(f)) : null;
  }
  return out;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

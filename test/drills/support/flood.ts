// A flood of requests that no cache can answer, run as its own process (`node --import tsx
// flood.ts <url> <seconds> <connections>`) so that the drill's probes never share its event loop.
// Prints one JSON line: requests, statuses, errors, timeouts.
import autocannon from 'autocannon';

const [url, seconds, connections] = process.argv.slice(2);

/**
 * The mix, each URL new: a version that never existed (404), a bad colour (400), and a
 * fresh og@2x render per request, which the render budget turns into 429s within a few renders.
 */
export function floodPath(n: number): string {
  const hex = (0x100000 + ((n * 2_654_435_761) % 0xefffff)).toString(16);
  switch (n % 4) {
    case 0:
      return `/v/x${n}/og@2x.png`;
    case 1:
      return `/i/og@2x.png?bg_color=zz${n}`;
    case 2:
      return `/i/og@2x.png?bg_color=${hex}`;
    default:
      return `/v/${n.toString(36).padStart(27, 'A')}/og-light@2x.png?scale=2`;
  }
}

/** autocannon decodes every body into a string (see bench/children/load.ts); nothing here reads them. */
function dropBodies(client: unknown): void {
  const queue = (client as { pipelinedRequests?: { addBody?: unknown } }).pipelinedRequests;
  if (typeof queue?.addBody === 'function') queue.addBody = () => undefined;
}

if (url) {
  let seq = 0;
  const statuses: Record<string, number> = {};
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: Number(connections),
        duration: Number(seconds),
        timeout: 10,
        setupClient: dropBodies,
        requests: [{ setupRequest: (req) => ({ ...req, path: floodPath(seq++) }) }],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_client, status: number) => void (statuses[status] = (statuses[status] ?? 0) + 1));
  });
  process.stdout.write(
    `${JSON.stringify({ requests: result.requests.total, statuses, errors: result.errors, timeouts: result.timeouts, p99Ms: result.latency.p99 })}\n`,
  );
}
